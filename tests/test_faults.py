"""Faults that help client developers, over real HTTP: a delayed answer holds up only its own client,
a dropped connection and a dribbled body are available per job (engine `Fault`) and per request
(`Prefer: delay=`, `Prefer: drop`, `Prefer: dribble=`), on every HTTP mock. Timing is asserted as
order and completion (who was answered while whom waited), plus lower bounds that sleeping guarantees."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from jobcontract.mocks import DIALECTS, MockServer, make_app
from jobcontract.mocks.cf import VALID_TOKEN
from jobcontract.mocks.clc import DEFAULT_USER
from jobcontract.mocks.fastserver import FastServer
from jobcontract.suites.common import check_response

Served = MockServer | FastServer  # the same `app` and `url`
POLL_OPERATION = {"ogc": "getStatus", "cf": "getJob", "clc": "getStatus"}


def credentials(api: str, server: Served) -> dict[str, str]:
    """What a client of `api` sends with every poll."""
    if api == "cf":
        return {"Authorization": f"Bearer {VALID_TOKEN}"}
    if api == "clc":
        login = requests.post(
            f"{server.url}/v2/authentication/login",
            json={"username": DEFAULT_USER.username, "password": DEFAULT_USER.password},
            timeout=10,
        )
        return {"Authorization": f"Bearer {login.json()['bearerToken']}", "Accept": "application/json"}
    return {"Accept": "application/json"}


def running_job(api: str, server: Served) -> str:
    """A job of `api` whose poll answers 200 (a step that lasts forever)."""
    return server.app.create_job([server.app.dialect.default_script[1].state])


@pytest.fixture(params=[(api, server) for api in sorted(DIALECTS) for server in ("werkzeug", "fast")], ids="-".join)
def mock(request: pytest.FixtureRequest) -> Iterator[tuple[str, Served, dict[str, str]]]:
    """Each HTTP mock on both of its servers: pytest-httpserver's (the fixtures) and FastServer (`serve`),
    which carry out the waiting faults in their own ways (a sleeping thread, the event loop)."""
    api, kind = request.param
    if kind == "werkzeug":
        server: MockServer = request.getfixturevalue(f"{api}_mock")
        yield api, server, credentials(api, server)
        return
    with FastServer(make_app(api)) as fast:
        yield api, fast, credentials(api, fast)


def poll_while(url: str, headers: dict[str, str], busy: threading.Thread) -> list[int]:
    """Poll `url` at full speed for as long as `busy` runs (at least once); the status codes seen."""
    seen = []
    with requests.Session() as session:
        while busy.is_alive() or not seen:
            seen.append(session.get(url, headers=headers, timeout=10).status_code)
    return seen


def test_a_delayed_poll_times_its_client_out_while_another_client_is_served(
    mock: tuple[str, Served, dict[str, str]],
) -> None:
    api, server, headers = mock
    slow_job, fast_job = running_job(api, server), running_job(api, server)
    server.app.inject_fault(slow_job, {"delay": 3})
    outcome: dict[str, Any] = {}

    def impatient_client() -> None:
        try:
            outcome["answer"] = requests.get(server.app.status_url(slow_job), headers=headers, timeout=1)
        except requests.exceptions.ReadTimeout as error:
            outcome["timeout"] = error

    waiting = threading.Thread(target=impatient_client)
    waiting.start()
    while server.app.job(slow_job).poll == 0:  # the slow poll has reached the mock and is being held
        time.sleep(0.005)
    served = poll_while(server.app.status_url(fast_job), headers, waiting)
    waiting.join()
    assert "timeout" in outcome, f"the delayed poll was answered within its client's timeout: {outcome}"
    assert served.count(200) == len(served) >= 5, f"the other client, while the first waited: {served}"


@pytest.mark.parametrize("how", ["per request", "per job"])
def test_a_patient_client_gets_the_delayed_answer_after_the_others(ogc_mock: MockServer, how: str) -> None:
    job = running_job("ogc", ogc_mock)
    prefer = {"Prefer": "delay=1"} if how == "per request" else {}
    if how == "per job":
        ogc_mock.app.inject_fault(job, {"delay": 1})
    answers: list[tuple[str, int]] = []
    started = time.monotonic()

    def patient_client() -> None:
        response = requests.get(ogc_mock.app.status_url(job), headers=prefer, timeout=30)
        answers.append(("patient", response.status_code))

    waiting = threading.Thread(target=patient_client)
    waiting.start()
    while ogc_mock.app.job(job).poll == 0:
        time.sleep(0.005)
    answers.append(("other", requests.get(ogc_mock.app.status_url(job), timeout=10).status_code))
    waiting.join()
    assert answers == [("other", 200), ("patient", 200)]
    assert time.monotonic() - started >= 1, "the delay was not applied"


def test_prefer_drop_loses_the_answer_but_not_the_poll(mock: tuple[str, Served, dict[str, str]]) -> None:
    api, server, headers = mock
    job = running_job(api, server)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(server.app.status_url(job), headers={**headers, "Prefer": "drop"}, timeout=10)
    assert server.app.job(job).poll == 1, "the dropped poll happened on the server"
    polls = [entry for entry in server.app.journal() if entry["path"].endswith(job)]
    assert [entry["dropped"] for entry in polls] == [True], polls
    again = requests.get(server.app.status_url(job), headers=headers, timeout=10)
    check_response(api, POLL_OPERATION[api], again)
    assert again.status_code == 200


def test_a_scripted_drop_and_a_dropped_answer_to_a_selected_code(ogc_mock: MockServer) -> None:
    job = ogc_mock.app.create_job(["running"], faults={1: {"drop": True}})
    url = ogc_mock.app.status_url(job)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url, timeout=10)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url, headers={"Prefer": "code=500, drop"}, timeout=10)
    assert requests.get(url, timeout=10).status_code == 200


@pytest.mark.parametrize("how", ["per request", "per job"])
def test_a_dribbled_body_arrives_complete_but_slowly(mock: tuple[str, Served, dict[str, str]], how: str) -> None:
    api, server, headers = mock
    job = running_job(api, server)
    url = server.app.status_url(job)
    whole = requests.get(url, headers=headers, timeout=10)  # the clock is frozen: every poll reads the same
    if how == "per job":
        server.app.inject_fault(job, {"dribble": 1})
    started = time.monotonic()
    slow = requests.get(
        url, headers={**headers, "Prefer": "dribble=1"} if how == "per request" else headers, stream=True, timeout=10
    )
    first = next(slow.iter_content(16))
    other = requests.get(url, headers=headers, timeout=10)
    body = first + b"".join(slow.iter_content(16))
    elapsed = time.monotonic() - started
    check_response(api, POLL_OPERATION[api], whole)
    assert other.status_code == 200, "another client was served in full while the body dribbled"
    assert slow.status_code == 200 and len(first) < len(body), "the body came in pieces"
    assert body == whole.content and slow.headers["Content-Length"] == str(len(body)), "the same answer, complete"
    assert elapsed >= 1, f"the body arrived in {elapsed:.2f} s, faster than its dribble"


def test_a_read_timeout_is_per_read_so_a_dribble_longer_than_it_still_arrives(ogc_mock: MockServer) -> None:
    """What `requests`' timeout means: each read may take that long, not the whole body."""
    job = running_job("ogc", ogc_mock)
    response = requests.get(ogc_mock.app.status_url(job), headers={"Prefer": "dribble=1.5"}, timeout=1)
    assert response.status_code == 200 and response.json()["jobID"] == job


@pytest.mark.parametrize(
    ("prefer", "complaint"),
    [
        ("delay=soon", "delay=soon is not a number of seconds"),
        ("delay=301", "a fault delay must be between 0 and 300 seconds, not 301.0"),
        ("dribble=-1", "a fault dribble must be between 0 and 300 seconds, not -1.0"),
        ("dribble=nan", "a fault dribble must be between 0 and 300 seconds, not nan"),
        ("drop, dribble=2", "either drops the connection or dribbles the answer, not both"),
    ],
)
def test_a_malformed_fault_preference_gets_the_apis_own_400(
    mock: tuple[str, Served, dict[str, str]], prefer: str, complaint: str
) -> None:
    api, server, headers = mock
    job = running_job(api, server)
    response = requests.get(server.app.status_url(job), headers={**headers, "Prefer": prefer}, timeout=10)
    # 400, as for an undocumented `Prefer: code=`: the header is the mock's, not the API's
    assert response.status_code == 400 and complaint in response.text, response.text
    unknown = requests.get(server.app.status_url("no-such-job"), headers=headers, timeout=10)
    assert unknown.status_code == 404 and check_response(api, POLL_OPERATION[api], unknown)
    assert response.headers["Content-Type"] == unknown.headers["Content-Type"]
    assert response.json().keys() == unknown.json().keys(), "the API's own error format"
    assert server.app.job(job).poll == 0, "a rejected request is not a poll"


def test_other_preferences_are_not_faults(ogc_mock: MockServer) -> None:
    """RFC 7240's own preferences (respond-async, wait=) pass by; only delay, dribble and drop are faults."""
    job = running_job("ogc", ogc_mock)
    response = requests.get(
        ogc_mock.app.status_url(job), headers={"Prefer": "respond-async, wait=10; dropped=no"}, timeout=10
    )
    assert response.status_code == 200 and response.json()["jobID"] == job


def test_the_control_api_scripts_a_dribble(ogc_mock: MockServer) -> None:
    job = running_job("ogc", ogc_mock)
    created = requests.post(
        f"{ogc_mock.url}/__jobcontract/jobs/{job}/faults", json={"fault": {"dribble": 0.5}}, timeout=10
    )
    assert created.status_code == 201 and created.json() == {"poll": 1}
    started = time.monotonic()
    assert requests.get(ogc_mock.app.status_url(job), timeout=10).json()["jobID"] == job
    assert time.monotonic() - started >= 0.5
    refused = requests.post(
        f"{ogc_mock.url}/__jobcontract/jobs/{job}/faults", json={"fault": {"dribble": 1, "drop": True}}, timeout=10
    )
    assert refused.status_code == 400 and "not both" in refused.json()["error"]
