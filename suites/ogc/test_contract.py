"""Every operation of contracts/ogc/openapi.yaml answers as documented (Schemathesis generates the requests),
execute creates a job at its Location, and a job answers in the media type asked for, as itself."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from jobcontract import contracts
from jobcontract.suites.common import Target, call_and_validate, check_response, require
from jobcontract.suites.ogc.jobs import Execution, json_object
from jobcontract.suites.ogc.provider import HTML_CLASS, JSON_CLASS, get_job, require_class

# Loaded at import; the base URL (embedded mock or --ogc-url) is given per call by the target.
schema = schemathesis.openapi.from_path(contracts.load("ogc").openapi_path)
EXECUTE_ASYNC = "OGC 18-062r2 /req/core/process-execute-success-async"
JOB_SUCCESS = "OGC 18-062r2 /req/core/job-success"
MEDIA = {"application/json": (JSON_CLASS, "/req/json/definition"), "text/html": (HTML_CLASS, "/req/html/definition")}


@pytest.mark.requirement("OGC 18-062r2", "every operation answers as documented (Schemathesis)")
@schema.parametrize()
@settings(max_examples=30, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers(case: schemathesis.Case, ogc: Target) -> None:
    call_and_validate(case, "ogc", ogc)


@pytest.mark.requirement("OGC 18-062r2", "/req/core/process-execute-success-async")
def test_execute_async_answers_201_with_the_status_of_the_job(execution: Execution) -> None:
    """201, a Location header, and a statusInfo body of the job the Location names."""
    response = execution.response
    require(
        response.status_code == 201,
        EXECUTE_ASYNC,
        f"Prefer: respond-async got {response.status_code}, not 201",
        operation="execute",
        response=response,
    )
    body = check_response("ogc", "execute", response)
    if execution.job_id is not None and execution.location is not None:
        require(
            body.get("jobID") == execution.job_id,
            EXECUTE_ASYNC,
            f"the body is job {body.get('jobID')!r}, the Location {execution.location!r} names {execution.job_id!r}",
            operation="execute",
            response=response,
        )


@pytest.mark.requirement("OGC 18-062r2", "/req/core/process-execute-success-async")
def test_the_location_of_a_created_job_is_its_status(ogc: Target, execution: Execution) -> None:
    require(
        execution.location,
        EXECUTE_ASYNC,
        f"the answer {execution.response.status_code} has no Location header",
        operation="execute",
        response=execution.response,
    )
    assert execution.location is not None
    response = ogc.session.get(
        urljoin(ogc.base_url.rstrip("/") + "/", execution.location), headers={"Accept": "application/json"}, timeout=30
    )
    body = check_response("ogc", "getStatus", response)
    require(
        response.status_code == 200,
        EXECUTE_ASYNC,
        f"the Location {execution.location} answers {response.status_code}",
        operation="getStatus",
        response=response,
    )
    require(
        execution.job_id is None or body.get("jobID") == execution.job_id,
        EXECUTE_ASYNC,
        f"the Location {execution.location} shows job {body.get('jobID')!r}",
        operation="getStatus",
        response=response,
    )


@pytest.mark.requirement("OGC 18-062r2", "/req/core/job-success")
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_a_created_job_answers_as_documented(ogc: Target, new_job: str, accept: str) -> None:
    response = get_job(ogc, new_job, accept)
    check_response("ogc", "getStatus", response)
    require(response.status_code == 200, JOB_SUCCESS, f"got {response.status_code}", response=response)
    body = json_object(response)
    if body is not None:
        require(
            body.get("jobID") == new_job,
            JOB_SUCCESS,
            f"GET /jobs/{new_job} answered job {body.get('jobID')!r}",
            operation="getStatus",
            response=response,
        )


def answers_in(ogc: Target, conformance: set[str] | None, job_id: str, accept: str) -> None:
    """A server declaring the JSON (HTML) class supports application/json (text/html) for its 200 answers:
    asked for one by Accept, it answers in it."""
    conformance_class, requirement = MEDIA[accept]
    require_class(conformance, conformance_class)
    response = get_job(ogc, job_id, accept)
    media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    require(
        response.status_code != 200 or media_type == accept,
        f"OGC 18-062r2 {requirement}",
        f"Accept: {accept} got a 200 in {media_type or '(no Content-Type)'}",
        operation="getStatus",
        response=response,
    )


@pytest.mark.requirement("OGC 18-062r2", "/req/json/definition")
def test_a_job_answers_json_when_asked(ogc: Target, conformance: set[str] | None, new_job: str) -> None:
    answers_in(ogc, conformance, new_job, "application/json")


@pytest.mark.requirement("OGC 18-062r2", "/req/html/definition")
def test_a_job_answers_html_when_asked(ogc: Target, conformance: set[str] | None, new_job: str) -> None:
    answers_in(ogc, conformance, new_job, "text/html")


@pytest.mark.requirement("OGC 18-062r2", "/req/core/job-success")
def test_named_jobs_answer_as_documented(ogc: Target, named_jobs: list[str]) -> None:
    for job_id in named_jobs:
        response = get_job(ogc, job_id)
        body = check_response("ogc", "getStatus", response)
        require(response.status_code == 200, JOB_SUCCESS, f"job {job_id} got {response.status_code}", response=response)
        require(
            body.get("jobID") == job_id,
            JOB_SUCCESS,
            f"GET /jobs/{job_id} answered job {body.get('jobID')!r}",
            operation="getStatus",
            response=response,
        )
