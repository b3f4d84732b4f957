"""The HTTP control API mirrors the Python one, says what is wrong with a bad request (never a 500),
and the journal keeps secrets out and marks what nobody scripted."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests
from serving import ROOT

from mocks import CONTROL_PREFIX, MockServer, make_app


@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer(make_app("ogc")) as running:
        yield running


def control(server: MockServer, method: str, path: str, **kwargs: object) -> requests.Response:
    return requests.request(method, f"{server.url}{CONTROL_PREFIX}{path}", timeout=10, **kwargs)  # type: ignore[arg-type]


def test_the_http_verbs_do_what_the_python_ones_do(server: MockServer) -> None:
    created = control(
        server, "POST", "/jobs", json={"id": "j1", "script": [{"state": "running", "seconds": 60}, "successful"]}
    )
    assert created.status_code == 201 and created.json() == {"id": "j1", "url": f"{server.url}/jobs/j1"}
    assert control(server, "GET", "/jobs").json() == {"jobs": ["j1"]}
    assert control(server, "POST", "/jobs/j1/faults", json={"fault": {"status": 500}}).json() == {"poll": 1}
    assert requests.get(f"{server.url}/jobs/j1", timeout=10).status_code == 500
    assert control(server, "POST", "/clock", json={"advance": 60}).status_code == 200
    shown = control(server, "GET", "/jobs/j1").json()
    assert (shown["state"], shown["polls"]) == ("successful", 1)
    assert server.app.job("j1") is not None and server.app.job("j1").state == "successful"  # type: ignore[union-attr]
    assert control(server, "POST", "/reset").status_code == 204
    assert server.app.job("j1") is None and control(server, "GET", "/journal").json() == {"requests": []}


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "says"),
    [
        ("POST", "/jobs", {"data": b"{nope"}, 400, "takes a JSON object"),
        ("POST", "/jobs", {"json": [1]}, 400, "takes a JSON object"),
        ("POST", "/jobs", {"json": {"scrpt": []}}, 400, "unknown field(s) ['scrpt']"),
        ("POST", "/jobs", {"json": {"script": ["finished"]}}, 400, "'finished' is not a ogc job state"),
        ("POST", "/jobs", {"json": {"script": []}}, 400, "at least one step"),
        ("POST", "/jobs", {"json": {"script": [{"state": "running", "seconds": -1}]}}, 400, "seconds must be"),
        ("POST", "/jobs", {"json": {"faults": {"0": {"status": 500}}}}, 400, "poll number"),
        ("POST", "/jobs/nobody/faults", {"json": {"fault": {"status": 500}}}, 404, "no job 'nobody'"),
        ("POST", "/jobs/nobody/faults", {"json": {"fault": {"status": 99}}}, 400, "HTTP status code"),
        ("GET", "/jobs/nobody", {}, 404, "no job 'nobody'"),
        ("POST", "/clock", {"json": {"advance": -5}}, 400, "only moves forward"),
        ("POST", "/clock", {"json": {"rewind": 5}}, 400, "advance the clock with"),
        ("DELETE", "/reset", {}, 405, ""),
    ],
)
def test_a_bad_control_request_says_what_is_wrong(
    server: MockServer, method: str, path: str, kwargs: dict[str, object], status: int, says: str
) -> None:
    response = control(server, method, path, **kwargs)
    assert response.status_code == status, response.text
    assert says in response.json()["error"]


def test_the_journal_redacts_secrets_and_skips_control_requests(server: MockServer) -> None:
    requests.get(f"{server.url}/jobs/x", headers={"Authorization": "Bearer s3cret", "X-Other": "kept"}, timeout=10)
    control(server, "GET", "/jobs")
    journal = control(server, "GET", "/journal").json()["requests"]
    assert [entry["path"] for entry in journal] == ["/jobs/x"]
    assert journal[0]["headers"]["Authorization"] == "[redacted]" and journal[0]["headers"]["X-Other"] == "kept"
    assert "s3cret" not in str(journal)


def test_a_bug_in_a_dialect_answers_the_documented_500_marked_unscripted(
    server: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(server.app.dialect, "getStatus", broken)
    response = requests.get(f"{server.url}/jobs/x", headers={"Accept": "application/json"}, timeout=10)
    assert response.status_code == 500 and response.headers["X-Jobcontract-Unscripted"] == "true"
    assert response.json()["type"].endswith("/server-error")
    assert server.app.journal()[-1]["unscripted"] is True


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--api", "nope"], "invalid choice: 'nope'"),
        (["--api", "ogc", "--variant", "nope"], "ogc has no variant 'nope'"),
    ],
)
def test_serve_refuses_bad_arguments_clearly(args: list[str], says: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mocks", "serve", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert says in result.stderr and "Traceback" not in result.stderr
