"""A job's results (`GET /jobs/{jobId}/results`) and the job list (`GET /jobs`, the job-list class), on any
server: the results of the successful --ogc-process job, the exception of the failing job, not-ready
before the end, no-such-job for an unknown job; the job list as documented, within its `limit` page by
page (following `next` links where the server gives them), with its `self` and `alternate` links."""

from __future__ import annotations

import pytest
import requests

from jobcontract import contracts
from jobcontract.suites.common import Target, check_response, not_verified, require
from jobcontract.suites.ogc.jobs import History, created_job, job_path, json_object, poll
from jobcontract.suites.ogc.links import absolute, accept_for, links_of
from jobcontract.suites.ogc.provider import HTML_CLASS, process_and_inputs

EXCEPTIONS = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0"
NO_SUCH_JOB = f"{EXCEPTIONS}/no-such-job"
RESULT_NOT_READY = f"{EXCEPTIONS}/result-not-ready"
RESULTS = "OGC 18-062r2 /req/core/job-results-async-many"
FAILED = "OGC 18-062r2 /req/core/job-results-failed"
NOT_READY = "OGC 18-062r2 /req/core/job-results-exception/results-not-ready"
UNKNOWN = "OGC 18-062r2 /req/core/job-results-exception/no-such-job"
JOB_LIST = "OGC 18-062r2 /req/job-list/job-list-success"
LIMIT = "OGC 18-062r2 /req/job-list/limit-response"
LIST_LINKS = "OGC 18-062r2 /req/job-list/links"
PAGES = 3  # job-list pages followed through `next`


def results_of(ogc: Target, job_id: str) -> requests.Response:
    return ogc.request("GET", f"{job_path(job_id)}/results", headers={"Accept": "application/json"})


def results_at_end(history: History, state: str, *options: str) -> requests.Response:
    """The results of the watched job, read as soon as it ended in `state` (else the check is not verified)."""
    history.require_end(*options)
    if history.final_state != state:
        not_verified(f"{history.label} ended {history.final_state}, not {state}", *options)
    assert history.results is not None
    return history.results


@pytest.mark.requirement("OGC 18-062r2", "/req/core/job-results-async-many")
def test_a_successful_job_answers_its_results(executed_job: History) -> None:
    answer = results_at_end(executed_job, "successful", "ogc_process", "ogc_inputs")
    check_response("ogc", "getResult", answer)
    require(answer.status_code == 200, RESULTS, f"the results of {executed_job.label} got {answer.status_code}")


@pytest.mark.requirement("OGC 18-062r2", "/req/core/job-results-failed")
def test_a_failed_job_answers_its_exception(failing_job: History) -> None:
    answer = results_at_end(failing_job, "failed", "ogc_failing_process", "ogc_failing_inputs")
    require(
        400 <= answer.status_code < 600,
        FAILED,
        f"the results of {failing_job.label} answered {answer.status_code}, not an error code",
        operation="getResult",
        response=answer,
    )
    body = json_object(answer)
    problems = contracts.load("ogc").response("getResult", 409).validate("application/json", body)
    require(
        body is not None and not problems,
        FAILED,
        f"the results of {failing_job.label} are not an exception (exception.yaml): {answer.text[:200]!r}",
        operation="getResult",
        response=answer,
    )
    assert body is not None
    require(
        body.get("type") not in (NO_SUCH_JOB, RESULT_NOT_READY),
        FAILED,
        f"the exception of {failing_job.label} says {body.get('type')!r}, not the reason of the failure",
        operation="getResult",
        response=answer,
    )


@pytest.mark.requirement("OGC 18-062r2", "/req/core/job-results-exception/results-not-ready")
def test_the_results_of_an_unfinished_job_are_not_ready(ogc: Target, new_job: str) -> None:
    before = poll(ogc, new_job).status
    answer = results_of(ogc, new_job)
    after = poll(ogc, new_job).status
    if before not in ("accepted", "running") or after not in ("accepted", "running"):
        not_verified(f"the job {new_job!r} was {before}, then {after}: not unfinished", "ogc_process", "ogc_inputs")
    body = check_response("ogc", "getResult", answer)
    require(answer.status_code == 404, NOT_READY, f"the results of a {after} job got {answer.status_code}")
    require(body.get("type") == RESULT_NOT_READY, NOT_READY, f"type is {body.get('type')!r}", response=answer)


@pytest.mark.requirement("OGC 18-062r2", "/req/core/job-results-exception/no-such-job")
def test_the_results_of_an_unknown_job_are_404_no_such_job(ogc: Target, unknown_job_id: str) -> None:
    answer = results_of(ogc, unknown_job_id)
    body = check_response("ogc", "getResult", answer)
    require(answer.status_code == 404, UNKNOWN, f"got {answer.status_code}", operation="getResult", response=answer)
    require(body.get("type") == NO_SUCH_JOB, UNKNOWN, f"type is {body.get('type')!r}", response=answer)


@pytest.mark.requirement("OGC 18-062r2", "/req/job-list/job-list-success")
def test_the_job_list_answers_as_documented(ogc: Target, requires_job_list: None, new_job: str) -> None:
    answer = ogc.request("GET", "/jobs", headers={"Accept": "application/json"})
    body = check_response("ogc", "getJobs", answer)
    require(answer.status_code == 200, JOB_LIST, f"GET /jobs got {answer.status_code}", response=answer)
    require(body.get("jobs"), JOB_LIST, f"the job {new_job!r} exists, but the list is empty", response=answer)


@pytest.mark.requirement("OGC 18-062r2", "/req/job-list/limit-response")
def test_the_job_list_keeps_to_its_limit_page_by_page(
    ogc: Target, requires_job_list: None, new_job: str, pytestconfig: pytest.Config
) -> None:
    """limit=1 gives at most one job; each `next` page too, and never one already seen."""
    created_job(ogc, *process_and_inputs(pytestconfig), "ogc_process", "ogc_inputs")  # two jobs at least
    answer = ogc.request("GET", "/jobs?limit=1", headers={"Accept": "application/json"})
    seen: set[str] = set()
    for _ in range(PAGES):
        body = check_response("ogc", "getJobs", answer)
        require(answer.status_code == 200, LIMIT, f"got {answer.status_code}", operation="getJobs", response=answer)
        jobs = [job.get("jobID") for job in body.get("jobs", []) if isinstance(job, dict)]
        require(len(jobs) <= 1, LIMIT, f"limit=1 answered {len(jobs)} jobs", operation="getJobs", response=answer)
        require(not seen & set(jobs), LIMIT, f"the next page repeats {jobs}", operation="getJobs", response=answer)
        seen.update(str(job) for job in jobs)
        following = [link for link in links_of(body) if link.get("rel") == "next"]
        if not following:
            break
        answer = ogc.session.get(
            absolute(answer, following[0]["href"]), headers={"Accept": "application/json"}, timeout=30
        )


@pytest.mark.requirement("OGC 18-062r2", "/req/job-list/links")
def test_the_job_list_links_itself_and_its_alternates(
    ogc: Target, requires_job_list: None, conformance: set[str] | None
) -> None:
    """A self link, an alternate in text/html when the HTML class is declared, and every link answers 200."""
    answer = ogc.request("GET", "/jobs?limit=2", headers={"Accept": "application/json"})
    links = links_of(json_object(answer))
    rels = {(link.get("rel"), link.get("type")) for link in links}
    require(any(rel == "self" for rel, _ in rels), LIST_LINKS, "no link rel=self", operation="getJobs", response=answer)
    if conformance and HTML_CLASS in conformance:
        require(
            ("alternate", "text/html") in rels,
            LIST_LINKS,
            "the HTML class is declared, but no link rel=alternate type=text/html",
            operation="getJobs",
            response=answer,
        )
    for link in links:
        href = absolute(answer, link["href"])
        followed = ogc.session.get(href, headers={"Accept": accept_for(link)}, timeout=30)
        require(
            followed.status_code == 200,
            LIST_LINKS,
            f"the job list's link rel={link.get('rel')!r} to {href} answers {followed.status_code}",
            response=followed,
        )
