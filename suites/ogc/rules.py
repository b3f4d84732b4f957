"""The rules a job's answers must keep, each one small function with one reason to fail (a ContractViolation
naming its requirement and the answer that broke it). The suite checks each rule in its own test; the mock's
own tests run them all over scripted lives (tests/test_ogc_mock_checks.py).

Only rules the documents state: the states of statusCode.yaml in their order, with the terminal ones final;
the times of /rec/core/job-status (created when accepted, started when execution begins, finished when it
completes, updated revised on every change), progress as a share done, the `self` relation of clause 5.
The documents do not say that progress is 100 when a job succeeds, so that is not checked."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import unquote, urljoin, urlsplit

from jobcontract.suites.common import check_response, require, violation
from jobcontract.suites.ogc.jobs import TERMINAL, Poll

JOB_SUCCESS = "OGC 18-062r2 /req/core/job-success"
STATE_ORDER = "OGC 18-062r2 statusCode.yaml (states only move forward)"
TERMINAL_FINAL = "OGC 18-062r2 statusCode.yaml (a terminal state is final)"
JOB_STATUS = "OGC 18-062r2 /rec/core/job-status"
SELF_LINK = "OGC 18-062r2 clause 5 link relation self"
LINKS = "OGC 18-062r2 link.yaml"
RANK = {"accepted": 0, "running": 1, "successful": 2, "failed": 2, "dismissed": 2}
EVENTS = ("created", "started", "finished")


def moment(value: object) -> datetime | None:
    """A date-time member as a moment; None if it is not one (the schema check reports that)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def bodies(polls: Sequence[Poll]) -> list[Poll]:
    return [p for p in polls if p.body is not None]


def check_documented(polls: Sequence[Poll]) -> None:
    """Every answer is a documented one, and a job the server created is never unknown (404)."""
    for p in polls:
        check_response("ogc", "getStatus", p.response)
        require(
            p.response.status_code != 404,
            JOB_SUCCESS,
            "a job the server created answered 404",
            operation="getStatus",
            response=p.response,
        )


def check_job_answered(polls: Sequence[Poll], job_id: str) -> None:
    """The statusInfo is the one of the job asked for."""
    for p in bodies(polls):
        assert p.body is not None
        require(
            p.body.get("jobID") == job_id,
            JOB_SUCCESS,
            f"GET /jobs/{job_id} answered job {p.body.get('jobID')!r}",
            operation="getStatus",
            response=p.response,
        )


def check_states_move_forward(polls: Sequence[Poll]) -> None:
    """accepted -> running -> one of the terminal states, never back (over the answers up to the end)."""
    known = [p for p in bodies(polls) if p.status in RANK]
    for before, after in itertools.pairwise(known):
        assert before.status is not None and after.status is not None
        require(
            RANK[after.status] >= RANK[before.status]
            and (before.status not in TERMINAL or after.status == before.status),
            STATE_ORDER,
            f"the state went back: {before.status} -> {after.status}",
            operation="getStatus",
            response=after.response,
        )


def check_terminal_is_final(polls: Sequence[Poll]) -> None:
    """From the first terminal answer on, every answer shows that same state."""
    answered = bodies(polls)
    end = next((p for p in answered if p.status in TERMINAL), None)
    if end is None:
        return
    for later in answered[answered.index(end) + 1 :]:
        require(
            later.status == end.status,
            TERMINAL_FINAL,
            f"a terminal state changed: the job was {end.status}, a later poll says {later.status}",
            operation="getStatus",
            response=later.response,
        )


def check_times_in_order(polls: Sequence[Poll]) -> None:
    """created <= started <= finished in every answer."""
    for p in bodies(polls):
        assert p.body is not None
        times = [(m, when) for m in EVENTS if (when := moment(p.body.get(m))) is not None]
        for (first, a), (second, b) in itertools.pairwise(times):
            require(
                a <= b,
                JOB_STATUS,
                f"{first} {p.body[first]} is after {second} {p.body[second]}",
                operation="getStatus",
                response=p.response,
            )


def check_times_never_change(polls: Sequence[Poll]) -> None:
    """created, started and finished are the moments of events: once told, they stay."""
    for before, after in itertools.pairwise(bodies(polls)):
        assert before.body is not None and after.body is not None
        for member in EVENTS:
            if member in before.body:
                require(
                    after.body.get(member) == before.body[member],
                    JOB_STATUS,
                    f"{member} changed from {before.body[member]!r} to {after.body.get(member)!r} between polls",
                    operation="getStatus",
                    response=after.response,
                )


def check_updated_never_goes_back(polls: Sequence[Poll]) -> None:
    for before, after in itertools.pairwise(bodies(polls)):
        assert before.body is not None and after.body is not None
        then, now = moment(before.body.get("updated")), moment(after.body.get("updated"))
        if then is not None and now is not None:
            require(
                now >= then,
                JOB_STATUS,
                f"updated went back from {before.body['updated']} to {after.body['updated']}",
                operation="getStatus",
                response=after.response,
            )


def check_progress_never_decreases(polls: Sequence[Poll]) -> None:
    for before, after in itertools.pairwise(bodies(polls)):
        assert before.body is not None and after.body is not None
        then, now = before.body.get("progress"), after.body.get("progress")
        if isinstance(then, int) and isinstance(now, int):
            require(
                now >= then,
                JOB_STATUS,
                f"progress went back from {then} to {now}",
                operation="getStatus",
                response=after.response,
            )


def check_finished_when_ended(polls: Sequence[Poll]) -> None:
    """A job that started and then completed (successful or failed) says when it finished."""
    for p in bodies(polls):
        assert p.body is not None
        if p.status in ("successful", "failed") and "started" in p.body:
            require(
                "finished" in p.body,
                JOB_STATUS,
                f"a {p.status} job that started has no finished time",
                operation="getStatus",
                response=p.response,
            )


def check_process_id(polls: Sequence[Poll], process: str) -> None:
    """processID, when given, is the process that was executed."""
    for p in bodies(polls):
        assert p.body is not None
        if "processID" in p.body:
            require(
                p.body["processID"] == process,
                JOB_STATUS,
                f"processID is {p.body['processID']!r}, but the job was created by executing {process!r}",
                operation="getStatus",
                response=p.response,
            )


def check_self_link(polls: Sequence[Poll], job_id: str) -> None:
    """A link with rel `self` identifies the resource it is in: this job's status."""
    for p in bodies(polls):
        assert p.body is not None
        links = p.body.get("links")
        for link in links if isinstance(links, list) else []:
            if not isinstance(link, dict) or link.get("rel") != "self" or not isinstance(link.get("href"), str):
                continue
            path = unquote(urlsplit(urljoin(p.response.url, link["href"])).path).rstrip("/")
            if not path.endswith(f"/jobs/{job_id}"):
                raise violation(
                    SELF_LINK,
                    f"the self link of job {job_id!r} points at {link['href']!r}, not at /jobs/{job_id}",
                    operation="getStatus",
                    response=p.response,
                )


def check_links_well_formed(polls: Sequence[Poll]) -> None:
    """Every link's href is a URI reference (link.yaml), of the web if it names a scheme."""
    for p in bodies(polls):
        assert p.body is not None
        links = p.body.get("links")
        for link in links if isinstance(links, list) else []:
            href = link.get("href") if isinstance(link, dict) else None
            if not isinstance(href, str):
                continue  # the schema check reports a link without href
            scheme = urlsplit(href).scheme
            require(
                bool(href) and not any(c.isspace() for c in href) and scheme in ("", "http", "https"),
                LINKS,
                f"href {href!r} is not an http(s) URI reference",
                operation="getStatus",
                response=p.response,
            )


def check_life(polls: Sequence[Poll], job_id: str, process: str | None = None) -> None:
    """Every rule at once (the mock's own tests; the suite checks each in its own test)."""
    check_documented(polls)
    check_job_answered(polls, job_id)
    end = next((i for i, p in enumerate(polls) if p.status in TERMINAL), len(polls) - 1)
    check_states_move_forward(polls[: end + 1])
    check_terminal_is_final(polls)
    check_times_in_order(polls)
    check_times_never_change(polls)
    check_updated_never_goes_back(polls)
    check_progress_never_decreases(polls)
    check_finished_when_ended(polls)
    if process is not None:
        check_process_id(polls, process)
    check_self_link(polls, job_id)
    check_links_well_formed(polls)
