"""A job's life as its polls show it (#the-job-object, #timestamps): PROCESSING may go to POLLING,
both end in COMPLETE or FAILED, which stay as they are; guid, operation and created_at never change;
updated_at never goes back; a COMPLETE job has no errors and a FAILED one at least one."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mocks import MockApp
from suites.cf.conftest import JOB_OBJECT, TERMINAL, TIMESTAMPS, moment, poll
from suites.common import Target, lifecycle_scripts

RANK = {"PROCESSING": 0, "POLLING": 1, "COMPLETE": 2, "FAILED": 2}
STATE_ORDER = f"{JOB_OBJECT}: state (PROCESSING -> POLLING -> COMPLETE | FAILED)"
POLLS_OF_A_REAL_JOB = 4  # 0.5 s apart


def check_lifecycle(polls: list[dict[str, Any]]) -> None:
    """Every property a sequence of bodies of one job must have (each body already passed check_job)."""
    for before, after in itertools.pairwise(polls):
        moved = f"{before['state']} -> {after['state']}"
        assert RANK[after["state"]] >= RANK[before["state"]], f"{STATE_ORDER}: the state went back: {moved}"
        if before["state"] in TERMINAL:
            assert after["state"] == before["state"], f"{STATE_ORDER}: a terminal state changed: {moved}"
        for member in ("guid", "operation", "created_at"):
            assert after[member] == before[member], (
                f"{JOB_OBJECT}: {member} changed between polls from {before[member]!r} to {after[member]!r}"
            )
        assert moment(after["updated_at"]) >= moment(before["updated_at"]), (
            f"{TIMESTAMPS}: updated_at went back from {before['updated_at']} to {after['updated_at']} ({moved})"
        )


@pytest.mark.requirement("CF v3 API docs", "The job object (#the-job-object)")
def test_live_jobs_live_consistent_lives(cf: Target, live_jobs: list[str], auth: dict[str, str]) -> None:
    """On the mock the clock is advanced between polls; a real server is polled in real time."""
    for guid in live_jobs:
        polls = [poll(cf, guid, auth)]
        for _ in range(POLLS_OF_A_REAL_JOB - 1):
            if cf.server is not None:
                cf.server.app.advance(30)
            else:
                time.sleep(0.5)
            polls.append(poll(cf, guid, auth))
        check_lifecycle(polls)


@pytest.mark.requirement("CF v3 API docs", "The job object (#the-job-object)")
@pytest.mark.control
def test_the_default_job_goes_from_processing_to_complete(cf: Target, control: MockApp, auth: dict[str, str]) -> None:
    app = control
    guid = app.create_job()
    polls = [poll(cf, guid, auth)]
    for _ in range(4):
        app.advance(1)
        polls.append(poll(cf, guid, auth))
    check_lifecycle(polls)
    assert [p["state"] for p in polls] == ["PROCESSING", "PROCESSING", "COMPLETE", "COMPLETE", "COMPLETE"]
    assert [p["updated_at"] == p["created_at"] for p in polls] == [True, True, False, False, False]
    assert moment(polls[-1]["updated_at"]) - moment(polls[-1]["created_at"]) == moment("2000-01-01T00:00:02Z") - moment(
        "2000-01-01T00:00:00Z"
    ), "updated_at is when the job completed"


@pytest.mark.requirement("CF v3 API docs", "The job object (#the-job-object)")
@pytest.mark.control
def test_a_service_job_polls_for_a_week_without_waiting(cf: Target, control: MockApp, auth: dict[str, str]) -> None:
    """Broker polling may last up to 7 days (reference cf.md 1.5); a client must keep polling."""
    app = control
    week = 7 * 24 * 3600
    guid = app.create_job(
        [{"state": "PROCESSING", "polls": 2}, {"state": "POLLING", "seconds": week}, "COMPLETE"],
        operation="service_instance.create",
        warnings=["the broker is slow"],
    )
    polls = [poll(cf, guid, auth), poll(cf, guid, auth)]
    for _ in range(8):
        app.advance(week / 6)
        polls.append(poll(cf, guid, auth))
    check_lifecycle(polls)
    states = [p["state"] for p in polls]
    assert states == ["PROCESSING"] * 2 + ["POLLING"] * 6 + ["COMPLETE"] * 2, states
    assert all("service_instances" in p["links"] for p in polls)


@pytest.mark.requirement(
    "CF v3 API docs", "Upgrade guide: asynchronous operations (a FAILED job's errors hold its errors)"
)
@pytest.mark.control
def test_a_failed_job_keeps_its_errors_and_warnings(cf: Target, control: MockApp, auth: dict[str, str]) -> None:
    app = control
    error = {"code": 290006, "title": "CF-JobTimeout", "detail": "The job execution has timed out."}
    guid = app.create_job([{"state": "PROCESSING", "seconds": 14400}, "FAILED"], errors=[error], warnings=["retrying"])
    polls = [poll(cf, guid, auth)]
    for _ in range(3):
        app.advance(7200)
        polls.append(poll(cf, guid, auth))
    check_lifecycle(polls)
    assert [p["state"] for p in polls] == ["PROCESSING", "PROCESSING", "FAILED", "FAILED"]
    assert [p["errors"] for p in polls] == [[], [], [error], [error]]
    assert all(p["warnings"] == [{"detail": "retrying"}] for p in polls)


@pytest.mark.requirement("CF v3 API docs", "The job object (#the-job-object)")
@pytest.mark.control
@settings(max_examples=25, deadline=None)
@given(
    steps=lifecycle_scripts(("PROCESSING", "POLLING"), ("COMPLETE", "FAILED")),
    advances=st.lists(st.sampled_from([0, 0.5, 1, 3, 3600]), min_size=1, max_size=10),
)
def test_any_scripted_life_keeps_the_rules(
    cf: Target, cf_token: str, steps: list[dict[str, Any]], advances: list[float]
) -> None:
    app = cf.control
    auth = {"Authorization": f"Bearer {cf_token}"}
    guid = app.create_job(steps)
    polls = []
    for seconds in advances:
        app.advance(seconds)
        polls.append(poll(cf, guid, auth))
    check_lifecycle(polls)
    scripted = [step["state"] for step in steps]
    seen = [p["state"] for p in polls]
    assert all(state in scripted for state in seen), f"states {seen} are not in the script {scripted}"
    app.reset()
