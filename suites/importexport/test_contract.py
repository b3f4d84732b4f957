"""GetStatus answers as contracts/importexport/openapi.yaml documents. Schemathesis generates the form
posts (job ids, client versions, SigV2 fields, extra fields, wrong encodings); Hypothesis varies the
parameters of a request about a job that exists. Every answer is parsed as boto3 parses it (the XML
through botocore's query parser) and validated against the contract's schemas."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contracts
from suites.common import call_and_validate, check_response
from suites.importexport.conftest import IMPORT_MANIFEST, ImportExportTarget, read_status

CONTRACT = contracts.load("importexport")
STATUS = CONTRACT.response("GetStatus", 200)
ERRORS = CONTRACT.response("GetStatus", 400)

schema = schemathesis.openapi.from_path(CONTRACT.openapi_path)
# Two of Schemathesis' checks do not fit the query protocol: the contract documents POST / only, while
# AWS query endpoints take other methods too (GET with the query in the URL), so the answer to a PUT
# or TRACE is outside the documents; and a well-formed request about a job that does not exist is
# the documented 400 InvalidJobIdException, not an "accepted" answer (generated job ids never exist).
schema.config.checks.update(excluded_check_names=["unsupported_method", "positive_data_acceptance"])

# A plausible device location for a job in each documented progress state.
LOCATION_OF = {
    "Pending": "NotReceived",
    "InProgress": "AtAWS",
    "Complete": "Returned",
    "SuccessWithErrors": "Returned",
    "Canceled": "NotReceived",
    "Expired": "NotReceived",
    "DeviceError": "Returned",
}


@pytest.mark.requirement("AWS Import/Export API 2010-06-01", "GetStatus answers as documented (Schemathesis)")
@schema.parametrize()
@settings(max_examples=30, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers(case: schemathesis.Case, importexport: ImportExportTarget) -> None:
    response = call_and_validate(case, "importexport", importexport)
    if case.method.upper() == "POST":  # the one documented method: its answer must be one documented
        check_response("importexport", "GetStatus", response)


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 200 (Developer Guide, Job and Device Status Codes, Status.html)"
)
@pytest.mark.control
@pytest.mark.parametrize("progress", STATUS.variants.values if STATUS.variants else ())
def test_a_job_in_each_documented_state_answers_as_documented(importexport: ImportExportTarget, progress: str) -> None:
    location = LOCATION_OF[progress]
    job = importexport.backend.create_job("Import", IMPORT_MANIFEST, script=[f"{location}/{progress}"])
    status, body = read_status(importexport, job.job_id)
    assert status == 200, f"{STATUS.requirement}: a {progress} job answered {status}"
    seen = (body["JobId"], body["LocationCode"], body["ProgressCode"])
    assert seen == (job.job_id, location, progress), f"{STATUS.requirement}: {seen}"


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 200 (Developer Guide, Job and Device Status Codes, Status.html)"
)
def test_existing_jobs_answer_as_documented(importexport: ImportExportTarget, existing_jobs: list[str]) -> None:
    """The named jobs (`--importexport-job`), or one created on the mock: 200 with their own JobId, or
    the documented error of a job that is no longer valid."""
    for job_id in existing_jobs:
        status, body = read_status(importexport, job_id)
        if status == 200:
            assert body["JobId"] == job_id, f"{STATUS.requirement}: {job_id} answered JobId {body['JobId']!r}"
        else:
            code = body["Error"]["Code"]
            assert code in ("CanceledJobIdException", "ExpiredJobIdException"), (
                f"{ERRORS.requirement}: the existing job {job_id} answered {status} {code}"
            )


client_versions = st.one_of(
    st.none(),
    st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}(\.[0-9])?", fullmatch=True),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8),
)
sigv2_fields = st.fixed_dictionaries(
    {},
    optional={
        "SignatureVersion": st.just("2"),
        "SignatureMethod": st.sampled_from(["HmacSHA256", "HmacSHA1"]),
        "Timestamp": st.just("2010-03-28T20:27:35Z"),
        "Signature": st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=12),
        "JobType": st.sampled_from(["Import", "Export"]),  # the Developer Guide's example sends it
    },
)


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "GetStatus 200 (Developer Guide, Job and Device Status Codes, Status.html)"
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(version=client_versions, extra=sigv2_fields)
def test_any_request_about_an_existing_job_gets_a_documented_answer(
    importexport: ImportExportTarget, existing_jobs: list[str], version: str | None, extra: dict[str, str]
) -> None:
    """Only APIVersion can make a request about an existing job fail, and only as InvalidVersionException."""
    job_id = existing_jobs[0]
    status, body = read_status(importexport, job_id, APIVersion=version, **extra)
    if status == 200:
        assert body["JobId"] == job_id, f"{STATUS.requirement}: {job_id} answered JobId {body['JobId']!r}"
    elif status == 400 and body["Error"]["Code"] in ("CanceledJobIdException", "ExpiredJobIdException"):
        assert not importexport.embedded, f"{ERRORS.requirement}: a new job answered {body['Error']['Code']}"
    else:
        assert version is not None and body["Error"]["Code"] == "InvalidVersionException", (
            f"{ERRORS.requirement}: GetStatus of {job_id} with APIVersion={version!r} and {sorted(extra)}"
            f" answered {status} {body['Error']['Code']}"
        )
