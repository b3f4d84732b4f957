"""The CLC mock's own features, checked on the mock (moved here from suites/clc, which checks providers):
the `Prefer: code=/example=` selector, scripted jobs and faults, the script rules, the mock's clock (a
token expires after two weeks), and the mock-only power operations that queue jobs. Two faulty dialects
that no provider check can catch are caught here: tokens that never expire, and `resumed` without a pause.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobcontract.mocks import MockApp, MockServer, ScriptError
from jobcontract.mocks.clc import DEFAULT_USER, OTHER_USER, TOKEN_LIFETIME, Account, ClcDialect
from jobcontract.mocks.engine import Engine
from jobcontract.mocks.faulty.clc import ResumedWithoutPause, TokensNeverExpire
from jobcontract.suites.clc.provider import TERMINAL, WIRE_STATES, end_broken, order_broken, status_path
from jobcontract.suites.common import check_response, documented_responses


class Client:
    """A logged-in client of one served CLC mock."""

    def __init__(self, url: str, account: Account = DEFAULT_USER) -> None:
        self.url = url
        self.account = account
        response = requests.post(
            f"{url}/v2/authentication/login",
            json={"username": account.username, "password": account.password},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        self.headers = {"Authorization": f"Bearer {response.json()['bearerToken']}", "Accept": "application/json"}

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.url + path, headers=kwargs.pop("headers", self.headers), timeout=10, **kwargs)

    def status(self, status_id: str, alias: str | None = None) -> requests.Response:
        return self.get(status_path(alias or self.account.alias, status_id))

    def poll(self, status_id: str) -> str:
        response = self.status(status_id)
        body = check_response("clc", "getStatus", response)
        assert response.status_code == 200, response.text
        return str(body["status"])


@pytest.fixture
def client(clc_mock: MockServer) -> Client:
    return Client(clc_mock.url)


@pytest.fixture
def app(clc_mock: MockServer) -> MockApp:
    return clc_mock.app


@contextmanager
def served(dialect: type[ClcDialect]) -> Iterator[MockServer]:
    """A faulty dialect that is not a registered variant, served like the `clc_mock` fixture."""
    with MockServer(MockApp(dialect, Engine())) as server:
        yield server


def lifecycle_problem(statuses: list[str]) -> str | None:
    """What breaks the lifecycle rules in polls that saw every state (dense), as the provider checks say it,
    plus the rule only dense polls can show: `resumed` only after a pause (of an executing job)."""
    seen = " -> ".join(statuses)
    if broken := end_broken(statuses):
        return f"a terminal state changed: {broken[0]} -> {broken[1]} (polls: {seen})"
    if broken := order_broken(statuses):
        return f"the state went back: {broken[0]} -> {broken[1]} (polls: {seen})"
    known = [status for status in statuses if status != "unknown"]
    for before, after in itertools.pairwise(known):
        if after == "resumed" and before not in ("executing", "resumed"):
            return f"resumed without a pause: {before} -> {after} (polls: {seen})"
    return None


# -- the Prefer selector ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("operation_id", "method", "path", "status"), documented_responses("clc"))
def test_every_documented_status_is_reachable_with_prefer(
    clc_mock: MockServer, operation_id: str, method: str, path: str, status: str
) -> None:
    url = path.replace("{accountAlias}", "ALIAS").replace("{statusId}", "wa1-12345")
    body = {"username": DEFAULT_USER.username, "password": DEFAULT_USER.password} if method == "POST" else None
    response = requests.request(method, clc_mock.url + url, headers={"Prefer": f"code={status}"}, json=body, timeout=10)
    check_response("clc", operation_id, response)
    assert response.status_code == int(status)


@pytest.mark.parametrize("state", WIRE_STATES)
def test_prefer_selects_each_documented_example(clc_mock: MockServer, state: str) -> None:
    response = requests.get(
        clc_mock.url + status_path("ALIAS", "wa1-12345"), headers={"Prefer": f"code=200, example={state}"}, timeout=10
    )
    assert check_response("clc", "getStatus", response)["status"] == state


# -- scripted jobs and faults ---------------------------------------------------------------------------------
# a script that reaches each documented state; `resumed` needs a pause first (mocks/clc.py)
REACH: dict[str, list[Any]] = {
    state: [state] for state in ("notStarted", "executing", "succeeded", "failed", "unknown")
}
REACH["resumed"] = [{"state": "executing", "polls": 1}, {"state": "paused", "polls": 1}, "resumed"]


@pytest.mark.parametrize("state", WIRE_STATES)
def test_a_job_in_each_state_answers_as_documented(app: MockApp, client: Client, state: str) -> None:
    job_id = app.create_job(REACH[state], accountAlias=DEFAULT_USER.alias)
    statuses = [client.poll(job_id) for _ in REACH[state]]
    assert statuses[-1] == state


def test_a_scripted_fault_answers_a_documented_500_then_the_job_goes_on(app: MockApp, client: Client) -> None:
    job_id = app.create_job(
        [{"state": "executing", "polls": 2}, "succeeded"], faults={2: {"status": 500}}, accountAlias=DEFAULT_USER.alias
    )
    answers = []
    for _ in range(3):
        response = client.status(job_id)
        answers.append((response.status_code, check_response("clc", "getStatus", response).get("status")))
    assert answers == [(200, "executing"), (500, None), (200, "succeeded")]


def test_the_default_life_moves_and_ends(app: MockApp, client: Client) -> None:
    """The life the embedded suite follows: notStarted (1 s), executing (5 s), succeeded, on the mock's clock."""
    job_id = app.create_job(accountAlias=DEFAULT_USER.alias)
    statuses = [client.poll(job_id)]
    while statuses[-1] not in TERMINAL and len(statuses) < 10:
        app.advance(1.5)
        statuses.append(client.poll(job_id))
    assert lifecycle_problem(statuses) is None
    assert statuses[-1] == "succeeded" and set(statuses) == {"notStarted", "executing", "succeeded"}, statuses


@pytest.mark.parametrize("end", sorted(TERMINAL))
def test_succeeded_and_failed_stay_for_days(app: MockApp, client: Client, end: str) -> None:
    job_id = app.create_job([{"state": "executing", "seconds": 600}, end], accountAlias=DEFAULT_USER.alias)
    statuses = [client.poll(job_id)]
    for seconds in (600, 3600, 86400, 86400):  # a simulated two days, without waiting
        app.advance(seconds)
        statuses.append(client.poll(job_id))
    assert statuses == ["executing"] + [end] * 4


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


# the clock stands still here, so one login serves every example
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=scripts())
def test_any_scripted_life_keeps_the_rules(app: MockApp, client: Client, script: list[dict[str, Any]]) -> None:
    job_id = app.create_job(script, accountAlias=DEFAULT_USER.alias)
    expected = [_wire(step["state"]) for step in script for _ in range(step.get("polls", 2))]
    statuses = [client.poll(job_id) for _ in expected]
    assert lifecycle_problem(statuses) is None
    assert statuses == expected, f"the polls {statuses} do not follow the script {script}"
    app.reset()


PAUSED_LIFE = [{"state": state, "polls": 1} for state in ("notStarted", "executing", "paused", "resumed", "executing")]


def test_resumed_comes_only_after_a_pause(app: MockApp, client: Client) -> None:
    job_id = app.create_job([*PAUSED_LIFE, "succeeded"], accountAlias=DEFAULT_USER.alias)
    statuses = [client.poll(job_id) for _ in range(len(PAUSED_LIFE) + 1)]
    assert lifecycle_problem(statuses) is None
    assert statuses == ["notStarted", "executing", "executing", "resumed", "executing", "succeeded"]


def test_resumed_without_a_pause_is_caught_by_dense_polls() -> None:
    """The faulty dialect says `resumed` for a job that just started: polls by polls see every state."""
    with served(ResumedWithoutPause) as server:
        job_id = server.app.create_job(
            [{"state": "notStarted", "polls": 1}, {"state": "executing", "polls": 2}, "succeeded"]
        )
        statuses = [Client(server.url).poll(job_id) for _ in range(4)]
        assert lifecycle_problem(statuses) == (
            "resumed without a pause: notStarted -> resumed (polls: notStarted -> resumed -> resumed -> succeeded)"
        )


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
def test_a_script_cannot_break_the_order(clc_mock: MockServer, script: list[Any]) -> None:
    """The mock refuses scripts no faithful server could play, in Python and over HTTP."""
    with pytest.raises(ScriptError):
        clc_mock.app.create_job(script)
    response = requests.post(f"{clc_mock.url}/__jobcontract/jobs", json={"script": script}, timeout=10)
    assert response.status_code == 400 and "error" in response.json(), response.text


# -- accounts and the clock -------------------------------------------------------------------------------------
def test_a_job_of_another_account_is_read_by_its_owner_only(app: MockApp, client: Client, clc_mock: MockServer) -> None:
    job_id = app.create_job(["executing"], accountAlias=OTHER_USER.alias)
    owner = Client(clc_mock.url, OTHER_USER)
    assert client.status(job_id, OTHER_USER.alias).status_code == 403
    assert client.status(job_id).status_code == 404
    assert (owner.status(job_id).status_code, owner.poll(job_id)) == (200, "executing")


def token_expiry_problem(server: MockServer) -> str | None:
    """What breaks "reusable for up to 2 weeks" (api-v20-authentication-overview.md), on the mock's clock."""
    client = Client(server.url)
    job_id = server.app.create_job(["executing"], accountAlias=DEFAULT_USER.alias)
    server.app.advance(TOKEN_LIFETIME - 60)
    if (code := client.status(job_id).status_code) != 200:
        return f"a 13-day-old token answered {code}"
    server.app.advance(120)
    response = client.status(job_id)
    check_response("clc", "getStatus", response)
    if response.status_code != 401:
        return f"a token older than two weeks answered {response.status_code}"
    if (code := Client(server.url).status(job_id).status_code) != 200:
        return f"a fresh token answered {code}"
    return None


def test_a_token_expires_after_two_weeks(clc_mock: MockServer) -> None:
    assert token_expiry_problem(clc_mock) is None


def test_tokens_that_never_expire_are_caught() -> None:
    with served(TokensNeverExpire) as server:
        assert token_expiry_problem(server) == "a token older than two weeks answered 200"


# -- the mock-only power operations, which queue jobs and hand out status links --------------------------------
def test_a_queued_power_operation_links_to_its_status(client: Client) -> None:
    """APIDocs Power Operations/power-on-server.md's 202 body, as clc-sdk's Requests reads it."""
    servers = ["WA1ALIASWB01", "WA1ALIASWB02"]
    response = requests.post(
        f"{client.url}/v2/operations/ALIAS/servers/powerOn", json=servers, headers=client.headers, timeout=10
    )
    assert response.status_code == 202, response.text
    queued = response.json()
    assert [entity["server"] for entity in queued] == servers
    for entity in queued:
        assert entity["isQueued"] is True
        (link,) = [link for link in entity["links"] if link["rel"] == "status"]
        assert link["href"] == status_path("ALIAS", link["id"])
        assert check_response("clc", "getStatus", client.get(link["href"])) == {"status": "notStarted"}
    assert len({entity["links"][0]["id"] for entity in queued}) == len(servers), "each server gets its own job"


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"servers": ["WA1ALIASWB01"]}', b'["WA1ALIASWB01", 7]', b'[""]', b""],
    ids=["not-json", "empty-list", "an-object", "a-number", "an-empty-name", "no-body"],
)
def test_bad_input_to_a_power_operation_gets_a_message(app: MockApp, client: Client, body: bytes) -> None:
    """The queueing route is the mock's own (not in the contract); its errors use the API's shape."""
    response = requests.post(
        f"{client.url}/v2/operations/ALIAS/servers/powerOn",
        data=body,
        headers={**client.headers, "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400, response.text
    assert isinstance(response.json().get("message"), str), response.text
    assert app.engine.job_ids() == [], "bad input queued a job"


@pytest.mark.parametrize(
    ("path", "authorized", "expected"),
    [
        ("/v2/operations/ALIAS/servers/powerOn", False, 401),
        ("/v2/operations/OTHR/servers/powerOn", True, 403),
        ("/v2/operations/ALIAS/servers/explode", True, 404),
    ],
    ids=["no-token", "other-account", "unknown-operation"],
)
def test_a_power_operation_checks_the_caller(client: Client, path: str, authorized: bool, expected: int) -> None:
    headers = client.headers if authorized else {}
    response = requests.post(client.url + path, json=["WA1ALIASWB01"], headers=headers, timeout=10)
    assert response.status_code == expected, response.text
    assert isinstance(response.json().get("message"), str), response.text


@pytest.mark.parametrize(("method", "path"), [("PUT", "/v2/authentication/login"), ("GET", "/v2/operations")])
def test_a_wrong_method_or_path_gets_a_message(clc_mock: MockServer, method: str, path: str) -> None:
    response = requests.request(method, clc_mock.url + path, timeout=10)
    assert response.status_code in (404, 405), response.text
    assert isinstance(response.json().get("message"), str), response.text
