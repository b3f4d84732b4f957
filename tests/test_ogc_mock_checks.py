"""The OGC mock's own features, checked against the contract: the `Prefer: code=/example=` selector, scripted
faults, scripted lives on a clock that tests move, jobs in any state from the control API, and the `fail`
process. These were rows of the provider's suite once; they check our mock, not a provider's server."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobcontract.mocks import MockServer
from jobcontract.suites.common import check_response, documented_responses, lifecycle_scripts
from jobcontract.suites.ogc import rules
from jobcontract.suites.ogc.jobs import Poll, job_path

STATES = ("accepted", "running", "successful", "failed", "dismissed")
JSON = {"Accept": "application/json"}


def poll(ogc_mock: MockServer, job_id: str) -> Poll:
    found = Poll.of(requests.get(ogc_mock.url + job_path(job_id), headers=JSON, timeout=10))
    check_response("ogc", "getStatus", found.response)
    assert found.response.status_code == 200, found.response.text
    return found


@pytest.mark.parametrize(("operation_id", "method", "path", "status"), documented_responses("ogc"))
def test_every_documented_status_is_reachable_with_prefer(
    ogc_mock: MockServer, operation_id: str, method: str, path: str, status: str
) -> None:
    url = ogc_mock.url + path.replace("{jobId}", "some-job").replace("{processId}", "echo")
    response = requests.request(
        method, url, headers={"Prefer": f"code={status}"}, json={} if method == "POST" else None, timeout=10
    )
    check_response("ogc", operation_id, response)
    assert response.status_code == int(status)


@pytest.mark.parametrize("state", STATES)
def test_prefer_selects_each_documented_example(ogc_mock: MockServer, state: str) -> None:
    response = requests.get(f"{ogc_mock.url}/jobs/any", headers={"Prefer": f"code=200, example={state}"}, timeout=10)
    assert check_response("ogc", "getStatus", response)["status"] == state


def test_a_scripted_fault_answers_a_documented_500_then_the_job_goes_on(ogc_mock: MockServer) -> None:
    job_id = ogc_mock.app.create_job(["running"], faults={2: {"status": 500}})
    statuses = []
    for _ in range(3):
        response = requests.get(ogc_mock.url + job_path(job_id), timeout=10)
        check_response("ogc", "getStatus", response)
        statuses.append(response.status_code)
    assert statuses == [200, 500, 200]


@pytest.mark.parametrize("state", STATES)
def test_a_job_in_each_state_answers_as_documented(ogc_mock: MockServer, state: str) -> None:
    job_id = ogc_mock.app.create_job([state])
    assert poll(ogc_mock, job_id).status == state


@pytest.mark.parametrize("state", ["accepted", "running", "successful", "failed"])
def test_dismissing_in_any_state_ends_the_job(ogc_mock: MockServer, state: str) -> None:
    app = ogc_mock.app
    job_id = app.create_job([{"state": state, "polls": 1}, "successful"] if state != "successful" else ["successful"])
    answer = requests.delete(ogc_mock.url + job_path(job_id), headers=JSON, timeout=10)
    assert check_response("ogc", "dismiss", answer)["status"] == "dismissed"
    app.advance(3600)
    for method in ("GET", "DELETE"):
        later = requests.request(method, ogc_mock.url + job_path(job_id), headers=JSON, timeout=10)
        assert later.status_code == 404, later.text
        check_response("ogc", "getStatus" if method == "GET" else "dismiss", later)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=lifecycle_scripts(("accepted", "running"), ("successful", "failed", "dismissed")),
    advances=st.lists(st.sampled_from([0, 0.5, 1, 3, 3600]), min_size=1, max_size=12),
)
def test_any_scripted_life_keeps_the_rules(
    ogc_mock: MockServer, steps: list[dict[str, Any]], advances: list[float]
) -> None:
    app = ogc_mock.app
    job_id = app.create_job(steps, processID="echo")
    polls = []
    for seconds in advances:
        app.advance(seconds)
        polls.append(poll(ogc_mock, job_id))
    rules.check_life(polls, job_id, "echo")
    scripted = [step["state"] for step in steps]
    seen = [p.status for p in polls]
    assert all(state in scripted for state in seen), f"states {seen} are not in the script {scripted}"
    app.reset()


def test_a_simulated_hour_passes_without_waiting(ogc_mock: MockServer) -> None:
    app = ogc_mock.app
    job_id = app.create_job([{"state": "accepted", "seconds": 60}, {"state": "running", "seconds": 3600}, "successful"])
    polls = [poll(ogc_mock, job_id)]
    for _ in range(4):
        app.advance(1000)
        polls.append(poll(ogc_mock, job_id))
    rules.check_life(polls, job_id)
    assert [p.status for p in polls] == ["accepted", "running", "running", "running", "successful"]
    last = polls[-1].body
    assert last is not None
    finished, created = rules.moment(last["finished"]), rules.moment(last["created"])
    assert finished is not None and created is not None
    assert (finished - created).total_seconds() == 3660


def test_the_fail_process_runs_two_seconds_then_fails(ogc_mock: MockServer) -> None:
    """`fail` gives a client (and the suite's --ogc-failing-process) a job that fails through the API alone."""
    created = requests.post(
        f"{ogc_mock.url}/processes/fail/execution", json={"inputs": {}}, headers={"Prefer": "respond-async"}, timeout=10
    )
    assert created.status_code == 201, created.text
    job_id = check_response("ogc", "execute", created)["jobID"]
    polls = [poll(ogc_mock, job_id)]
    for _ in range(3):
        ogc_mock.app.advance(1)
        polls.append(poll(ogc_mock, job_id))
    rules.check_life(polls, job_id, "fail")
    assert [p.status for p in polls] == ["accepted", "running", "failed", "failed"]
    assert polls[-1].body is not None and "finished" in polls[-1].body


def test_a_process_a_job_declares_is_listed_described_and_executable_until_reset(ogc_mock: MockServer) -> None:
    """A scenario's (or the control API's) job may name a process the mock does not have: the mock then
    describes it, so the job's process is one a client can look up, and runs it asynchronously."""
    ogc_mock.app.create_job(["running", "successful"], "declared", processID="buffer")
    listed = requests.get(f"{ogc_mock.url}/processes", headers=JSON, timeout=10)
    assert [p["id"] for p in check_response("ogc", "getProcesses", listed)["processes"]] == ["echo", "fail", "buffer"]
    described = requests.get(f"{ogc_mock.url}/processes/buffer", headers=JSON, timeout=10)
    assert check_response("ogc", "getProcessDescription", described)["jobControlOptions"] == [
        "async-execute",
        "dismiss",
    ]
    executed = requests.post(
        f"{ogc_mock.url}/processes/buffer/execution", json={"inputs": {}}, headers=JSON, timeout=10
    )
    assert check_response("ogc", "execute", executed)["processID"] == "buffer"
    assert executed.status_code == 201 and executed.headers["Location"].startswith(f"{ogc_mock.url}/jobs/")
    with pytest.raises(ValueError, match="processID is a process id"):
        ogc_mock.app.create_job(["running"], processID="a/b")
    ogc_mock.app.reset()
    assert requests.get(f"{ogc_mock.url}/processes/buffer", headers=JSON, timeout=10).status_code == 404
