"""Every documented GetStatus error a provider's server shows under its documented condition, with its
documented HTTP status (400), in the documented envelope: an unknown or missing job id, a bad client
tool version, a canceled and an expired job (named by the options, provisioned on the mock). And the
Developer Guide's own way to sign, Signature Version 2 in the form body: such a post reaches Import/Export
(a moto-based server that sent it to S3 would answer 200 `ListAllMyBucketsResult`), as does a post
without a valid signature, which gets an Import/Export answer, never another service's.

The conditions that need what no option supplies (a job whose manifest names another access key, a job
of another account, an access key that does not exist) are the mock's checks
(tests/test_importexport_mock_checks.py)."""

from __future__ import annotations

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobcontract import contracts
from jobcontract.suites.common import check_response, require
from jobcontract.suites.importexport.provider import API_VERSION, ImportExportTarget, Unsigned, sigv2_fields
from jobcontract.suites.importexport.rules import Answer, check_answer

CONTRACT = contracts.load("importexport")
ERRORS = CONTRACT.response("GetStatus", 400)
STATUS = CONTRACT.response("GetStatus", 200)
FORBIDDEN = CONTRACT.response("GetStatus", 403)
SIGV2 = f"{CONTRACT.document_name} Signature Version 2 form post (Developer Guide, GettingStatus.html)"
NO_SUCH_JOB = "jobcontract-no-such-job"
# A client tool version that is no version at all (the documents name no valid one; the mock's own rule
# for numbers is a mock check).
NOT_A_VERSION = "latest"


def check_error(response: requests.Response, status: int, code: str, condition: str) -> None:
    """The status first (an error sent as 200 would otherwise only show as a broken GetStatusResult)."""
    requirement = (ERRORS if status == 400 else FORBIDDEN).requirement
    require(
        response.status_code == status,
        requirement,
        f"{condition} answered HTTP {response.status_code}, not {status} ({response.text[:200]})",
        operation="GetStatus",
        response=response,
    )
    body = check_response("importexport", "GetStatus", response)
    answered = body["Error"]["Code"]
    require(
        answered == code,
        requirement,
        f"{condition} answered {answered}, not {code}",
        operation="GetStatus",
        response=response,
    )


def check_error_or_final_code(response: requests.Response, code: str, progress: str, condition: str) -> None:
    """A canceled or expired job answers its "no longer valid" error, or (the documents leave open when one
    turns into the other, contracts/importexport/NOTES.md) still 200 with that ProgressCode."""
    body = check_response("importexport", "GetStatus", response)
    if response.status_code == 200:
        require(
            body["ProgressCode"] == progress,
            STATUS.requirement,
            f"{condition} answered 200 {body['LocationCode']}/{body['ProgressCode']}, not {code} nor ProgressCode"
            f" {progress}",
            operation="GetStatus",
            response=response,
        )
        return
    check_error(response, 400, code, condition)


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 400 (Developer Guide, Error and Status Codes, Errors.html)"
)
def test_an_unknown_job_is_invalid_job_id_exception(importexport: ImportExportTarget) -> None:
    check_error(importexport.get_status(NO_SUCH_JOB), 400, "InvalidJobIdException", "GetStatus of an unknown job")


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 400 (Developer Guide, Error and Status Codes, Errors.html)"
)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(job_id=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30))
def test_any_unknown_job_is_invalid_job_id_exception(importexport: ImportExportTarget, job_id: str) -> None:
    """Any id that names no job (prefixed so that it cannot name a real one)."""
    check_error(importexport.get_status(f"jobcontract-{job_id}"), 400, "InvalidJobIdException", "an unknown job")


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 400 (Developer Guide, Error and Status Codes, Errors.html)"
)
@pytest.mark.parametrize("job_id", [None, ""])
def test_a_missing_job_id_is_invalid_job_id_exception(importexport: ImportExportTarget, job_id: str | None) -> None:
    """InvalidJobIdException: "The JOBID was missing, not found, or not associated with the AWS account"."""
    check_error(importexport.get_status(job_id), 400, "InvalidJobIdException", f"GetStatus with JobId={job_id!r}")


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 400 (Developer Guide, Error and Status Codes, Errors.html)"
)
def test_a_canceled_job_is_canceled_job_id_exception(importexport: ImportExportTarget, canceled_job: str) -> None:
    check_error_or_final_code(
        importexport.get_status(canceled_job), "CanceledJobIdException", "Canceled", f"the canceled job {canceled_job}"
    )


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 400 (Developer Guide, Error and Status Codes, Errors.html)"
)
def test_an_expired_job_is_expired_job_id_exception(importexport: ImportExportTarget, expired_job: str) -> None:
    check_error_or_final_code(
        importexport.get_status(expired_job), "ExpiredJobIdException", "Expired", f"the expired job {expired_job}"
    )


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 400 (Developer Guide, Error and Status Codes, Errors.html)"
)
def test_a_bad_client_version_is_invalid_version_exception(
    importexport: ImportExportTarget, existing_jobs: list[str]
) -> None:
    """About a job that exists, so that the version is the only thing wrong with the request."""
    response = importexport.get_status(existing_jobs[0], APIVersion=NOT_A_VERSION)
    check_error(response, 400, "InvalidVersionException", f"GetStatus with APIVersion={NOT_A_VERSION!r}")


def sigv2_post(importexport: ImportExportTarget, job_id: str) -> requests.Response:
    """The Developer Guide's GetStatus form post, signed with Signature Version 2 (no Authorization header)."""
    fields = {"Action": "GetStatus", "Version": API_VERSION, "JobId": job_id, "JobType": "Import"}
    signed = sigv2_fields(importexport.url("/"), importexport.credentials, fields)
    return importexport.session.post(importexport.url("/"), data=signed, auth=Unsigned(), timeout=30)


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "Signature Version 2 form post (Developer Guide, GettingStatus.html)"
)
def test_a_sigv2_post_about_an_unknown_job_is_invalid_job_id_exception(importexport: ImportExportTarget) -> None:
    response = sigv2_post(importexport, NO_SUCH_JOB)
    require(
        b"ListAllMyBucketsResult" not in response.content,
        SIGV2,
        "a Signature Version 2 post reached another service (S3's ListAllMyBucketsResult)",
        response=response,
    )
    check_error(response, 400, "InvalidJobIdException", "a Signature Version 2 post about an unknown job")


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "Signature Version 2 form post (Developer Guide, GettingStatus.html)"
)
def test_a_sigv2_post_about_an_existing_job_answers_its_status(
    importexport: ImportExportTarget, existing_jobs: list[str]
) -> None:
    job_id = existing_jobs[0]
    response = sigv2_post(importexport, job_id)
    require(
        b"ListAllMyBucketsResult" not in response.content,
        SIGV2,
        "a Signature Version 2 post reached another service (S3's ListAllMyBucketsResult)",
        response=response,
    )
    body = check_response("importexport", "GetStatus", response)
    require(
        response.status_code == 200,
        SIGV2,
        f"a Signature Version 2 GetStatus of the existing job {job_id} answered {response.status_code}",
        response=response,
    )
    check_answer(Answer(200, body, response), job_id)


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "Signature Version 2 form post (Developer Guide, GettingStatus.html)"
)
@pytest.mark.parametrize("signature", ["unsigned", "wrong SigV2 signature"])
def test_a_post_without_a_valid_signature_gets_an_import_export_answer(
    importexport: ImportExportTarget, signature: str
) -> None:
    """A server that checks signatures refuses it (403, in the documented envelope); one that does not
    answers as for any request about an unknown job. Either way Import/Export answers, not another service."""
    fields = {"Action": "GetStatus", "Version": API_VERSION, "JobId": NO_SUCH_JOB}
    if signature != "unsigned":
        fields = sigv2_fields(importexport.url("/"), importexport.credentials, fields)
        fields["Signature"] = "c2lnbmF0dXJl"  # base64 of "signature": not the request's
    response = importexport.session.post(importexport.url("/"), data=fields, auth=Unsigned(), timeout=30)
    require(
        b"ListAllMyBucketsResult" not in response.content,
        SIGV2,
        f"an {signature} post reached another service (S3's ListAllMyBucketsResult)",
        response=response,
    )
    code = check_response("importexport", "GetStatus", response).get("Error", {}).get("Code")
    require(
        response.status_code == 403 or (response.status_code, code) == (400, "InvalidJobIdException"),
        SIGV2,
        f"an {signature} post about an unknown job answered {response.status_code} {code}",
        response=response,
    )
