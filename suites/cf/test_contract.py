"""`GET /v3/jobs/{guid}` answers as contracts/cf/openapi.yaml documents: Schemathesis generates the
requests and checks status codes, content types and bodies, and (with the bearer token sent
explicitly) that a job cannot be read without a token or with a bad one (its `ignored_auth` check);
the jobs the provider names answer 200 as documented on every poll, in the media type asked for."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from jobcontract import contracts
from jobcontract.suites.cf import rules
from jobcontract.suites.cf.provider import GivenJobs, Lives, get_job
from jobcontract.suites.common import Target, call_and_validate, check_response, require

# Loaded at import; the base URL (embedded mock or --cf-url) is given per call by the target.
schema = schemathesis.openapi.from_path(contracts.load("cf").openapi_path)
GET_JOB = schema["/v3/jobs/{guid}"]["GET"]


@pytest.mark.requirement("CF v3 API docs", "Get a job answers as documented (Schemathesis)")
@schema.parametrize()
@settings(max_examples=30, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers(case: schemathesis.Case, cf: Target, cf_token: str | None) -> None:
    """Generated guids (mostly unknown: 404) with the token, or documented 401s without one."""
    call_and_validate(case, "cf", cf, headers={"Authorization": f"Bearer {cf_token}"} if cf_token else None)


@pytest.mark.requirement("CF v3 API docs", "Get a job (#get-a-job), the job object (#the-job-object)")
def test_given_jobs_answer_as_documented_on_every_poll(
    cf: Target, given_jobs: GivenJobs, lives: Lives, auth: dict[str, str]
) -> None:
    """Each given job through all of Schemathesis' checks (ignored_auth probes it without a token and with an
    invalid one), then every poll of the lifecycle checks: a documented 200, never another status."""
    for history in lives.found():
        for number, poll in enumerate(history.polls, start=1):
            check_response("cf", "getJob", poll.response)
            require(
                poll.status == 200,
                rules.GET_JOB,
                f"poll {number} of the job {history.guid} answered {poll.status}",
                operation="getJob",
                response=poll.response,
            )
    for guid in given_jobs.all:
        if cf.embedded or lives.histories[guid].found:
            response = call_and_validate(GET_JOB.Case(path_parameters={"guid": guid}), "cf", cf, headers=auth)
            require(
                response.status_code == 200,
                rules.GET_JOB,
                f"the job {guid} answered {response.status_code}",
                operation="getJob",
                response=response,
            )


ASKED_FOR = {
    "a-job": {},
    "no-token": {"Authorization": ""},
    "a-bad-token": {"Authorization": "Bearer not-a-token"},
}


@pytest.mark.requirement("CF v3 API docs", "Get a job (#get-a-job), the media type asked for (application/json)")
@pytest.mark.parametrize("who", list(ASKED_FOR))
def test_the_answer_is_in_the_media_type_asked_for(cf: Target, any_job: str, auth: dict[str, str], who: str) -> None:
    """A job (an unknown guid if none is given), and the 401s: all JSON when JSON is asked for."""
    headers = {**auth, **ASKED_FOR[who], "Accept": "application/json"}
    response = get_job(cf, any_job, {name: value for name, value in headers.items() if value})
    media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    require(
        media_type == "application/json",
        rules.MEDIA_TYPE,
        f"GET /v3/jobs/{any_job} -> {response.status_code}: asked for application/json, answered"
        f" {media_type or '(no Content-Type)'!r}",
        operation="getJob",
        response=response,
    )
