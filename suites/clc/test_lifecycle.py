"""A queued operation's life as its polls show it (CLC API v2 Get Status): statuses only move
forward (notStarted -> executing -> succeeded | failed, `resumed` at the rank of executing),
succeeded and failed are terminal, `resumed` only after a pause of a running job, and `unknown`
says nothing about the order (contracts/clc/NOTES.md: the documents define neither)."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mocks import ScriptError
from suites.clc.conftest import Login, status_path
from suites.common import Target, check_response

RANK = {"notStarted": 0, "executing": 1, "resumed": 1, "succeeded": 2, "failed": 2}
TERMINAL = {"succeeded", "failed"}
ORDER = "CLC API v2 Get Status (notStarted -> executing -> succeeded | failed)"
FINAL = 'CLC API v2 Get Status (called "until a succeeded or failed response is returned")'
PAUSE = "CLC API v2 Get Status (resumed: a paused running job goes on)"
POLL_BUDGET = 10  # polls of a real server, 0.5 s apart


def check_lifecycle(statuses: list[str], *, dense: bool) -> None:
    """Every property a sequence of one job's statuses must have. `dense`: every state the job went
    through was polled at least once (so a `resumed` must show the executing job it resumed)."""
    seen = " -> ".join(statuses)
    for before, after in itertools.pairwise(statuses):
        if before in TERMINAL:
            assert after == before, f"{FINAL}: a terminal state changed: {before} -> {after} (polls: {seen})"
    known = [status for status in statuses if status != "unknown"]
    for before, after in itertools.pairwise(known):
        assert RANK[after] >= RANK[before], f"{ORDER}: the state went back: {before} -> {after} (polls: {seen})"
        if dense and after == "resumed":
            assert before in ("executing", "resumed"), f"{PAUSE}: resumed without a pause: {before} -> {after}"


def poll(clc: Target, login: Login, status_id: str) -> str:
    response = clc.request("GET", status_path(login.account_alias, status_id), headers=login.headers)
    body = check_response("clc", "getStatus", response)
    assert response.status_code == 200, f"CLC API v2 Get Status: a queued job answered {response.status_code}"
    return str(body["status"])


@pytest.mark.requirement("CLC API v2", "Get Status (notStarted -> executing -> succeeded | failed)")
def test_a_queued_operation_lives_a_consistent_life(clc: Target, login: Login, status_ids: list[str]) -> None:
    """On the mock a job with the default script is polled while the clock is advanced; a real server's
    named status ids are polled in real time until they end or the budget runs out."""
    if clc.server is not None:
        app = clc.server.app
        job_id = app.create_job(accountAlias=login.account_alias)
        statuses = [poll(clc, login, job_id)]
        while statuses[-1] not in TERMINAL and len(statuses) < POLL_BUDGET:
            app.advance(1.5)
            statuses.append(poll(clc, login, job_id))
        check_lifecycle(statuses, dense=True)
        assert statuses[-1] == "succeeded" and set(statuses) == {"notStarted", "executing", "succeeded"}, statuses
        return
    if not status_ids:
        pytest.skip("no --clc-status-id given: name queued operations to follow their life")
    for status_id in status_ids:
        statuses = [poll(clc, login, status_id)]
        while statuses[-1] not in TERMINAL and len(statuses) < POLL_BUDGET:
            time.sleep(0.5)
            statuses.append(poll(clc, login, status_id))
        check_lifecycle(statuses, dense=False)


def _wire(state: str) -> str:
    return "executing" if state == "paused" else state  # a pause shows as executing (mocks/clc.py)


@st.composite
def scripts(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A valid life by polls: [notStarted], executing, any pause/resume cycles, an end; `unknown`
    steps anywhere before the end."""
    polls = st.integers(min_value=1, max_value=3)
    states = ["notStarted"] if draw(st.booleans()) else []
    states.append("executing")
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        states += ["paused", "resumed"] + (["executing"] if draw(st.booleans()) else [])
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        states.insert(draw(st.integers(min_value=0, max_value=len(states))), "unknown")
    steps: list[dict[str, Any]] = [{"state": state, "polls": draw(polls)} for state in states]
    steps.append({"state": draw(st.sampled_from(["succeeded", "failed", "unknown"]))})
    return steps


@pytest.mark.requirement("CLC API v2", "Get Status (notStarted -> executing -> succeeded | failed)")
@pytest.mark.control
# the login is fresh per test and the clock stands still here, so its token serves every example
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=scripts())
def test_any_scripted_life_keeps_the_rules(clc: Target, login: Login, script: list[dict[str, Any]]) -> None:
    app = clc.control
    job_id = app.create_job(script, accountAlias=login.account_alias)
    expected = [_wire(step["state"]) for step in script for _ in range(step.get("polls", 2))]
    statuses = [poll(clc, login, job_id) for _ in expected]
    check_lifecycle(statuses, dense=True)
    assert statuses == expected, f"the polls {statuses} do not follow the script {script}"
    app.reset()


@pytest.mark.requirement("CLC API v2", "Get Status (resumed: a paused running job goes on)")
@pytest.mark.control
def test_resumed_comes_only_after_a_pause(clc: Target, login: Login) -> None:
    app = clc.control
    script = [{"state": state, "polls": 1} for state in ("notStarted", "executing", "paused", "resumed", "executing")]
    job_id = app.create_job([*script, "succeeded"], accountAlias=login.account_alias)
    statuses = [poll(clc, login, job_id) for _ in range(len(script) + 1)]
    check_lifecycle(statuses, dense=True)
    assert statuses == ["notStarted", "executing", "executing", "resumed", "executing", "succeeded"]


@pytest.mark.requirement("CLC API v2", "Get Status (notStarted -> executing -> succeeded | failed)")
@pytest.mark.control
@pytest.mark.parametrize(
    "script",
    [
        ["resumed"],
        ["notStarted", "resumed"],
        [{"state": "executing", "polls": 1}, "resumed"],
        [{"state": "notStarted", "polls": 1}, "paused"],
        [{"state": "succeeded", "polls": 1}, "executing"],
        [{"state": "executing", "polls": 1}, "notStarted"],
    ],
    ids=str,
)
def test_a_script_cannot_break_the_order(clc: Target, script: list[Any]) -> None:
    """The mock refuses scripts no faithful server could play, in Python and over HTTP."""
    app = clc.control
    with pytest.raises(ScriptError):
        app.create_job(script)
    response = clc.request("POST", "/__jobcontract/jobs", json={"script": script})
    assert response.status_code == 400 and "error" in response.json(), response.text


@pytest.mark.requirement("CLC API v2", 'Get Status (called "until a succeeded or failed response is returned")')
@pytest.mark.control
@pytest.mark.parametrize("end", sorted(TERMINAL))
def test_succeeded_and_failed_are_terminal(clc: Target, login: Login, end: str) -> None:
    app = clc.control
    job_id = app.create_job([{"state": "executing", "seconds": 600}, end], accountAlias=login.account_alias)
    statuses = [poll(clc, login, job_id)]
    for seconds in (600, 3600, 86400, 86400):  # a simulated two days, without waiting
        app.advance(seconds)
        statuses.append(poll(clc, login, job_id))
    check_lifecycle(statuses, dense=True)
    assert statuses == ["executing"] + [end] * 4
