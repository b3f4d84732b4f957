"""Dismiss (OGC 18-062r2 clause 13, /req/dismiss/*), when /conformance declares the dismiss class: a job
created through the API is dismissed in each state the API can bring it to (just executed, so accepted or
running; successful; failed, with --ogc-failing-process). DELETE answers 200 with the job's statusInfo in
status "dismissed", and the job stops living: a later GET or DELETE shows it dismissed (200), gone (404
no-such-job) or Gone (410, the informative text of clause 9), never alive again. See contracts/ogc/NOTES.md #6.

Each dismissal is made once per run and its answers kept, so the answer and what follows are two checks."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from jobcontract.suites.common import Target, check_response, not_verified, require
from jobcontract.suites.ogc.jobs import History, created_job, job_path, json_object
from jobcontract.suites.ogc.provider import process_and_inputs

SUCCESS = "OGC 18-062r2 /req/dismiss/job-dismiss-success"
AFTERWARDS = "OGC 18-062r2 clause 13 (dismiss: cancel the job and remove it from the jobs list)"
STATES = ("just-executed", "successful", "failed")

pytestmark = pytest.mark.usefixtures("requires_dismiss")


@dataclass
class Dismissal:
    job_id: str
    answer: requests.Response
    afterwards: list[requests.Response]  # GET, DELETE, GET


@pytest.fixture(scope="session")
def dismissals() -> dict[str, Dismissal]:
    return {}


def job_in(state: str, request: pytest.FixtureRequest, ogc: Target) -> str:
    """A job in `state` made through the API: executed just now, or the watched jobs once they ended."""
    if state == "just-executed":
        job_id = created_job(ogc, *process_and_inputs(request.config), "ogc_process", "ogc_inputs").job_id
        assert job_id is not None
        return job_id
    history: History = request.getfixturevalue("executed_job" if state == "successful" else "failing_job")
    options = ("ogc_process", "ogc_inputs") if state == "successful" else ("ogc_failing_process", "ogc_failing_inputs")
    history.require_end(*options)
    if history.final_state != state:
        not_verified(f"{history.label} ended {history.final_state}, not {state}", *options)
    return history.job_id


@pytest.fixture(params=STATES)
def dismissal(request: pytest.FixtureRequest, ogc: Target, dismissals: dict[str, Dismissal]) -> Dismissal:
    state = request.param
    if state not in dismissals:
        job_id = job_in(state, request, ogc)
        headers = {"Accept": "application/json"}
        answer = ogc.request("DELETE", job_path(job_id), headers=headers)
        afterwards = [ogc.request(method, job_path(job_id), headers=headers) for method in ("GET", "DELETE", "GET")]
        dismissals[state] = Dismissal(job_id, answer, afterwards)
    return dismissals[state]


@pytest.mark.requirement("OGC 18-062r2", "/req/dismiss/job-dismiss-success")
def test_dismiss_answers_the_job_dismissed(dismissal: Dismissal) -> None:
    answer = dismissal.answer
    body = check_response("ogc", "dismiss", answer)
    require(answer.status_code == 200, SUCCESS, f"DELETE answered {answer.status_code}", response=answer)
    require(body.get("status") == "dismissed", SUCCESS, f"status is {body.get('status')!r}", response=answer)
    require(
        body.get("jobID") == dismissal.job_id,
        SUCCESS,
        f"DELETE /jobs/{dismissal.job_id} answered job {body.get('jobID')!r}",
        response=answer,
    )


@pytest.mark.requirement("OGC 18-062r2", "clause 13 (dismiss: cancel the job and remove it from the jobs list)")
def test_a_dismissed_job_never_lives_again(dismissal: Dismissal) -> None:
    if dismissal.answer.status_code != 200:
        not_verified(f"the DELETE answered {dismissal.answer.status_code}, so the job was not dismissed")
    for response in dismissal.afterwards:
        method = response.request.method
        if response.status_code == 410:
            continue
        check_response("ogc", "getStatus" if method == "GET" else "dismiss", response)
        require(
            response.status_code in (200, 404),
            AFTERWARDS,
            f"{method} after dismissal got {response.status_code}",
            response=response,
        )
        body = json_object(response) or {}
        require(
            response.status_code != 200 or body.get("status") == "dismissed",
            AFTERWARDS,
            f"{method} after dismissal shows the job {body.get('status')!r}",
            response=response,
        )
