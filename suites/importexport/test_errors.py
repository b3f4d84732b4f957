"""Every documented GetStatus error under its documented condition, with its documented HTTP status
(400 for the five of the seed, 403 for the Developer Guide's InvalidClientTokenIdException), in the
documented envelope. An unknown job is checked on any target; the other conditions need jobs made
for them, so they run on the mock. A form post without SigV4 (SigV2, or unsigned) must reach
Import/Export: a moto-based server that sent it to S3 would answer 200 `ListAllMyBucketsResult`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contracts
from mocks import importexport as importexport_mock
from suites.common import check_response
from suites.importexport.conftest import API_VERSION, IMPORT_MANIFEST, ImportExportTarget, Unsigned, read_status

CONTRACT = contracts.load("importexport")
ERRORS = CONTRACT.response("GetStatus", 400)
FORBIDDEN = CONTRACT.response("GetStatus", 403)
STATUS = CONTRACT.response("GetStatus", 200)
OTHER_ACCOUNT = "210987654321"
OTHER_ACCESS_KEY = "AKIAI44QH8DHBEXAMPLE"  # the AWS documentation's second example key


def unknown_job(importexport: ImportExportTarget) -> requests.Response:
    return importexport.get_status("jobcontract-no-such-job")


def expired_job(importexport: ImportExportTarget) -> requests.Response:
    backend = importexport.backend
    job = backend.create_job("Import", IMPORT_MANIFEST, script=["NotReceived/Expired"])
    backend.advance(backend.retention_seconds)
    return importexport.get_status(job.job_id)


def canceled_job(importexport: ImportExportTarget) -> requests.Response:
    job_id = importexport.create_job()
    importexport.client().cancel_job(JobId=job_id)
    importexport.backend.advance(importexport.backend.retention_seconds)
    return importexport.get_status(job_id)


def job_of_another_access_key(importexport: ImportExportTarget) -> requests.Response:
    manifest = f"{IMPORT_MANIFEST}accessKeyId:{OTHER_ACCESS_KEY}\n"
    job = importexport.backend.create_job("Import", manifest)
    return importexport.get_status(job.job_id)


def bad_client_version(importexport: ImportExportTarget) -> requests.Response:
    return importexport.get_status(importexport.create_job(), APIVersion="0.9")


# How to provoke each error of the contract's 400 variants.
PROVOKE: dict[str, Callable[[ImportExportTarget], requests.Response]] = {
    "InvalidJobIdException": unknown_job,
    "ExpiredJobIdException": expired_job,
    "CanceledJobIdException": canceled_job,
    "InvalidAccessKeyIdException": job_of_another_access_key,
    "InvalidVersionException": bad_client_version,
}


def check_error(response: requests.Response, status: int, code: str, condition: str) -> None:
    """The status first (an error sent as 200 would otherwise only show as a broken GetStatusResult)."""
    requirement = (ERRORS if status == 400 else FORBIDDEN).requirement
    assert response.status_code == status, (
        f"{requirement}: {condition} answered HTTP {response.status_code}, not {status} ({response.text[:200]})"
    )
    body = check_response("importexport", "GetStatus", response)
    assert body["Error"]["Code"] == code, f"{requirement}: {condition} answered {body['Error']['Code']}, not {code}"


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 400 (Developer Guide, Error and Status Codes, Errors.html)"
)
@pytest.mark.parametrize("code", ERRORS.variants.values if ERRORS.variants else ())
def test_each_documented_error_under_its_condition(importexport: ImportExportTarget, code: str) -> None:
    assert code in PROVOKE, f"the suite does not know how to provoke the documented {code}"
    check_error(PROVOKE[code](importexport), 400, code, f"GetStatus that must fail with {code}")


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 400 (Developer Guide, Error and Status Codes, Errors.html)"
)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(job_id=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30))
def test_an_unknown_job_is_invalid_job_id(importexport: ImportExportTarget, job_id: str) -> None:
    """Any id that names no job (prefixed so that it cannot name a real one)."""
    check_error(importexport.get_status(f"jobcontract-{job_id}"), 400, "InvalidJobIdException", "an unknown job")


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 400 (Developer Guide, Error and Status Codes, Errors.html)"
)
@pytest.mark.parametrize("job_id", [None, ""])
def test_a_missing_job_id_is_invalid_job_id(importexport: ImportExportTarget, job_id: str | None) -> None:
    """InvalidJobIdException: "The JOBID was missing, not found, or not associated with the AWS account"."""
    check_error(importexport.get_status(job_id), 400, "InvalidJobIdException", f"GetStatus with JobId={job_id!r}")


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 400 (Developer Guide, Error and Status Codes, Errors.html)"
)
@pytest.mark.control
def test_a_job_of_another_account_is_invalid_job_id(importexport: ImportExportTarget) -> None:
    importexport.backend  # noqa: B018 - skips against a real endpoint
    job = importexport_mock.backend(OTHER_ACCOUNT).create_job("Import", IMPORT_MANIFEST)
    check_error(importexport.get_status(job.job_id), 400, "InvalidJobIdException", "another account's job")
    # moto picks the account from this header: the job is there, for its own account
    mine = importexport.session.post(
        importexport.url("/"),
        data={"Action": "GetStatus", "Version": API_VERSION, "JobId": job.job_id},
        headers={"x-moto-account-id": OTHER_ACCOUNT},
        timeout=30,
    )
    assert mine.status_code == 200, f"{STATUS.requirement}: the owner's GetStatus answered {mine.status_code}"


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 200 (Developer Guide, Job and Device Status Codes, Status.html)"
)
@pytest.mark.control
def test_the_manifest_access_key_may_read_its_job(importexport: ImportExportTarget) -> None:
    manifest = f"{IMPORT_MANIFEST}accessKeyId:{importexport.access_key}\n"
    job = importexport.backend.create_job("Import", manifest)
    status, body = read_status(importexport, job.job_id)
    assert status == 200, f"{STATUS.requirement}: the manifest's own key got {status} {body}"


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 400 (Developer Guide, Error and Status Codes, Errors.html)"
)
@pytest.mark.control
@pytest.mark.parametrize("version", ["0.9", "3.0", "latest", "", "2010-06-01"])
def test_a_bad_client_version_is_invalid_version(importexport: ImportExportTarget, version: str) -> None:
    job_id = importexport.create_job()
    response = importexport.get_status(job_id, APIVersion=version)
    check_error(response, 400, "InvalidVersionException", f"GetStatus with APIVersion={version!r}")


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 403 (Developer Guide, Error and Status Codes, Errors.html)"
)
@pytest.mark.control
def test_an_access_key_that_does_not_exist_is_403(importexport: ImportExportTarget) -> None:
    job_id = importexport.create_job()
    importexport.backend.revoke_access_key(importexport.access_key)
    check_error(importexport.get_status(job_id), 403, "InvalidClientTokenIdException", "a key that does not exist")


SIGV2 = {
    "AWSAccessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "SignatureVersion": "2",
    "SignatureMethod": "HmacSHA256",
    "Timestamp": "2010-03-28T20:27:35Z",
    "Signature": "c2lnbmF0dXJl",
}


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 200 (Developer Guide, Job and Device Status Codes, Status.html)"
)
@pytest.mark.control
@pytest.mark.parametrize("signature", ["SigV2", "unsigned"])
def test_a_form_post_without_sigv4_reaches_import_export(importexport: ImportExportTarget, signature: str) -> None:
    """The Developer Guide's SigV2 form post and an unsigned one: the job's status, and for an unknown
    job InvalidJobIdException, never another service's answer."""
    job_id = importexport.create_job()
    fields = SIGV2 if signature == "SigV2" else {}
    known = importexport.post("GetStatus", auth=Unsigned(), JobId=job_id, JobType="Import", **fields)
    assert b"ListAllMyBucketsResult" not in known.content, f"a {signature} post reached S3: {known.text[:200]}"
    body = check_response("importexport", "GetStatus", known)
    assert (known.status_code, body["JobId"]) == (200, job_id), f"{STATUS.requirement}: {signature} {body}"
    unknown = importexport.post("GetStatus", auth=Unsigned(), JobId="jobcontract-no-such-job", **fields)
    check_error(unknown, 400, "InvalidJobIdException", f"a {signature} post about an unknown job")
