"""A job's life as its polls show it: states only move forward, terminal states stay terminal,
created <= started <= finished, progress is an integer 0..100 that never decreases, links are well
formed (OGC 18-062r2 statusCode.yaml, /rec/core/job-status, link.yaml)."""

from __future__ import annotations

import itertools
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suites.common import Target, check_response, lifecycle_scripts

RANK = {"accepted": 0, "running": 1, "successful": 2, "failed": 2, "dismissed": 2}
TERMINAL = {"successful", "failed", "dismissed"}
STATE_ORDER = "OGC 18-062r2 statusCode.yaml (accepted -> running -> successful | failed | dismissed)"
JOB_STATUS = "OGC 18-062r2 /rec/core/job-status"
LINKS = "OGC 18-062r2 link.yaml"
POLL_BUDGET = 20  # polls of a real server, 0.5 s apart


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def check_lifecycle(polls: list[dict[str, Any]]) -> None:
    """Every property a sequence of statusInfo bodies of one job must have."""
    for before, after in itertools.pairwise(polls):
        moved = f"{before['status']} -> {after['status']}"
        assert RANK[after["status"]] >= RANK[before["status"]], f"{STATE_ORDER}: the state went back: {moved}"
        if before["status"] in TERMINAL:
            assert after["status"] == before["status"], f"{STATE_ORDER}: a terminal state changed: {moved}"
        for member in ("created", "started", "finished"):
            if member in before:
                assert after.get(member) == before[member], f"{JOB_STATUS}: {member} changed between polls ({moved})"
        if "progress" in before and "progress" in after:
            assert after["progress"] >= before["progress"], (
                f"{JOB_STATUS}: progress went back from {before['progress']} to {after['progress']}"
            )
        if "updated" in before and "updated" in after:
            assert _moment(after["updated"]) >= _moment(before["updated"]), f"{JOB_STATUS}: updated went back"
    for body in polls:
        times = [(m, _moment(body[m])) for m in ("created", "started", "finished") if m in body]
        for (first, a), (second, b) in itertools.pairwise(times):
            assert a <= b, f"{JOB_STATUS}: {first} {body[first]} is after {second} {body[second]}"
        if body["status"] in TERMINAL - {"dismissed"} and "started" in body:
            assert "finished" in body, f"{JOB_STATUS}: a {body['status']} job that started has no finished time"
        if "progress" in body:
            assert isinstance(body["progress"], int) and 0 <= body["progress"] <= 100
        for link in body.get("links", []):
            parts = urlsplit(link["href"])
            assert link["href"] and " " not in link["href"], f"{LINKS}: href {link['href']!r} is not a URI"
            assert not parts.scheme or parts.scheme in ("http", "https"), f"{LINKS}: href {link['href']!r}"


def poll(ogc: Target, job_id: str) -> dict[str, Any]:
    response = ogc.request("GET", f"/jobs/{job_id}", headers={"Accept": "application/json"})
    body = check_response("ogc", "getStatus", response)
    assert response.status_code == 200, (
        f"OGC 18-062r2 /req/core/job-success: a live job answered {response.status_code}"
    )
    return body  # type: ignore[no-any-return]


@pytest.mark.requirement(
    "OGC 18-062r2", "/rec/core/job-status (statusCode.yaml: accepted -> running -> successful | failed | dismissed)"
)
def test_an_executed_job_lives_a_consistent_life(ogc: Target, new_job: str) -> None:
    """On the mock the clock is advanced between polls; a real server is polled in real time."""
    polls = [poll(ogc, new_job)]
    for _ in range(POLL_BUDGET):
        if polls[-1]["status"] in TERMINAL:
            break
        if ogc.server is not None:
            ogc.server.app.advance(1.5)
        else:
            time.sleep(0.5)
        polls.append(poll(ogc, new_job))
    check_lifecycle(polls)
    if ogc.server is not None:
        assert polls[-1]["status"] == "successful", [p["status"] for p in polls]
        assert {p["status"] for p in polls} == {"accepted", "running", "successful"}


@pytest.mark.requirement(
    "OGC 18-062r2", "/rec/core/job-status (statusCode.yaml: accepted -> running -> successful | failed | dismissed)"
)
@pytest.mark.control
@settings(max_examples=25, deadline=None)
@given(
    steps=lifecycle_scripts(("accepted", "running"), ("successful", "failed", "dismissed")),
    advances=st.lists(st.sampled_from([0, 0.5, 1, 3, 3600]), min_size=1, max_size=12),
)
def test_any_scripted_life_keeps_the_rules(ogc: Target, steps: list[dict[str, Any]], advances: list[float]) -> None:
    app = ogc.control
    job_id = app.create_job(steps)
    polls = []
    for seconds in advances:
        app.advance(seconds)
        polls.append(poll(ogc, job_id))
    check_lifecycle(polls)
    scripted = [step["state"] for step in steps]
    seen = [p["status"] for p in polls]
    assert all(state in scripted for state in seen), f"states {seen} are not in the script {scripted}"
    app.reset()


@pytest.mark.requirement(
    "OGC 18-062r2", "/rec/core/job-status (statusCode.yaml: accepted -> running -> successful | failed | dismissed)"
)
@pytest.mark.control
def test_a_simulated_hour_passes_without_waiting(ogc: Target) -> None:
    app = ogc.control
    job_id = app.create_job([{"state": "accepted", "seconds": 60}, {"state": "running", "seconds": 3600}, "successful"])
    polls = [poll(ogc, job_id)]
    for _ in range(4):
        app.advance(1000)
        polls.append(poll(ogc, job_id))
    check_lifecycle(polls)
    assert [p["status"] for p in polls] == ["accepted", "running", "running", "running", "successful"]
    assert _moment(polls[-1]["finished"]) - _moment(polls[-1]["created"]) == _moment("2000-01-01T01:01:00Z") - _moment(
        "2000-01-01T00:00:00Z"
    )
