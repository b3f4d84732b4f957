"""The mock application around the engine: its HTTP control API mirrors the Python one and answers
every malformed request with a JSON error, its journal is safe to show, its faults behave over HTTP
and in-process alike, its `Prefer` selector reaches every documented answer, and `jobcontract
serve` starts and stops cleanly. Only the OGC dialect is used: it is the one every checkout has."""

from __future__ import annotations

import json
import re
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from serving import ROOT, SERVING, refused_serve
from werkzeug.wrappers import Request, Response

from jobcontract import contracts
from jobcontract.mocks import CONTROL_PREFIX, Clock, Engine, MockApp, MockServer, make_app
from jobcontract.mocks.answer import Answer
from jobcontract.mocks.control import observation_json
from jobcontract.mocks.redaction import REDACTED
from jobcontract.suites.common import check_response

IN_PROCESS = "http://ogc.jobcontract.invalid"
START = datetime(2024, 5, 4, 10, 13, tzinfo=UTC)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
OGC = contracts.load("ogc")


def fresh_app() -> MockApp:
    return make_app("ogc", clock=Clock(START, frozen=True))


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(fresh_app()) as running:  # stopping a server takes half a second: one per module
        yield running


@pytest.fixture
def served(server: MockServer) -> MockServer:
    """A fresh OGC mock (frozen clock at START) on 127.0.0.1."""
    server.app = fresh_app()
    server.app.base_url = server.url
    return server


def control(server: MockServer, method: str, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
    """A request to the control API; `body` is sent as JSON unless it is already bytes."""
    if body is not None:
        kwargs["data"] = body if isinstance(body, bytes) else json.dumps(body)
        kwargs["headers"] = {"Content-Type": "application/json", **kwargs.get("headers", {})}
    return requests.request(method, f"{server.url}{CONTROL_PREFIX}{path}", timeout=10, **kwargs)


def api_error_shape_problems(body: Any) -> list[str]:
    """Every way `body` breaks OGC's exception schema (the shape of all of the API's errors)."""
    return [error.message for error in OGC.response("execute", 400).validate("application/json", body)]


# -- the control API ------------------------------------------------------------------------------------
def test_the_http_control_api_mirrors_the_python_one() -> None:
    """Two mocks on the same frozen clock: one driven over HTTP, one through Python, asked the same."""
    script = [{"state": "accepted", "polls": 1}, {"state": "running", "seconds": 30}, "successful"]
    with MockServer(fresh_app()) as over_http, MockServer(fresh_app()) as in_python:
        created = control(
            over_http,
            "POST",
            "/jobs",
            {"script": script, "id": "mirror", "faults": {"2": {"status": 500}}, "attributes": {"message": "hi"}},
        )
        assert created.status_code == 201, created.text
        assert created.json() == {"id": "mirror", "url": f"{over_http.url}/jobs/mirror"}
        app = in_python.app
        assert app.create_job(script, "mirror", faults={2: {"status": 500}}, message="hi") == "mirror"
        assert app.status_url("mirror") == f"{in_python.url}/jobs/mirror"

        injected = control(over_http, "POST", "/jobs/mirror/faults", {"fault": {"status": 404}, "poll": 4})
        assert (injected.status_code, injected.json()) == (201, {"poll": 4})
        assert app.inject_fault("mirror", {"status": 404}, 4) == 4

        answers: dict[str, list[tuple[int, Any]]] = {"http": [], "python": []}
        for _ in range(3):
            for name, server in (("http", over_http), ("python", in_python)):
                polled = requests.get(f"{server.url}/jobs/mirror", timeout=10)
                answers[name].append((polled.status_code, polled.text.replace(server.url, "<base>")))
        advanced = control(over_http, "POST", "/clock", {"advance": 30})
        assert advanced.status_code == 200
        assert advanced.json()["seconds"] == app.advance(30) == 30
        assert advanced.json()["now"] == app.engine.clock.now().isoformat() == "2024-05-04T10:13:30+00:00"
        for name, server in (("http", over_http), ("python", in_python)):
            polled = requests.get(f"{server.url}/jobs/mirror", timeout=10)
            answers[name].append((polled.status_code, polled.text.replace(server.url, "<base>")))
        assert answers["http"] == answers["python"]
        assert [status for status, _ in answers["http"]] == [200, 500, 200, 404]

        shown = control(over_http, "GET", "/jobs/mirror")
        assert shown.status_code == 200
        job = app.job("mirror")
        assert job is not None and shown.json() == observation_json(job)
        assert shown.json()["state"] == "successful" and shown.json()["attributes"] == {"message": "hi"}
        assert control(over_http, "GET", "/jobs").json() == {"jobs": app.engine.job_ids()} == {"jobs": ["mirror"]}

        journal = control(over_http, "GET", "/journal")
        assert journal.status_code == 200
        strip = ("headers", "seconds")  # Host and timings differ between the two servers
        http_entries = [{k: v for k, v in e.items() if k not in strip} for e in journal.json()["requests"]]
        python_entries = [{k: v for k, v in e.items() if k not in strip} for e in app.journal()]
        assert http_entries == python_entries and len(http_entries) == 4

        reset = control(over_http, "POST", "/reset")
        assert (reset.status_code, reset.content) == (204, b"")
        app.reset()
        for server in (over_http, in_python):
            assert server.app.engine.job_ids() == [] and server.app.journal() == []
            assert control(server, "GET", "/jobs/mirror").status_code == 404


def test_the_control_api_describes_itself(served: MockServer) -> None:
    described = control(served, "GET", "")
    assert described.status_code == 200
    body = described.json()
    assert body["api"] == "ogc" and body["states"] == list(served.app.dialect.states)
    assert body["default_script"][0] == {"state": "accepted", "seconds": 2, "polls": None}
    assert body["control"]["advance clock"] == f"POST {CONTROL_PREFIX}/clock"


MALFORMED: list[tuple[str, str, str, Any, int, str]] = [
    ("bad JSON", "POST", "/jobs", b'{"script": [', 400, "the control API takes a JSON object"),
    ("not an object", "POST", "/jobs", b"[1, 2]", 400, "the control API takes a JSON object"),
    ("unknown field", "POST", "/jobs", {"scrip": ["running"]}, 400, "unknown field(s) ['scrip']"),
    ("unknown state", "POST", "/jobs", {"script": ["exploded"]}, 400, "'exploded' is not a ogc job state"),
    ("bad step", "POST", "/jobs", {"script": [{"state": "running", "polls": 0}]}, 400, "polls must be an integer"),
    ("step field", "POST", "/jobs", {"script": [{"state": "running", "hours": 1}]}, 400, "unknown step field(s)"),
    ("NaN seconds", "POST", "/jobs", b'{"script": [{"state": "running", "seconds": NaN}]}', 400, "not nan"),
    ("script not a list", "POST", "/jobs", {"script": "running"}, 400, "script must be a list of steps"),
    ("empty script", "POST", "/jobs", {"script": []}, 400, "a job script needs at least one step"),
    ("bad fault", "POST", "/jobs", {"faults": {"1": {"status": 1000}}}, 400, "HTTP status code, not 1000"),
    ("fault field", "POST", "/jobs", {"faults": {"1": {"code": 500}}}, 400, "unknown fault field(s) ['code']"),
    (
        "undocumented fault status",
        "POST",
        "/jobs",
        {"faults": {"1": {"status": 418}}},
        400,
        "a fault status 418 is not documented for getStatus (documented: 200, 404, 500)",
    ),
    ("undocumented injected", "POST", "/jobs/existing/faults", {"fault": {"status": 503}}, 400, "503 is not"),
    ("fault on poll 0", "POST", "/jobs", {"faults": {"0": {"status": 500}}}, 400, "keyed by poll number"),
    ("faults not an object", "POST", "/jobs", {"faults": [500]}, 400, "faults must be an object"),
    ("attributes not an object", "POST", "/jobs", {"attributes": ["x"]}, 400, "attributes must be an object"),
    ("reserved attribute", "POST", "/jobs", {"attributes": {"faults": 1}}, 400, "['faults'] are reserved"),
    ("id not a string", "POST", "/jobs", {"id": 5}, 400, "a job id is a non-empty string, not 5"),
    ("duplicate id", "POST", "/jobs", {"id": "existing"}, 400, "job 'existing' already exists"),
    ("drop and status", "POST", "/jobs/existing/faults", {"fault": {"drop": True, "status": 500}}, 400, "not both"),
    ("fault not an object", "POST", "/jobs/existing/faults", {"fault": "boom"}, 400, "a fault is an object"),
    ("poll not a number", "POST", "/jobs/existing/faults", {"fault": {}, "poll": "soon"}, 400, "not 'soon'"),
    ("poll a fraction", "POST", "/jobs/existing/faults", {"fault": {}, "poll": 2.5}, 400, "not 2.5"),
    ("poll a boolean", "POST", "/jobs/existing/faults", {"fault": {}, "poll": True}, 400, "not True"),
    ("drop not a boolean", "POST", "/jobs/existing/faults", {"fault": {"drop": "no"}}, 400, "not 'no'"),
    ("past poll", "POST", "/jobs/existing/faults", {"fault": {}, "poll": 1}, 400, "poll 1 is past"),
    ("fault on unknown job", "POST", "/jobs/nobody/faults", {"fault": {"status": 500}}, 404, "no job 'nobody'"),
    ("unknown job", "GET", "/jobs/nobody", None, 404, "no job 'nobody'"),
    ("clock backwards", "POST", "/clock", {"advance": -1}, 400, "the clock only moves forward"),
    ("clock past year 9999", "POST", "/clock", {"advance": 1e13}, 400, "a century at most"),
    ("clock NaN", "POST", "/clock", b'{"advance": NaN}', 400, "not nan"),
    ("clock field", "POST", "/clock", {"forward": 1}, 400, 'advance the clock with {"advance": seconds}'),
    ("unknown endpoint", "GET", "/nothing", None, 404, "The requested URL was not found"),
    ("wrong method", "DELETE", "/jobs", None, 405, "The method is not allowed"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"), [case[1:] for case in MALFORMED], ids=[c[0] for c in MALFORMED]
)
def test_a_malformed_control_request_gets_a_json_error_naming_the_problem(
    served: MockServer, method: str, path: str, body: Any, status: int, message: str
) -> None:
    served.app.create_job(["running"], "existing")
    requests.get(f"{served.url}/jobs/existing", timeout=10)  # its first poll has happened
    answer = control(served, method, path, body)
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    assert list(answer.json()) == ["error"] and message in answer.json()["error"], answer.json()
    assert served.app.engine.job_ids() == ["existing"], "a rejected request changed the jobs"
    assert served.app.engine.clock.now() == START, "a rejected request moved the clock"
    assert not any(entry["unscripted"] for entry in served.app.journal())


def test_a_bug_in_the_control_api_is_a_marked_500_not_a_missing_job(
    served: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only an unknown job is a 404: a stray KeyError inside the mock must not pass for one."""
    served.app.create_job(["running"], "existing")

    def broken(job_id: str) -> None:
        raise KeyError("a lookup the mock got wrong")

    monkeypatch.setattr(served.app, "job", broken)
    answer = control(served, "GET", "/jobs/existing")
    assert answer.status_code == 500 and answer.headers["X-Jobcontract-Unscripted"] == "true", answer.text


# -- the journal --------------------------------------------------------------------------------------------
def test_the_journal_redacts_secrets_and_leaves_out_control_requests(served: MockServer) -> None:
    secrets = {
        "Authorization": "Bearer s3cret",
        "X-Auth-Token": "t0ken",
        "Cookie": "session=c00kie",
        "X-Amz-Security-Token": "amz",
    }
    control(served, "POST", "/jobs", {"id": "j", "script": ["running"]}, headers={**secrets})
    requests.get(f"{served.url}/jobs/j", headers={**secrets, "X-Trace": "visible"}, timeout=10)
    control(served, "GET", "/jobs/j", headers=secrets)
    journal = control(served, "GET", "/journal").json()["requests"]
    assert [(entry["method"], entry["path"], entry["status"]) for entry in journal] == [("GET", "/jobs/j", 200)]
    headers = journal[0]["headers"]
    assert {name: headers[name] for name in secrets} == dict.fromkeys(secrets, REDACTED)
    assert headers["X-Trace"] == "visible"
    for secret in ("s3cret", "t0ken", "c00kie", "amz"):
        assert secret not in json.dumps(journal)


def test_the_journal_keeps_only_the_latest_requests_up_to_the_limit() -> None:
    app = fresh_app()
    with app.intercept(IN_PROCESS):
        for number in range(Engine.JOURNAL_LIMIT + 10):
            requests.get(f"{IN_PROCESS}/jobs/job-{number}", timeout=10)
        journal = requests.get(f"{IN_PROCESS}{CONTROL_PREFIX}/journal", timeout=10).json()["requests"]
    assert len(journal) == Engine.JOURNAL_LIMIT
    assert journal[0]["path"] == "/jobs/job-10" and journal[-1]["path"] == f"/jobs/job-{Engine.JOURNAL_LIMIT + 9}"
    assert journal[-1]["seq"] == Engine.JOURNAL_LIMIT + 10


# -- faults -------------------------------------------------------------------------------------------------
def test_a_drop_fault_closes_the_connection_over_http(served: MockServer) -> None:
    served.app.create_job(["running"], "j", faults={1: {"drop": True}})
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{served.url}/jobs/j", timeout=10)
    assert requests.get(f"{served.url}/jobs/j", timeout=10).status_code == 200, "only the scripted poll drops"
    journal = served.app.journal()
    assert [(e["status"], e["dropped"]) for e in journal] == [(None, True), (200, False)]


def test_a_drop_fault_raises_connection_error_in_process() -> None:
    app = fresh_app()
    app.create_job(["running"], "j")
    app.inject_fault("j", {"drop": True})
    with app.intercept(IN_PROCESS):
        with pytest.raises(requests.exceptions.ConnectionError, match="dropped by a scripted fault"):
            requests.get(f"{IN_PROCESS}/jobs/j", timeout=10)
        assert requests.get(f"{IN_PROCESS}/jobs/j", timeout=10).status_code == 200
    assert [(e["status"], e["dropped"]) for e in app.journal()] == [(None, True), (200, False)]


def test_a_delayed_poll_does_not_hold_up_other_requests(served: MockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    app = served.app
    app.create_job(["running"], "slow", faults={1: {"delay": 1.5}})
    app.create_job(["running"], "fast")
    delaying = threading.Event()
    answer = app.answer

    def answer_then_announce(request: Any) -> Answer:
        planned = answer(request)
        if planned.delay:
            delaying.set()
        return planned

    monkeypatch.setattr(app, "answer", answer_then_announce)
    order: list[str] = []
    slow_answer: list[int] = []

    def slow_client() -> None:
        slow_answer.append(requests.get(f"{served.url}/jobs/slow", timeout=30).status_code)
        order.append("slow")

    slow = threading.Thread(target=slow_client)
    slow.start()
    assert delaying.wait(timeout=30), "the slow poll never reached its delay"
    with requests.Session() as fast:
        answers = [
            fast.get(f"{served.url}/jobs/fast", timeout=30).status_code,
            fast.get(f"{served.url}/conformance", timeout=30).status_code,
            fast.get(f"{served.url}/jobs/unknown", timeout=30).status_code,
            fast.get(f"{served.url}{CONTROL_PREFIX}/jobs/fast", timeout=30).status_code,
        ]
    order.append("fast")
    slow.join(timeout=30)
    assert answers == [200, 200, 404, 200]
    assert slow_answer == [200]
    assert order == ["fast", "slow"], "the fast client waited for the delayed poll"


# -- the Prefer selector ------------------------------------------------------------------------------------
def operation_requests() -> list[tuple[str, str, str]]:
    """(operationId, method, path) for every operation of the OGC contract, with its parameters filled in."""
    filled = {"jobId": "any-job", "processId": "echo"}
    return [
        (str(op["operationId"]), method.upper(), re.sub(r"\{(\w+)\}", lambda m: filled[m.group(1)], path))
        for path, method, op in OGC.operations()
    ]


DOCUMENTED = [(op, method, path, r.status) for op, method, path in operation_requests() for r in OGC.responses(op)]


@pytest.mark.parametrize(
    ("operation_id", "method", "path", "status"), DOCUMENTED, ids=[f"{op}-{status}" for op, _, _, status in DOCUMENTED]
)
def test_prefer_code_answers_the_documented_response(
    served: MockServer, operation_id: str, method: str, path: str, status: str
) -> None:
    answer = requests.request(
        method,
        f"{served.url}{path}",
        json={"inputs": {}} if method == "POST" else None,
        headers={"Prefer": f"code={status}", "Accept": "application/json"},
        timeout=10,
    )
    assert answer.status_code == int(status), answer.text
    check_response("ogc", operation_id, answer)  # documented media type, required headers, schema
    fixtures = [f.body() for f in OGC.fixtures() if f.operation_id == operation_id and f.status == status]
    if int(status) < 400:
        assert answer.content in fixtures, "a success must be one of the contract's examples"
    else:
        assert answer.json()["status"] == int(status) and "selected by Prefer" in answer.json()["detail"]
    assert served.app.engine.job_ids() == [], "a selected answer must not run the operation"


LABELLED = [f for f in OGC.fixtures() if f.label is not None]


@pytest.mark.parametrize("fixture", LABELLED, ids=[f"{f.operation_id}-{f.status}-{f.label}" for f in LABELLED])
def test_prefer_example_picks_that_fixture(served: MockServer, fixture: contracts.Fixture) -> None:
    method, path = next((m, p) for op, m, p in operation_requests() if op == fixture.operation_id)
    answer = requests.request(
        method, f"{served.url}{path}", headers={"Prefer": f"code={fixture.status}, example={fixture.label}"}, timeout=10
    )
    assert answer.status_code == int(fixture.status)
    assert answer.content == fixture.body()
    assert check_response("ogc", fixture.operation_id, answer)["status"] == fixture.label


def test_prefer_code_honours_accept_for_html(served: MockServer) -> None:
    answer = requests.get(f"{served.url}/jobs/x", headers={"Prefer": "code=200", "Accept": "text/html"}, timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    assert answer.content == (contracts.FIXTURES_DIR / "ogc" / "getStatus" / "200.html").read_bytes()


@pytest.mark.parametrize(
    ("prefer", "documented"),
    [
        ("code=418", "Prefer: code=418 is not documented for getStatus (documented: 200, 404, 500)"),
        ("code=abc", "Prefer: code=abc is not documented for getStatus (documented: 200, 404, 500)"),
        ("code=200, example=exploded", "no example 'exploded' for getStatus 200 (examples: accepted, dismissed,"),
        ("code=404, example=exploded", "no example 'exploded' for getStatus 404 (examples: none)"),
    ],
)
def test_prefer_for_something_undocumented_is_a_400_naming_what_is_documented(
    served: MockServer, prefer: str, documented: str
) -> None:
    answer = requests.get(f"{served.url}/jobs/x", headers={"Prefer": prefer, "Accept": "application/json"}, timeout=10)
    assert answer.status_code == 400
    assert api_error_shape_problems(answer.json()) == []
    assert documented in answer.json()["detail"]


# -- the same answers over HTTP and in-process -----------------------------------------------------------
EXCHANGES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/conformance", {}),
    ("GET", "/conformance", {"headers": {"Accept": "text/html"}}),
    ("GET", "/jobs/j1", {}),
    ("GET", "/jobs/j1", {}),  # its scripted 500
    ("GET", "/jobs/j1", {"headers": {"Accept": "text/html"}}),
    ("GET", "/jobs/unknown", {}),
    ("GET", "/jobs/unknown", {"headers": {"Accept": "text/html"}}),
    ("DELETE", "/jobs/j2", {}),
    ("DELETE", "/jobs/j2", {}),
    ("PUT", "/jobs/j1", {}),
    ("GET", "/nowhere", {}),
    ("POST", "/processes/echo/execution", {"json": {"inputs": {"a": 1}}, "headers": {"Prefer": "respond-async"}}),
    ("POST", "/processes/echo/execution", {"data": b"{", "headers": {"Content-Type": "application/json"}}),
    ("POST", "/processes/unknown/execution", {"json": {}}),
    ("GET", "/jobs/j1", {"headers": {"Prefer": "code=404"}}),
    ("GET", "/jobs/j1", {"headers": {"Prefer": "code=200, example=failed"}}),
    ("GET", "/jobs/j1", {"headers": {"Prefer": "code=201"}}),
    ("GET", f"{CONTROL_PREFIX}/jobs/j1", {}),
    ("POST", f"{CONTROL_PREFIX}/jobs", {"data": b"[]", "headers": {"Content-Type": "application/json"}}),
]
COMPARED_HEADERS = ("Content-Type", "Location", "Allow", "Preference-Applied", "X-Jobcontract-Unscripted")


def exchange_all(app: MockApp, base_url: str) -> list[tuple[int, dict[str, str], str]]:
    """Every EXCHANGE against `app` from a fresh start, with the base URL and generated ids blanked out."""
    app.reset()
    app.create_job([{"state": "accepted", "polls": 1}, "running"], "j1", faults={2: {"status": 500}}, processID="echo")
    app.create_job(["successful"], "j2")
    answers = []
    for method, path, kwargs in EXCHANGES:
        answer = requests.request(method, f"{base_url}{path}", timeout=10, **kwargs)

        def blank(text: str) -> str:
            return UUID.sub("<id>", text.replace(base_url, "<base>"))

        headers = {name: blank(answer.headers[name]) for name in COMPARED_HEADERS if name in answer.headers}
        answers.append((answer.status_code, headers, blank(answer.text)))
    return answers


def test_the_same_app_answers_the_same_over_http_and_in_process() -> None:
    app = fresh_app()
    with MockServer(app) as server:
        over_http = exchange_all(app, server.url)
    with app.intercept(IN_PROCESS):
        in_process = exchange_all(app, IN_PROCESS)
    assert [status for status, _, _ in over_http] == [
        200, 200, 200, 500, 200, 404, 404, 200, 404, 405, 404, 201, 400, 404, 404, 200, 400, 200, 400,
    ]  # fmt: skip
    for number, (http, local) in enumerate(zip(over_http, in_process, strict=True)):
        assert http == local, f"{EXCHANGES[number][:2]} differs"


# -- a bug in a handler -----------------------------------------------------------------------------------
def test_an_exception_in_a_handler_answers_the_documented_500_marked_unscripted(
    served: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(request: Request, jobId: str) -> Response:
        raise RuntimeError(f"boom while answering {jobId}")

    monkeypatch.setattr(served.app.dialect, "getStatus", broken)
    served.app.create_job(["running"], "j")
    over_http = requests.get(f"{served.url}/jobs/j", headers={"Accept": "application/json"}, timeout=10)
    with served.app.intercept(IN_PROCESS):
        in_process = requests.get(f"{IN_PROCESS}/jobs/j", headers={"Accept": "application/json"}, timeout=10)
    for answer in (over_http, in_process):
        assert answer.status_code == 500
        assert answer.headers["X-Jobcontract-Unscripted"] == "true"
        body = check_response("ogc", "getStatus", answer)  # the API's documented 500, not a bare error page
        assert "unscripted" in body["detail"] and "boom" not in answer.text, "the mock's internals stay inside"
    journal = served.app.journal()
    assert [(e["status"], e["unscripted"]) for e in journal] == [(500, True), (500, True)]
    assert requests.get(f"{served.url}/conformance", timeout=10).status_code == 200, "the mock still answers"
    assert served.app.journal()[-1]["unscripted"] is False


# -- jobcontract serve ----------------------------------------------------------------------------------
def serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "jobcontract.mocks", "serve", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def first_line(process: subprocess.Popen[str], timeout: float = 60) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, "serve printed nothing"
    return process.stdout.readline()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_prints_its_url_serves_and_exits_cleanly(stop: signal.Signals) -> None:
    process = serve("--api", "ogc", "--port", "0")
    try:
        line = first_line(process)
        found = SERVING.match(line.rstrip("\n"))
        assert found and found.group(1) == "ogc", f"serve printed {line!r}"
        url = found.group(2)
        assert requests.get(f"{url}/conformance", timeout=10).status_code == 200
        created = requests.post(f"{url}{CONTROL_PREFIX}/jobs", json={"script": ["running"]}, timeout=10)
        assert created.status_code == 201
        assert requests.get(created.json()["url"], timeout=10).json()["status"] == "running"
        process.send_signal(stop)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
    assert "ogc mock stopped" in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--api", "nope"], "invalid choice: 'nope'"),
        (["--api", "ogc", "--variant", "nope"], "ogc has no variant 'nope'; its variants are"),
    ],
    ids=["bad api", "bad variant"],
)
def test_serve_rejects_a_bad_api_or_variant_clearly(args: list[str], says: str) -> None:
    result = refused_serve(*args)
    assert result.returncode != 0
    assert says in result.stderr and "Traceback" not in result.stderr, result.stderr
    if "variant" in args:
        assert "wrong-status-enum" in result.stderr, "the message should list the variants there are"


def test_serve_on_a_port_in_use_says_so_without_a_traceback() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = refused_serve("--api", "ogc", "--port", str(port))
    assert result.returncode != 0
    assert "in use" in result.stderr and str(port) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


# -- the shape: a dialect alone adds an endpoint --------------------------------------------------------------
def test_an_endpoint_added_in_a_dialect_alone_gets_links_faults_validation_and_the_journal() -> None:
    """A newcomer adds a route and its method to a dialect subclass and touches nothing else: the application
    routes to it, builds its links from the request, carries out the fault scripted on the job it polls and the
    request's own `Prefer: drop`, journals it, and still answers 405 and 404 the API's way around it."""
    from werkzeug.routing import Rule

    from jobcontract.mocks.ogc import OgcDialect

    class WithProgress(OgcDialect):
        rules = (*OgcDialect.rules, Rule("/jobs/<path:jobId>/progress", endpoint="getProgress", methods=["GET"]))

        def getProgress(self, request: Request, jobId: str) -> Response | Answer:
            observation = self.poll(jobId)
            if observation is None:
                return self.error(request, 404, f"no job {jobId!r}")
            body = {"progress": observation.progress, "job": self.status_url(jobId)}
            return self.polled(observation, self.json(body))

    app = MockApp(WithProgress, Engine(Clock(START, frozen=True)))
    app.create_job(["running"], "p", faults={2: {"status": 500}, 3: {"drop": True}})
    with app.intercept(IN_PROCESS):
        first = requests.get(f"{IN_PROCESS}/jobs/p/progress", headers={"Host": "public.example:8443"}, timeout=10)
        assert first.status_code == 200
        assert first.json() == {"progress": 100, "job": "http://public.example:8443/jobs/p"}
        scripted = requests.get(f"{IN_PROCESS}/jobs/p/progress", timeout=10)
        assert (scripted.status_code == 500 and scripted.json()["type"].endswith("server-error")) or scripted.json()
        with pytest.raises(requests.exceptions.ConnectionError, match="dropped by a scripted fault"):
            requests.get(f"{IN_PROCESS}/jobs/p/progress", timeout=10)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"{IN_PROCESS}/jobs/p/progress", headers={"Prefer": "drop"}, timeout=10)
        assert requests.post(f"{IN_PROCESS}/jobs/p/progress", timeout=10).status_code == 405
        assert requests.get(f"{IN_PROCESS}/jobs/p/elsewhere", timeout=10).status_code == 404
    assert [(e["path"], e["status"], e["dropped"]) for e in app.journal()][:4] == [
        ("/jobs/p/progress", 200, False),
        ("/jobs/p/progress", 500, False),
        ("/jobs/p/progress", None, True),
        ("/jobs/p/progress", None, True),
    ]


def test_a_dialect_calls_nothing_above_it() -> None:
    """One direction of calls: the dialects (and their faulty variants) import the engine, the links and the
    answer, never the application, the control API or the servers."""
    import ast
    from pathlib import Path

    above = {"app", "control", "fastserver", "intercept", "examples", "routing", "workbench"}
    for path in [ROOT / "mocks" / f"{name}.py" for name in ("dialect", "ogc", "cf", "clc")] + sorted(
        (ROOT / "mocks" / "faulty").glob("*.py")
    ):
        tree = ast.parse(Path(path).read_text())
        imported = {
            (node.module or "").rsplit(".", 1)[-1]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level > 0
        }
        assert not imported & above, f"{path.name} imports {sorted(imported & above)}"
