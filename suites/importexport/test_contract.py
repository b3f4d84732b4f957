"""GetStatus answers as contracts/importexport/openapi.yaml documents. Schemathesis generates the form
posts (job ids, client versions, SigV2 fields, extra fields, wrong encodings); Hypothesis varies the
parameters of a request about a job that exists. Every answer is parsed as boto3 parses it (the XML
through botocore's query parser) and validated against the contract's schemas."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobcontract import contracts
from jobcontract.suites.common import call_and_validate, check_response, require
from jobcontract.suites.importexport.provider import ImportExportTarget
from jobcontract.suites.importexport.rules import NO_LONGER_VALID, Answer, check_answer

CONTRACT = contracts.load("importexport")
STATUS = CONTRACT.response("GetStatus", 200)
ERRORS = CONTRACT.response("GetStatus", 400)

schema = schemathesis.openapi.from_path(CONTRACT.openapi_path)
# Two of Schemathesis' checks do not fit the query protocol: the contract documents POST / only, while
# AWS query endpoints take other methods too (GET with the query in the URL), so the answer to a PUT
# or TRACE is outside the documents; and a well-formed request about a job that does not exist is
# the documented 400 InvalidJobIdException, not an "accepted" answer (generated job ids never exist).
schema.config.checks.update(excluded_check_names=["unsupported_method", "positive_data_acceptance"])


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
def test_existing_jobs_answer_as_documented(importexport: ImportExportTarget, existing_jobs: list[str]) -> None:
    """The jobs of the account (`--importexport-job`; on the mock one of each kind of life): 200 about the
    job asked for, in documented codes that agree with each other, or the documented error of a job that
    is no longer valid."""
    for job_id in existing_jobs:
        response = importexport.get_status(job_id)
        body = check_response("importexport", "GetStatus", response)
        if response.status_code == 200:
            check_answer(Answer(200, body, response), job_id)
        else:
            code = body["Error"]["Code"]
            require(
                code in NO_LONGER_VALID.values(),
                ERRORS.requirement,
                f"GetStatus of the existing job {job_id} answered {response.status_code} {code}",
                operation="GetStatus",
                response=response,
            )


SIGV2_FIELDS = frozenset({"SignatureVersion", "SignatureMethod", "Timestamp", "Signature"})
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
    """Only APIVersion can make a request about an existing job fail, and only as InvalidVersionException
    (or, for a job that is no longer valid, its own error; never on the mock's freshly made job; or a 403 for
    SigV2 fields that are not the request's signature)."""
    job_id = existing_jobs[0]
    response = importexport.get_status(job_id, APIVersion=version, **extra)
    body = check_response("importexport", "GetStatus", response)
    where = f"GetStatus of {job_id} with APIVersion={version!r} and {sorted(extra)}"
    if response.status_code == 200:
        check_answer(Answer(200, body, response), job_id)
        return
    code = body["Error"]["Code"]
    no_longer_valid = code in NO_LONGER_VALID.values() and not importexport.embedded
    # SigV2 fields that are not the request's signature may be refused by a server that checks them (403)
    refused_signature = response.status_code == 403 and bool(SIGV2_FIELDS & extra.keys())
    require(
        no_longer_valid or refused_signature or (version is not None and code == "InvalidVersionException"),
        ERRORS.requirement,
        f"{where} answered {response.status_code} {code}",
        operation="GetStatus",
        response=response,
    )
