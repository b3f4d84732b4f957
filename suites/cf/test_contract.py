"""`GET /v3/jobs/{guid}` answers as contracts/cf/openapi.yaml documents: Schemathesis generates the
requests and checks status codes, content types and bodies, and (with the bearer token sent
explicitly) that a job cannot be read without a token or with a bad one (its `ignored_auth` check)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

import contracts
from mocks import MockApp
from suites.cf.conftest import STATE_SCRIPTS, check_job, create, get_job
from suites.common import Target, call_and_validate, check_response

# Loaded at import; the base URL (embedded mock or --cf-url) is given per call by the target.
schema = schemathesis.openapi.from_path(contracts.load("cf").openapi_path)
GET_JOB = schema["/v3/jobs/{guid}"]["GET"]
GET_JOB_200 = contracts.load("cf").response("getJob", 200).requirement


@pytest.mark.requirement("CF v3 API docs", "Get a job answers as documented (Schemathesis)")
@schema.parametrize()
@settings(max_examples=30, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers(case: schemathesis.Case, cf: Target, cf_token: str | None) -> None:
    """Generated guids (mostly unknown: 404) with the token, or documented 401s without one."""
    call_and_validate(case, "cf", cf, headers={"Authorization": f"Bearer {cf_token}"} if cf_token else None)


@pytest.mark.requirement("CF v3 API docs", "Get a job (#get-a-job), the job object (#the-job-object)")
def test_live_jobs_pass_every_check(cf: Target, live_jobs: list[str], auth: dict[str, str]) -> None:
    """Each live job through all of Schemathesis' checks, including ignored_auth's probes without a
    token and with an invalid one, then through the rules JSON Schema cannot state."""
    for guid in live_jobs:
        response = call_and_validate(GET_JOB.Case(path_parameters={"guid": guid}), "cf", cf, headers=auth)
        assert response.status_code == 200, f"{GET_JOB_200}: a live job {guid} answered {response.status_code}"
        check_job(response.json(), guid)


@pytest.mark.requirement("CF v3 API docs", "Get a job (#get-a-job), the job object (#the-job-object)")
@pytest.mark.control
@pytest.mark.parametrize("state", list(STATE_SCRIPTS))
def test_a_job_in_each_state_answers_as_documented(
    cf: Target, control: MockApp, state: str, auth: dict[str, str]
) -> None:
    guid = create(cf, state)
    response = get_job(cf, guid, auth)
    body = check_response("cf", "getJob", response)
    assert (response.status_code, body["state"]) == (200, state)
    check_job(body, guid)
    scripted = STATE_SCRIPTS[state]["attributes"]
    assert body["operation"] == scripted["operation"]
    assert [w["detail"] for w in body["warnings"]] == scripted.get("warnings", [])
    if state == "FAILED":
        assert body["errors"] == [{"code": 10008, "title": "CF-UnprocessableEntity", "detail": "something went wrong"}]
    if state in ("PROCESSING", "FAILED"):  # the app still exists, so the job links to it
        assert set(body["links"]) == {"self", "app"}, body["links"]
