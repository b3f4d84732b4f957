"""The Import/Export suite as a provider meets it: against `jobcontract serve --api importexport`, a
moto server in another process treated as a real endpoint (`--importexport-url`, any AWS key). Its account
is set up as a provider's is, without the mock's control API: jobs in the states a provider's account holds
are seeded with `--scenario`, and a canceled job is created and canceled over the wire with boto3.

(a) URL and credentials only: the suite passes; every check it cannot make is *not verified* and names the
option that would verify it; on an account that holds jobs (found with ListJobs) at least 70% of the
checks run. (b) Every option: the suite passes with no check skipped, and changes nothing on the server.
(c) A faulty variant served as a misbehaving provider, with every option: the suite fails for its reason."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from providers import AWS_ENV, counts, credentials, every_option, serve_args, skips
from serving import Serving, run_suite, served

pytestmark = pytest.mark.slow
# A provider with two deviations (faulty variants combined): its CancelJob does not cancel, and its jobs
# report their data loading again on a later poll after they ended. Each must be reported.
TWO_DEVIATIONS = "cancel-does-not-cancel+final-code-changes"
EXPECTED = ("not CanceledJobIdException nor ProgressCode Canceled", "a final code changed on a later poll")
NOT_VERIFIED = re.compile(r"not verified: .*; give --importexport-[a-z-]+ \(or JOBCONTRACT_IMPORTEXPORT_[A-Z_]+\)")


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite signs with the usual AWS variables (the served mock takes any key)."""
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def empty_account() -> Iterator[Serving]:
    with served("importexport") as serving:
        yield serving


@pytest.fixture
def account(tmp_path: Path) -> Iterator[Serving]:
    with served("importexport", *serve_args("importexport", tmp_path)) as serving:
        yield serving


def test_url_and_credentials_only_on_an_empty_account(empty_account: Serving) -> None:
    result = run_suite("importexport", *credentials("importexport", empty_account))
    assert result.returncode == 0, result.stdout[-3000:]
    assert skips(result), "an account without jobs leaves the checks of jobs not verified"
    assert all(NOT_VERIFIED.search(line) for line in skips(result)), "\n".join(skips(result))


def test_url_and_credentials_only_on_an_account_with_jobs(account: Serving) -> None:
    result = run_suite("importexport", *credentials("importexport", account))
    assert result.returncode == 0, result.stdout[-3000:]
    assert all(NOT_VERIFIED.search(line) for line in skips(result)), "\n".join(skips(result))
    outcome = counts(result)
    ran = outcome["passed"] / (outcome["passed"] + outcome["skipped"])
    assert ran >= 0.7, f"{outcome}: only {ran:.0%} of the checks ran\n{result.stdout[-3000:]}"


def test_every_option_verifies_every_check_and_changes_nothing(account: Serving) -> None:
    import boto3

    options = every_option("importexport", account)
    client = boto3.client("importexport", region_name="us-east-1", endpoint_url=account.url)
    before = client.list_jobs()["Jobs"]
    result = run_suite("importexport", *options)
    assert result.returncode == 0, result.stdout[-3000:]
    assert counts(result)["skipped"] == 0, "\n".join(skips(result))
    assert client.list_jobs()["Jobs"] == before, "the read-only suite created or canceled a job"
    created = next(option for option in options if option.startswith("--importexport-job=")).split("=", 1)[1]
    assert client.get_status(JobId=created)["ProgressCode"] == "Pending", "the suite changed a job"


def test_a_misbehaving_provider_fails_for_each_of_its_reasons(tmp_path: Path) -> None:
    with served("importexport", "--variant", TWO_DEVIATIONS, *serve_args("importexport", tmp_path)) as serving:
        result = run_suite("importexport", *every_option("importexport", serving))
    assert result.returncode == 1, result.stdout[-3000:]
    for reason in EXPECTED:
        assert reason in result.stdout, f"failed, but not for {reason!r}:\n{result.stdout[-3000:]}"
    outcome = counts(result)
    assert outcome["passed"] >= 14 and outcome["skipped"] == 0, f"the rest must still be checked: {outcome}"
