"""Every operation of contracts/ogc/openapi.yaml answers as documented: Schemathesis generates the
requests (ids, bodies, headers) and checks status codes, content types, headers and bodies."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

import contracts
from suites.common import Target, call_and_validate, check_response
from suites.ogc.conftest import execute

# Loaded at import; the base URL (embedded mock or --ogc-url) is given per call by the target.
schema = schemathesis.openapi.from_path(contracts.load("ogc").openapi_path)
STATES = ("accepted", "running", "successful", "failed", "dismissed")


@pytest.mark.requirement("OGC 18-062r2", "every operation answers as documented (Schemathesis)")
@schema.parametrize()
@settings(max_examples=30, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers(case: schemathesis.Case, ogc: Target) -> None:
    call_and_validate(case, "ogc", ogc)


@pytest.mark.requirement("OGC 18-062r2", "/req/core/job-success")
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_a_created_job_answers_as_documented(ogc: Target, new_job: str, accept: str) -> None:
    """/req/core/job-success for a real job id, in both media types the seed lists."""
    response = ogc.request("GET", f"/jobs/{new_job}", headers={"Accept": accept})
    body = check_response("ogc", "getStatus", response)
    assert response.status_code == 200, f"OGC 18-062r2 /req/core/job-success: got {response.status_code}"
    if response.headers["Content-Type"].startswith("application/json"):
        assert body["jobID"] == new_job, f"OGC 18-062r2 /req/core/job-success: jobID is {body['jobID']!r}"


@pytest.mark.requirement("OGC 18-062r2", "/req/core/job-success")
def test_named_jobs_answer_as_documented(ogc: Target, pytestconfig: pytest.Config) -> None:
    from conftest import option_value

    job_ids = option_value(pytestconfig, "ogc_job")
    if not job_ids:
        pytest.skip("no --ogc-job given: the created job is checked by test_a_created_job_answers_as_documented")
    assert isinstance(job_ids, list)
    for job_id in job_ids:
        response = ogc.request("GET", f"/jobs/{job_id}", headers={"Accept": "application/json"})
        body = check_response("ogc", "getStatus", response)
        assert response.status_code == 200, f"OGC 18-062r2 /req/core/job-success: {job_id} got {response.status_code}"
        assert body["jobID"] == job_id


@pytest.mark.requirement("OGC 18-062r2", "/req/core/job-success")
@pytest.mark.control
@pytest.mark.parametrize("state", STATES)
def test_a_job_in_each_state_answers_as_documented(ogc: Target, state: str) -> None:
    job_id = ogc.control.create_job([state])
    response = ogc.request("GET", f"/jobs/{job_id}", headers={"Accept": "application/json"})
    body = check_response("ogc", "getStatus", response)
    assert (response.status_code, body["status"]) == (200, state)


@pytest.mark.requirement("OGC 18-062r2", "/req/core/process-execute-success-async")
def test_execute_creates_a_job_at_its_location(ogc: Target, pytestconfig: pytest.Config) -> None:
    """/req/core/process-execute-success-async: 201, a Location that resolves to the job's statusInfo."""
    job_id, location = execute(ogc, pytestconfig)
    response = ogc.session.get(
        urljoin(ogc.base_url + "/", location), headers={"Accept": "application/json"}, timeout=30
    )
    body = check_response("ogc", "getStatus", response)
    requirement = "OGC 18-062r2 /req/core/process-execute-success-async"
    assert response.status_code == 200, f"{requirement}: GET {location} answers {response.status_code}"
    assert body["jobID"] == job_id, f"{requirement}: {location} shows job {body['jobID']!r}, not {job_id!r}"
