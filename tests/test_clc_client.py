"""The real clc-sdk (PyPI clc-sdk 2.51, `import clc`) drives the CLC mock: it logs in, queues a power
operation, and polls with its own `Request`/`Requests` status and wait calls, over HTTP and in-process
through `responses`. Jobs are scripted by polls and `poll_freq=0`, so nothing sleeps.

The SDK's known polling quirks (contracts/clc/NOTES.md, "clc-sdk 2.51 quirks") each have a test showing the
mock reproduces them, so a client developer can point their own poller at the same sequences.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import clc
import pytest
import requests
from clc_sdk import logged_out_sdk

from jobcontract.mocks import CONTROL_PREFIX, MockApp, MockServer, ScriptError, make_app
from jobcontract.mocks.clc import BAD_CREDENTIALS, DEFAULT_USER, TOKEN_LIFETIME, ClcDialect

IN_PROCESS_URL = "http://clc.jobcontract.invalid"
SERVER = "WA1ALIASWB01"  # clc-sdk's Requests treats a name of 8 characters or fewer as a new build


@dataclass
class Mock:
    app: MockApp
    url: str

    def polls(self, status_id: str) -> int:
        observation = self.app.job(status_id)
        assert observation is not None, f"no job {status_id}"
        return observation.poll

    def queue(self, script: list[Any]) -> None:
        """Script the jobs the next power operations queue."""
        assert isinstance(self.app.dialect, ClcDialect)
        self.app.dialect.queue_script = script

    def answers(self, status_id: str) -> list[int | None]:
        """The status codes of every Get Status of `status_id`, in order."""
        return [e["status"] for e in self.app.journal() if e["path"].endswith(f"/status/{status_id}")]


@pytest.fixture(params=["http", "in-process"])
def mock(request: pytest.FixtureRequest) -> Iterator[Mock]:
    """The CLC mock over real HTTP (the `clc_mock` fixture) or in-process (`MockApp.intercept`)."""
    if request.param == "http":
        server: MockServer = request.getfixturevalue("clc_mock")
        yield Mock(server.app, server.url)
    else:
        app = make_app("clc")
        with app.intercept(IN_PROCESS_URL):
            yield Mock(app, IN_PROCESS_URL)


@pytest.fixture
def sdk(mock: Mock, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """clc-sdk pointed at the mock with the example user's credentials and no login yet. The SDK keeps
    its login in module globals; they start empty here and are put back after the test."""
    session = logged_out_sdk(mock.url, monkeypatch)
    yield clc
    session.close()


def by_polls(*steps: tuple[str, int], end: str) -> list[dict[str, Any]]:
    return [{"state": state, "polls": polls} for state, polls in steps] + [{"state": end}]


# -- the whole flow ---------------------------------------------------------------------------------
def test_a_power_on_is_queued_and_polled_to_success(sdk: ModuleType, mock: Mock) -> None:
    mock.queue(by_polls(("notStarted", 1), ("executing", 2), end="succeeded"))
    queued = sdk.v2.Servers([SERVER, "WA1ALIASWB02"]).PowerOn()
    assert (DEFAULT_USER.alias, DEFAULT_USER.location) == (sdk.ALIAS, sdk.LOCATION)
    ids = [request.id for request in queued.requests]
    assert len(ids) == 2 and all(status_id.startswith("wa1-") for status_id in ids), ids

    assert queued.WaitUntilComplete(poll_freq=0) == 0
    assert [request.id for request in queued.success_requests] == ids and queued.error_requests == []
    assert [mock.polls(status_id) for status_id in ids] == [4, 4]  # notStarted, executing x2, succeeded

    again = sdk.v2.Request(ids[0])
    assert again.WaitUntilComplete(poll_freq=0) is None
    assert again.Status(cached=True) == "succeeded" and mock.polls(ids[0]) == 5
    logins = [e for e in mock.app.journal() if e["path"] == "/v2/authentication/login"]
    assert [e["status"] for e in logins] == [200], "clc-sdk logs in once and keeps its token"


def test_a_request_is_polled_to_success(sdk: ModuleType, mock: Mock) -> None:
    status_id = mock.app.create_job(by_polls(("notStarted", 2), ("executing", 3), end="succeeded"))
    request = sdk.v2.Request(status_id)
    assert request.WaitUntilComplete(poll_freq=0) is None
    assert request.Status(cached=True) == "succeeded" and mock.polls(status_id) == 6


def test_a_failed_operation_raises_in_request_and_counts_in_requests(sdk: ModuleType, mock: Mock) -> None:
    mock.queue(by_polls(("executing", 2), end="failed"))
    queued = sdk.v2.Servers([SERVER]).PowerOn()
    assert queued.WaitUntilComplete(poll_freq=0) == 1
    assert len(queued.error_requests) == 1 and queued.success_requests == []

    status_id = mock.app.create_job(by_polls(("executing", 2), end="failed"))
    with pytest.raises(sdk.CLCException, match="execution failed"):
        sdk.v2.Request(status_id).WaitUntilComplete(poll_freq=0)
    assert mock.polls(status_id) == 3


def test_a_form_login_session_polls_without_the_module_globals(sdk: ModuleType, mock: Mock) -> None:
    """clc-sdk's get_session logs in with a form body and keeps its token in the session it returns."""
    session = sdk.v2.get_session(DEFAULT_USER.username, DEFAULT_USER.password)
    assert session["alias"] == DEFAULT_USER.alias and sdk._LOGIN_TOKEN_V2 is False
    status_id = mock.app.create_job(by_polls(("executing", 1), end="succeeded"))
    assert sdk.v2.Request(status_id, session=session).WaitUntilComplete(poll_freq=0) is None
    assert mock.polls(status_id) == 2


def test_wrong_credentials_fail_the_login_with_the_documented_message(sdk: ModuleType) -> None:
    sdk.v2.SetCredentials(DEFAULT_USER.username, "not-the-password")
    with pytest.raises(Exception, match="Invalid V2 API login") as failed:
        sdk.v2.Account.GetAlias()
    assert BAD_CREDENTIALS in str(failed.value)


def test_an_unknown_status_id_fails_at_once(sdk: ModuleType, mock: Mock) -> None:
    with pytest.raises(sdk.APIFailedResponse) as failed:
        sdk.v2.Request("wa1-99999").WaitUntilComplete(poll_freq=0)
    assert failed.value.response_status_code == 404
    assert isinstance(failed.value.response_json["message"], str)


def test_an_expired_token_is_not_renewed(sdk: ModuleType, mock: Mock) -> None:
    status_id = mock.app.create_job(["executing"])
    request = sdk.v2.Request(status_id)
    assert request.Status() == "executing"
    mock.app.advance(TOKEN_LIFETIME + 1)
    with pytest.raises(sdk.APIFailedResponse) as failed:
        request.Status()
    assert failed.value.response_status_code == 401


def test_the_timeout_is_checked_while_executing(sdk: ModuleType, mock: Mock) -> None:
    status_id = mock.app.create_job(["executing"])
    with pytest.raises(sdk.RequestTimeoutException) as timed_out:
        sdk.v2.Request(status_id).WaitUntilComplete(poll_freq=0, timeout=1e-9)
    assert timed_out.value.status == "executing" and mock.polls(status_id) == 1


# -- the SDK's polling quirks, reproduced -----------------------------------------------------------
def test_quirk_request_swallows_a_500_and_polls_on(sdk: ModuleType, mock: Mock) -> None:
    """Request.Status() swallows a 500 and keeps its previous status (None before the first answer)."""
    status_id = mock.app.create_job(by_polls(("executing", 2), end="succeeded"), faults={1: {"status": 500}})
    mock.app.inject_fault(status_id, {"status": 500}, poll=3)
    request = sdk.v2.Request(status_id)
    assert request.Status() is None  # the 500 left the initial None
    assert request.WaitUntilComplete(poll_freq=0) is None
    assert mock.answers(status_id) == [500, 200, 500, 200]


def test_quirk_requests_reports_success_after_a_500(sdk: ModuleType, mock: Mock) -> None:
    """Requests drops a request whose poll answered 500 and returns 0: a false success."""
    mock.queue(["executing"])
    queued = sdk.v2.Servers([SERVER]).PowerOn()
    (status_id,) = [request.id for request in queued.requests]
    mock.app.inject_fault(status_id, {"status": 500})
    assert queued.WaitUntilComplete(poll_freq=0) == 0
    assert queued.success_requests == [] and queued.error_requests == []
    job = mock.app.job(status_id)
    assert job is not None and job.state == "executing" and mock.answers(status_id) == [500]


def test_quirk_request_polls_unknown_as_if_pending(sdk: ModuleType, mock: Mock) -> None:
    """Request.WaitUntilComplete tests `status in ("failed", "resumed" or "unknown")`, so `unknown`
    keeps it polling (forever, if nothing changes); here it ends after five scripted unknowns."""
    status_id = mock.app.create_job(by_polls(("unknown", 5), end="succeeded"))
    assert sdk.v2.Request(status_id).WaitUntilComplete(poll_freq=0) is None
    assert mock.polls(status_id) == 6


def test_quirk_requests_counts_unknown_as_an_error(sdk: ModuleType, mock: Mock) -> None:
    mock.queue(["unknown"])
    queued = sdk.v2.Servers([SERVER]).PowerOn()
    assert queued.WaitUntilComplete(poll_freq=0) == 1
    assert len(queued.error_requests) == 1 and mock.polls(queued.error_requests[0].id) == 1


def test_quirk_request_raises_on_resumed_while_requests_waits(sdk: ModuleType, mock: Mock) -> None:
    script = by_polls(("executing", 1), ("paused", 1), ("resumed", 1), end="succeeded")
    status_id = mock.app.create_job(script)
    with pytest.raises(sdk.CLCException, match="execution resumed"):
        sdk.v2.Request(status_id).WaitUntilComplete(poll_freq=0)
    assert mock.polls(status_id) == 3

    mock.queue(script)
    queued = sdk.v2.Servers([SERVER]).PowerOn()
    assert queued.WaitUntilComplete(poll_freq=0) == 0
    assert mock.polls(queued.success_requests[0].id) == 4


def test_a_reset_forgets_the_queue_script() -> None:
    app = make_app("clc")
    assert isinstance(app.dialect, ClcDialect)
    app.dialect.queue_script = ["failed"]
    app.reset()
    assert app.dialect.queue_script is None


def test_a_bad_queue_script_is_refused_when_set() -> None:
    app = make_app("clc")
    assert isinstance(app.dialect, ClcDialect)
    with pytest.raises(ScriptError, match="resumed"):
        app.dialect.queue_script = ["notStarted", "resumed"]
    assert app.dialect.queue_script is None


# -- a server and its power operations, scripted over HTTP -------------------------------------------
def put_queue_script(mock: Mock, script: list[Any] | None) -> requests.Response:
    """The queue script set the way a client in any language does it: over the control API."""
    return requests.put(f"{mock.url}{CONTROL_PREFIX}/queue", json={"script": script}, timeout=10)


def test_server_reads_a_server_of_the_account(sdk: ModuleType, mock: Mock) -> None:
    server = sdk.v2.Server(SERVER)
    assert (server.alias, server.name, server.power_state, server.status) == (
        DEFAULT_USER.alias,
        SERVER,
        "started",
        "active",
    )
    assert server.memory == 4 and server.cpu == 2, "memoryMB turned into GB by the SDK"
    assert isinstance(server.data["changeInfo"]["createdDate"], int | float), "a Zulu date the SDK could parse"
    assert server.groupId.startswith("wa1-") and server.locationId == DEFAULT_USER.location
    (self_link,) = server.links
    assert requests.get(f"{mock.url}{self_link['href']}", headers=auth(mock), timeout=10).json()["id"] == SERVER


def test_an_unknown_server_does_not_exist(sdk: ModuleType, mock: Mock) -> None:
    with pytest.raises(sdk.CLCException, match="Server does not exist"):
        sdk.v2.Server("WA1ALIASNOPE01")
    other = requests.get(f"{mock.url}/v2/servers/OTHR/UC1OTHRWB01", headers=auth(mock), timeout=10)
    assert other.status_code == 403 and other.json()["message"]


def test_a_power_operation_fails_then_succeeds_as_scripted_over_http(sdk: ModuleType, mock: Mock) -> None:
    failing = by_polls(("notStarted", 1), ("executing", 1), end="failed")
    assert put_queue_script(mock, failing).json() == {
        "script": [dict(step, seconds=None) for step in failing[:2]]
        + [{"state": "failed", "seconds": None, "polls": None}]
    }
    server = sdk.v2.Server(SERVER)
    assert server.PowerOff().WaitUntilComplete(poll_freq=0) == 1, "one failed request"
    server.Refresh()
    assert server.power_state == "started", "a failed power-off leaves the server on"

    assert put_queue_script(mock, None).json() == {"script": None}
    mock.queue(by_polls(("executing", 2), end="succeeded"))  # the Python twin of the same control
    assert requests.get(f"{mock.url}{CONTROL_PREFIX}/queue", timeout=10).json()["script"][-1]["state"] == "succeeded"
    assert server.PowerOff().WaitUntilComplete(poll_freq=0) == 0
    server.Refresh()
    assert server.power_state == "stopped"


@pytest.mark.parametrize(
    "body",
    [{"script": ["notStarted", "resumed"]}, {"script": ["sleeping"]}, {"script": "failed"}, {"steps": []}, [1]],
)
def test_the_queue_control_refuses_a_bad_script_and_keeps_the_old_one(mock: Mock, body: Any) -> None:
    assert put_queue_script(mock, ["failed"]).status_code == 200
    refused = requests.put(f"{mock.url}{CONTROL_PREFIX}/queue", json=body, timeout=10)
    assert refused.status_code == 400 and refused.json()["error"]
    kept = requests.get(f"{mock.url}{CONTROL_PREFIX}/queue", timeout=10).json()
    assert kept == {"script": [{"state": "failed", "seconds": None, "polls": None}]}


def auth(mock: Mock) -> dict[str, str]:
    login = requests.post(
        f"{mock.url}/v2/authentication/login",
        json={"username": DEFAULT_USER.username, "password": DEFAULT_USER.password},
        timeout=10,
    )
    return {"Authorization": f"Bearer {login.json()['bearerToken']}"}
