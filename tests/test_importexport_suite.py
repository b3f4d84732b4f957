"""The Import/Export suite passes on the faithful moto backend, in-process and against moto's server
run by `python -m mocks serve --api importexport` in another process (there only the checks that need
the mock's control API skip). The faulty variants are run by tests/test_suites_bite.py through
mocks.FAULTY; that file's faithful-mock test covers the Dialect mocks only, hence this one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from serving import run_suite, served

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_the_suite_passes_on_the_faithful_backend() -> None:
    result = run_suite("importexport")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "skipped" not in result.stdout.splitlines()[-1], result.stdout[-3000:]


@pytest.fixture
def served_moto() -> Iterator[str]:
    with served("importexport") as serving:
        assert serving.control == f"{serving.url}/moto-api", "moto's own control API"
        yield serving.url


def test_the_suite_passes_against_a_served_moto_server(served_moto: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)  # the suite signs with the usual AWS variables
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    client = boto3.client("importexport", region_name="us-east-1", endpoint_url=served_moto)
    job_id = client.create_job(
        JobType="Import", Manifest="manifestVersion:2.0\ndeviceId:1\nbucket:b\n", ValidateOnly=False
    )["JobId"]
    result = run_suite("importexport", f"--importexport-url={served_moto}", f"--importexport-job={job_id}")
    assert result.returncode == 0, result.stdout[-3000:]
    skips = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skips, "the control-API checks should skip against a served server"
    assert all("needs the mock's control API" in line for line in skips), "\n".join(skips)
    passed = int(re.search(r"(\d+) passed", result.stdout.splitlines()[-1]).group(1))  # type: ignore[union-attr]
    assert passed >= 8, f"too little ran against the served server:\n{result.stdout[-3000:]}"
    assert client.get_status(JobId=job_id)["ProgressCode"] == "Pending", "the read-only suite changed the job"
    assert [job["JobId"] for job in client.list_jobs()["Jobs"]] == [job_id], "the read-only suite created jobs"
