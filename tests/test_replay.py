"""`serve` answers a repeated poll with the bytes it answered before (mocks/fastserver.py, `MockApp.replay`):
these tests hold that to being only a shortcut. A poll answered so is counted and journaled like any other, a
fault scripted on it still comes, and a job that has changed, a credential that has expired, a `Prefer:` header
or any other request in between gets a full answer.

The differential test drives two servers of the same API with the same operations, one replaying and one not
(`replays=False`), and requires the same answers (but `Date` and CF's per-answer request id) and journals."""

from __future__ import annotations

import http.client
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jobcontract.mocks import Clock, dialect, make_app
from jobcontract.mocks.app import MockApp
from jobcontract.mocks.cf import VALID_TOKEN, derived_guid
from jobcontract.mocks.engine import Engine, Observation
from jobcontract.mocks.fastserver import FastServer

START = datetime(2026, 12, 1, tzinfo=UTC)
SCRIPTS = {
    "ogc": [{"state": "accepted", "polls": 2}, {"state": "running", "seconds": 10}, {"state": "successful"}],
    "cf": [{"state": "PROCESSING", "polls": 2}, {"state": "POLLING", "seconds": 10}, {"state": "COMPLETE"}],
}
POLL_PATHS = {"ogc": "/jobs/{}", "cf": "/v3/jobs/{}"}
# the same Host for both servers, so that their links are the same
HEADERS = {
    "ogc": {"Host": "jobs.test:8080", "Accept": "application/json"},
    "cf": {"Host": "jobs.test:8080", "Authorization": f"Bearer {VALID_TOKEN}"},
}
VARYING = {"date", "x-vcap-request-id"}  # new in every answer, replayed or not
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Client:
    """One keep-alive connection to a served mock, reopened after the server closes it (a drop)."""

    def __init__(self, server: FastServer) -> None:
        self.server = server
        self.connection = http.client.HTTPConnection(server.host, server.port, timeout=10)

    def send(self, method: str, path: str, headers: dict[str, str]) -> tuple[Any, ...]:
        """(status, headers but the varying ones, body), or ("dropped",)."""
        try:
            self.connection.request(method, path, headers=headers)
            response = self.connection.getresponse()
            body = response.read()
        except (http.client.RemoteDisconnected, ConnectionError):
            self.connection.close()
            return ("dropped",)
        kept = sorted(
            (name.lower(), UUID.sub("<uuid>", value))  # a job made by the request (CF's delete) has a random id
            for name, value in response.getheaders()
            if name.lower() not in VARYING
        )
        return response.status, tuple(kept), body

    def close(self) -> None:
        self.connection.close()


def served(api: str, *, replays: bool) -> FastServer:
    server = FastServer(MockApp(dialect(api), Engine(Clock(START, frozen=True)), replays=replays))
    server.start()
    return server


@pytest.fixture(scope="module", params=["ogc", "cf"])
def pair(request: pytest.FixtureRequest) -> Iterator[tuple[str, FastServer, FastServer]]:
    """Two servers of one API on frozen clocks: one replaying repeated polls, one answering each in full."""
    replaying, answering = served(request.param, replays=True), served(request.param, replays=False)
    yield request.param, replaying, answering
    replaying.stop(0)
    answering.stop(0)


POLL_B = ("poll", "b", "GET")
POLL = st.tuples(st.just("poll"), st.sampled_from(["a", "b"]), st.just("GET"))
OPERATIONS = st.one_of(
    *[POLL] * 6,  # mostly polls, as a client's traffic is: what a replay answers
    st.tuples(st.just("poll"), st.sampled_from(["a", "b", "gone"]), st.sampled_from(["GET", "HEAD"])),
    st.tuples(st.just("poll-other-host"), st.sampled_from(["a", "b"])),
    st.tuples(st.just("prefer"), st.sampled_from(["a", "b"]), st.sampled_from(["code=404", "drop", "delay=0"])),
    st.tuples(st.just("advance"), st.sampled_from([1, 5, 20])),
    st.tuples(st.just("fault"), st.sampled_from(["a", "b"]), st.sampled_from([1, 2, 3])),
    st.tuples(st.just("update"), st.sampled_from(["a", "b"])),
    st.tuples(st.just("request"), st.sampled_from(["list", "delete-a", "delete-b"])),
    st.tuples(st.just("reset")),
)
# other requests, which may change what a poll shows (CF: deleting b's app takes b's link away once its delete job
# completes; OGC: a dismissed job is gone)
REQUESTS = {
    "ogc": {"list": ("GET", "/jobs"), "delete-a": ("DELETE", "/jobs/a"), "delete-b": ("DELETE", "/jobs/b")},
    "cf": {
        "list": ("GET", "/v3/apps"),
        "delete-a": ("DELETE", f"/v3/apps/{derived_guid('a')}"),
        "delete-b": ("DELETE", f"/v3/apps/{derived_guid('b')}"),
    },
}


def apply(api: str, server: FastServer, client: Client, operation: tuple[Any, ...]) -> Any:
    """Carry `operation` out on one server; what it showed. Time passes, and jobs change, behind the application's
    back (through the engine), as they do on a served mock whose clock runs."""
    kind, *args = operation
    app, headers, path = server.app, HEADERS[api], POLL_PATHS[api]
    if kind == "poll":
        return client.send(args[1], path.format(args[0]), headers)
    if kind == "poll-other-host":  # links are built from the Host a client used
        return client.send("GET", path.format(args[0]), {**headers, "Host": "mock.example:8443"})
    if kind == "prefer":
        return client.send("GET", path.format(args[0]), {**headers, "Prefer": args[1]})
    if kind == "advance":
        return app.engine.clock.advance(args[0])
    if kind == "fault":
        job = app.job(args[0])
        return app.engine.inject(args[0], {"status": 500}, job.poll + args[1]) if job is not None else None
    if kind == "request":
        method, target = REQUESTS[api][args[0]]
        return client.send(method, target, headers)
    if kind == "update":
        if app.job(args[0]) is not None:
            app.engine.update(args[0], warnings=["updated"] if api == "cf" else [], message="updated")
        return None
    app.reset()
    create_jobs(api, app)
    return None


def create_jobs(api: str, app: MockApp) -> None:
    """Job a with a fault scripted on its third poll; in CF, job b updates an app whose deletion takes b's link."""
    app.create_job(SCRIPTS[api], "a", faults={3: {"status": 500}})
    app.create_job(SCRIPTS[api][1:], "b", **({"operation": "app.update"} if api == "cf" else {}))


def seen(app: MockApp, job_id: str) -> Observation | None:
    observation = app.job(job_id)
    return replace(observation, revision=0) if observation is not None else None


def journal_of(app: MockApp) -> list[dict[str, Any]]:
    return [{k: v for k, v in entry.items() if k not in ("seq", "seconds")} for entry in app.journal()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=30))
# b ends and is polled, then its app is deleted (CF; OGC dismisses b): b's link goes once the delete job completes,
# though b itself has not changed, whether or not b is polled while the deletion is pending
@example(operations=[("advance", 20), POLL_B, ("request", "delete-b"), ("advance", 5), POLL_B])
@example(operations=[("advance", 20), POLL_B, ("request", "delete-b"), POLL_B, ("advance", 5), POLL_B])
def test_a_replaying_server_answers_and_journals_as_one_that_answers_every_poll_in_full(
    pair: tuple[str, FastServer, FastServer], operations: list[tuple[Any, ...]]
) -> None:
    api, replaying, answering = pair
    clients = Client(replaying), Client(answering)
    try:
        for server in (replaying, answering):
            server.app.reset()
            create_jobs(api, server.app)
        for number, operation in enumerate(operations):
            shown = [apply(api, server, client, operation) for server, client in zip(pair[1:], clients, strict=True)]
            assert shown[0] == shown[1], f"operation {number} {operation} of {operations}"
        assert journal_of(replaying.app) == journal_of(answering.app)
        for job_id in ("a", "b"):  # revisions are numbered across engines: the rest must be the same
            assert seen(replaying.app, job_id) == seen(answering.app, job_id)
    finally:
        for client in clients:
            client.close()


@pytest.fixture
def ogc() -> Iterator[FastServer]:
    server = FastServer(make_app("ogc", clock=Clock(START, frozen=True)), access_log=True)
    server.start()
    yield server
    server.stop(0)


def poll(server: FastServer, job_id: str, **headers: str) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request("GET", f"/jobs/{job_id}", headers={"Accept": "application/json", **headers})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_repeated_poll_is_rendered_once_yet_counted_and_journaled_each_time(
    ogc: FastServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rendered = []
    status_info = ogc.app.dialect.status_info
    monkeypatch.setattr(ogc.app.dialect, "status_info", lambda seen: rendered.append(seen) or status_info(seen))
    job = ogc.app.create_job([{"state": "running"}])
    with caplog.at_level(logging.INFO, logger="jobcontract.access"):
        answers = [poll(ogc, job) for _ in range(5)]
    assert len(rendered) == 1, "the four polls after the first are replayed"
    assert answers == [answers[0]] * 5 and answers[0][0] == 200
    job_seen = ogc.app.job(job)
    assert job_seen is not None and job_seen.poll == 5
    assert [(entry["path"], entry["status"]) for entry in ogc.app.journal()] == [(f"/jobs/{job}", 200)] * 5
    assert [record.getMessage() for record in caplog.records] == [f"GET /jobs/{job} 200"] * 5


def test_a_fault_scripted_on_a_later_poll_comes_on_that_poll(ogc: FastServer) -> None:
    job = ogc.app.create_job([{"state": "running"}], faults={4: {"status": 500}})
    assert [poll(ogc, job)[0] for _ in range(5)] == [200, 200, 200, 500, 200]


def test_a_state_reached_by_polls_or_by_time_shows_on_the_poll_it_is_reached(ogc: FastServer) -> None:
    job = ogc.app.create_job([{"state": "accepted", "polls": 3}, {"state": "running", "seconds": 10}, "successful"])
    assert [poll(ogc, job)[1]["status"] for _ in range(5)] == ["accepted"] * 3 + ["running"] * 2
    ogc.app.engine.clock.advance(11)  # the engine's clock, behind the application's back
    assert poll(ogc, job)[1]["status"] == "successful"


def test_a_prefer_header_or_another_host_gets_its_own_answer(ogc: FastServer) -> None:
    job = ogc.app.create_job([{"state": "running"}])
    poll(ogc, job)
    poll(ogc, job)
    assert poll(ogc, job, Prefer="code=404")[0] == 404
    other = poll(ogc, job, Host="mock.example:8443")[1]
    assert other["links"][0]["href"] == f"http://mock.example:8443/jobs/{job}"
    assert poll(ogc, job)[1]["links"][0]["href"] == f"{ogc.url}/jobs/{job}"


def test_a_job_gone_after_a_reset_is_not_replayed(ogc: FastServer) -> None:
    job = ogc.app.create_job([{"state": "running"}], job_id="kept")
    poll(ogc, job)
    poll(ogc, job)
    ogc.app.reset()
    assert poll(ogc, job)[0] == 404
    ogc.app.create_job([{"state": "failed"}], job_id="kept")  # the same id, another job
    assert poll(ogc, job)[1]["status"] == "failed"


def test_a_faulty_variant_is_never_replayed() -> None:
    """The faulty variants count polls (a state shown again every other poll): each poll is answered in full."""
    with FastServer(make_app("ogc", "state-goes-back", clock=Clock(START, frozen=True))) as server:
        assert not server.app.replays
        job = server.app.create_job([{"state": "running"}])
        states = [poll(server, job)[1]["status"] for _ in range(4)]
    assert states == ["running", "accepted", "running", "accepted"]


def cf_poll(server: FastServer, guid: str, token: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request("GET", f"/v3/jobs/{guid}", headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("X-VCAP-Request-ID") or ""
    finally:
        connection.close()


def test_cf_a_replayed_poll_has_a_new_request_id_and_stops_when_its_token_expires() -> None:
    with FastServer(make_app("cf", clock=Clock(START, frozen=True))) as server:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        connection.request(
            "POST",
            "/oauth/token",
            body="grant_type=password&username=admin&password=admin",
            headers={"Authorization": "Basic Y2Y6", "Content-Type": "application/x-www-form-urlencoded"},
        )
        token = json.loads(connection.getresponse().read())["access_token"]
        connection.close()
        job = server.app.create_job([{"state": "PROCESSING"}])
        answers = [cf_poll(server, job, token) for _ in range(3)]
        assert [status for status, _ in answers] == [200] * 3
        assert len({request_id for _, request_id in answers}) == 3, "each answer has its own request id"
        server.app.engine.clock.advance(600)  # the token lasts 599 s
        assert cf_poll(server, job, token)[0] == 401
        assert cf_poll(server, job, VALID_TOKEN)[0] == 200
