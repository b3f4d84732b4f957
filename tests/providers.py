"""A served mock as a provider's staging server: what a provider gives the suite for it (URL and credentials;
then every option, with what the options name provisioned on the served mock from outside, over HTTP or the
wire, as a provider names jobs of its own server), and how to read a suite run's outcome.

Used by the provider tests (tests/test_<api>_provider.py), the gate test and bench/provider_coverage.py."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import boto3
import yaml
from serving import Serving

from jobcontract.mocks.cf import NO_READ_SCOPE_TOKEN, VALID_TOKEN
from jobcontract.mocks.clc import DEFAULT_USER, OTHER_USER
from jobcontract.mocks.control import Control

# the AWS documentation's example key pair: the served Import/Export mock takes any key
AWS_KEY, AWS_SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_ENV = {"AWS_ACCESS_KEY_ID": AWS_KEY, "AWS_SECRET_ACCESS_KEY": AWS_SECRET}
IMPORT_MANIFEST = "manifestVersion:2.0\ndeviceId:1\nbucket:b\n"

# A provider's Import/Export account (seeded with `serve --scenario`: the mock has no HTTP control API): a job
# of each kind of life GetStatus shows, one that moves while the suite polls it, and one that expired.
IMPORTEXPORT_ACCOUNT = {
    "importexport": {
        "jobs": [
            {"id": "LOADS", "script": ["AtAWS/InProgress"]},
            {"id": "SWERR", "script": ["Returned/SuccessWithErrors"], "error_count": 3},
            {"id": "DONE1", "script": ["Returned/Complete"]},
            {"id": "BROKE", "type": "Export", "script": ["Returned/DeviceError"]},
            {
                "id": "MOVES",  # one step per GetStatus
                "script": [
                    {"state": "NotReceived/Pending", "polls": 2},
                    {"state": "AtAWS/Pending", "polls": 2},
                    {"state": "AtAWS/InProgress", "polls": 2},
                    {"state": "AtAWS/Complete", "polls": 2},
                    "Returned/Complete",
                ],
            },
            {"id": "GONE1", "script": ["NotReceived/Expired"]},
        ]
    }
}
IMPORTEXPORT_JOBS = ["LOADS", "SWERR", "DONE1", "BROKE", "MOVES"]
IMPORTEXPORT_EXPIRED = "GONE1"
# lives by polls, so that the suite sees a job move and end without waiting
CF_LIVE = [{"state": "PROCESSING", "polls": 1}, {"state": "POLLING", "polls": 2}, "COMPLETE"]
CF_JOB_ERROR = {"code": 10008, "title": "CF-UnprocessableEntity", "detail": "something went wrong"}
CLC_LIFE = [{"state": "notStarted", "polls": 1}, {"state": "executing", "polls": 2}, "succeeded"]


def serve_args(api: str, folder: Path) -> list[str]:
    """What `serve` needs to play a provider's server with jobs in its account (a scenario file in `folder`)."""
    if api != "importexport":
        return []
    path = folder / "importexport-account.yaml"
    path.write_text(yaml.safe_dump(IMPORTEXPORT_ACCOUNT))
    return ["--scenario", str(path)]


def credentials(api: str, serving: Serving) -> list[str]:
    """The URL and credentials options (Import/Export's credentials are AWS_ENV), no rate limit: the server is
    ours and on loopback (a provider's staging keeps the default)."""
    given = [f"--{api}-url={serving.url}", "--rate-limit=0"]
    if api == "cf":
        given.append(f"--cf-token={VALID_TOKEN}")
    elif api == "clc":
        given += [f"--clc-username={DEFAULT_USER.username}", f"--clc-password={DEFAULT_USER.password}"]
    return given


def _control_job(serving: Serving, script: list[Any], **attributes: Any) -> str:
    return Control(serving.control).create_job(script, **attributes)


def _importexport_client(url: str) -> Any:
    return boto3.client(
        "importexport",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=AWS_KEY,
        aws_secret_access_key=AWS_SECRET,
    )


def every_option(api: str, serving: Serving) -> list[str]:
    """`credentials` and every option that verifies more, with what they name made on the served mock."""
    given = credentials(api, serving)
    if api == "ogc":
        given += [
            f"--ogc-job={_control_job(serving, ['running'])}",
            "--ogc-failing-process=fail",  # the mock's documented process whose job ends in failed
            "--ogc-failing-inputs={}",
        ]
    elif api == "cf":
        given += [
            f"--cf-job={_control_job(serving, CF_LIVE, operation='service_instance.create')}",
            f"--cf-job={_control_job(serving, ['COMPLETE'], operation='space.apply_manifest')}",
            f"--cf-failed-job={_control_job(serving, ['FAILED'], operation='app.delete', errors=[CF_JOB_ERROR])}",
            f"--cf-token-without-read-scope={NO_READ_SCOPE_TOKEN}",
        ]
    elif api == "clc":
        given += [
            f"--clc-other-username={OTHER_USER.username}",
            f"--clc-other-password={OTHER_USER.password}",
            f"--clc-status-id={_control_job(serving, CLC_LIFE, accountAlias=DEFAULT_USER.alias)}",
        ]
    elif api == "importexport":
        client = _importexport_client(serving.url)
        created = client.create_job(JobType="Import", Manifest=IMPORT_MANIFEST, ValidateOnly=False)["JobId"]
        canceled = client.create_job(JobType="Import", Manifest=IMPORT_MANIFEST, ValidateOnly=False)["JobId"]
        assert client.cancel_job(JobId=canceled)["Success"] is True
        given += [f"--importexport-job={job}" for job in [created, *IMPORTEXPORT_JOBS]]
        given += [f"--importexport-canceled-job={canceled}", f"--importexport-expired-job={IMPORTEXPORT_EXPIRED}"]
    return given


_SUMMARY_COUNT = re.compile(r"(\d+) (passed|failed|skipped|xfailed|errors?)")


def counts(run: subprocess.CompletedProcess[str]) -> dict[str, int]:
    """pytest's closing line as {"passed": 3, "skipped": 1, "failed": 0, "xfailed": 0, "error": 0}."""
    last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    found = {"passed": 0, "failed": 0, "skipped": 0, "xfailed": 0, "error": 0}
    for number, word in _SUMMARY_COUNT.findall(last):
        found["error" if word.startswith("error") else word] = int(number)
    return found


def skips(run: subprocess.CompletedProcess[str]) -> list[str]:
    """The SKIPPED lines of a run made with -rs (run_suite gives it); one line may stand for several skips
    with the same reason (`SKIPPED [7] file:line: reason`)."""
    return [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]


def not_verified(run: subprocess.CompletedProcess[str]) -> int:
    """How many checks of a run were not verified (the SKIPPED lines' counts)."""
    found = (re.match(r"SKIPPED \[(\d+)\]", line) for line in skips(run) if "not verified: " in line)
    return sum(int(match.group(1)) if match else 1 for match in found)
