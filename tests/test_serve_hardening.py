"""A mock safe to leave running (issue 14), at the transport: `jobcontract serve`'s servers (FastServer, and
moto's server for Import/Export) against clients that do not play fair, over real loopback sockets. The limits are
made small through the servers' constructors, so that each case takes a handful of sockets rather than thousands:
a client that reads none of its answers stops being read, and is disconnected in the end; a connection over the
cap is answered 503 with Retry-After; a slow head or body gets 408 and an idle connection is closed, while the
server's own waiting never counts against a client; the access log can be neither forged nor made to keep a
secret; SIGTERM lets the answers in flight reach their clients; the command line refuses a port out of range and a
scenario it would seed nothing from; Import/Export refuses a large body (413) and connections over its cap (503),
and times out a silent one."""

from __future__ import annotations

import asyncio
import http.client
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from serving import ROOT, served
from test_fastserver import exchange, statuses

from jobcontract.mocks import Clock, fastserver, make_app
from jobcontract.mocks.__main__ import main
from jobcontract.mocks.control import Control
from jobcontract.mocks.fastserver import FastServer, Timeouts
from jobcontract.mocks.importexport import ImportExportServer
from jobcontract.mocks.redaction import redact_query

# an echo job's results are its inputs: an answer of this many bytes, a client pipelining requests for it
BIG = 30_000
BIG_RESULTS = b"GET /jobs/big/results HTTP/1.1\r\nHost: x\r\n\r\n"
IMPORTEXPORT_LIST = b"Action=ListJobs&Version=2010-06-01"


@contextmanager
def fast(**limits: Any) -> Iterator[FastServer]:
    """The OGC mock on FastServer within `limits`, with a job whose results are BIG bytes."""
    with FastServer(make_app("ogc", clock=Clock(frozen=False)), **limits) as server:
        server.app.create_job(["successful"], "big", processID="echo", inputs={"text": "a" * BIG})
        yield server


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
    """Wait (a generous `timeout`) for something the server does in its own time."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.01)


def not_reading(server: FastServer, requests_sent: int) -> socket.socket:
    """A client that pipelines `requests_sent` requests for the BIG results and reads nothing (its kernel buffer
    small, so that the server's limits, not the kernel's buffers, hold the answers back)."""
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect((server.host, server.port))
    client.sendall(BIG_RESULTS * requests_sent)
    return client


@pytest.fixture(params=["uvloop", "asyncio"])
def loop_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Back-pressure is the transport's: checked on uvloop and on asyncio's own loop."""
    if request.param == "asyncio":
        monkeypatch.setattr(fastserver, "new_event_loop", asyncio.new_event_loop)
    elif fastserver.new_event_loop is asyncio.new_event_loop:
        pytest.skip("uvloop is not installed on this platform; the asyncio case covers the server")
    return str(request.param)


# -- unbounded buffering ----------------------------------------------------------------------------------------
def test_a_client_that_reads_none_of_its_answers_stops_being_read(loop_kind: str) -> None:
    pipelined, max_unsent = 400, 32 * 1024  # 12 MB of answers asked for: more than any kernel buffers for a socket
    with fast(max_unsent=max_unsent) as server, not_reading(server, pipelined) as client:
        wait_for(lambda: server.limits.counts["max-unsent"] == 1, "the server to stop reading the client")
        answered = len(server.app.journal())
        assert answered < pipelined, "the server went on answering a client that reads nothing"
        (connection,) = server._connections  # what the server holds for it: bounded, whatever was asked
        # at most: the bound, the answer that went over it, the requests parsed from the slice it went over in
        assert connection.reading_paused and connection.unsent_bytes <= max_unsent + BIG + 1024 + fastserver.FEED_SLICE
        # once the client reads, every answer comes, in order
        first = b""
        while b"a" * BIG not in first:
            first += client.recv(65536)
        one_answer = first.index(b"a" * BIG) + BIG + len(b'"}')
        received = bytearray(first)
        while len(received) < pipelined * one_answer:
            chunk = client.recv(1 << 20)
            assert chunk, f"the server closed after {len(received)} bytes"
            received += chunk
    assert len(received) == pipelined * one_answer and received.count(b"HTTP/1.1 200 OK\r\n") == pipelined


def test_a_client_that_reads_nothing_for_the_send_timeout_is_disconnected(caplog: pytest.LogCaptureFixture) -> None:
    with fast(max_unsent=32 * 1024, timeouts=Timeouts(send=0.2)) as server, not_reading(server, 400):
        wait_for(lambda: server.limits.counts["send-timeout"] == 1, "the send timeout")
        wait_for(lambda: not server._connections, "the connection to be closed")
    assert "a client read none of its answers for 0.2 s: disconnected" in caplog.text


# -- connections and time ---------------------------------------------------------------------------------------
def test_a_connection_over_the_cap_is_answered_503_and_closed(caplog: pytest.LogCaptureFixture) -> None:
    with fast(max_connections=2) as server:
        held = [http.client.HTTPConnection(server.host, server.port, timeout=5) for _ in range(2)]
        for connection in held:  # two keep-alive clients, answered and still connected
            connection.request("GET", "/conformance")
            assert connection.getresponse().read()
        over = requests.get(f"{server.url}/conformance", timeout=5)
        assert over.status_code == 503 and over.headers["Retry-After"] == "1"
        assert over.headers["Connection"] == "close" and "2 connections open, its limit" in over.text
        assert server.limits.counts["max-connections"] == 1
        assert "limit max-connections: 2 connections are open (--max-connections)" in caplog.text
        held[0].close()
        wait_for(
            lambda: requests.get(f"{server.url}/conformance", timeout=5).status_code == 200,
            "a place freed by a client that left",
        )
        held[1].close()


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"", "head"),
        (b"GET /conformance HTTP/1.1\r\nHost: x\r\n", "head"),
        (b"POST /processes/echo/execution HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{", "body"),
    ],
    ids=["nothing-sent", "head-unfinished", "body-unfinished"],
)
def test_a_request_that_does_not_arrive_in_time_gets_408(raw: bytes, kind: str) -> None:
    with fast(timeouts=Timeouts(head=0.2, body=0.2)) as server:
        received = exchange(server, raw)
        assert statuses(received) == [408], received[:300]
        assert f"the request {kind} did not arrive within 0.2 s".encode() in received
        assert b"Connection: close" in received and server.limits.counts[f"{kind}-timeout"] == 1


def test_an_idle_keep_alive_connection_is_closed_quietly() -> None:
    with fast(timeouts=Timeouts(idle=0.2)) as server:
        received = exchange(server, b"GET /conformance HTTP/1.1\r\nHost: x\r\n\r\n")  # reads until the server closes
        assert statuses(received) == [200] and not server.limits.counts


def test_the_servers_own_waiting_never_counts_against_a_client() -> None:
    """A delay longer than every timeout, with a request pipelined behind it: both answered."""
    with fast(timeouts=Timeouts(head=0.1, body=0.1, idle=0.1, send=0.1)) as server:
        slow = server.app.create_job(["successful"], faults={1: {"delay": 0.3}})
        raw = f"GET /jobs/{slow} HTTP/1.1\r\nHost: x\r\n\r\nGET /conformance HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        assert statuses(exchange(server, raw)) == [200, 200] and not server.limits.counts


def test_the_default_connection_cap_leaves_room_below_the_open_file_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    resource = pytest.importorskip("resource", reason="RLIMIT_NOFILE is a Unix limit")
    for soft, cap in [(1024, 960), (100_000, 1024), (resource.RLIM_INFINITY, 1024), (100, 50)]:
        monkeypatch.setattr(resource, "getrlimit", lambda _, soft=soft: (soft, soft))
        assert fastserver.default_max_connections() == cap


# -- the access log ---------------------------------------------------------------------------------------------
@contextmanager
def logged(name: str) -> Iterator[list[str]]:
    """The lines logged on logger `name`, as its own handler sees them: pytest's handlers (caplog's included)
    redact what they capture (suites/report.py), which would hide whether the server redacted anything."""
    lines: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger(name)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_the_access_log_escapes_what_a_client_sends_and_redacts_credentials() -> None:
    forged = b"/jobs/x%0d%0a127.0.0.1%20GET%20/forged%20200%1b[2J?access_token=s3cr3t-value&page=2"
    with fast(access_log=True) as server, logged("jobcontract.access") as lines:
        exchange(server, b"GET " + forged + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    (line,) = lines
    query = redact_query("access_token=s3cr3t-value&page=2")
    assert line == rf"GET /jobs/x\x0d\x0a127.0.0.1 GET /forged 200\x1b[2J?{query} 404" and "s3cr3t" not in line


def test_serve_writes_every_access_line_in_order_replayed_or_not(tmp_path: Path) -> None:
    """`serve`'s access log on stderr, where nothing else is configured: written a loop's turn at a time
    (FastServer.log_line), every request's line, in order, escaped, the last ones too when it stops."""
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr, served("ogc", stderr=stderr) as serving:
        job = requests.post(f"{serving.control}/jobs", json={"script": ["running"]}, timeout=10).json()["id"]
        with requests.Session() as session:
            answered = [session.get(f"{serving.url}/jobs/{job}", timeout=10).status_code for _ in range(4)]
            answered.append(session.get(f"{serving.url}/jobs/x%0d%0aforged", timeout=10).status_code)
    assert answered == [200, 200, 200, 200, 404]
    lines = [line for line in log.read_text().splitlines() if line.startswith("GET ")]
    assert lines == [f"GET /jobs/{job} 200"] * 4 + [r"GET /jobs/x\x0d\x0aforged 404"]


def test_loggable_escapes_every_non_printable_character() -> None:
    assert fastserver.loggable("plain /path?é=ü") == "plain /path?é=ü"
    assert fastserver.loggable("a\r\nb\x00\x7f\x85\u2028\\") == r"a\x0d\x0ab\x00\x7f\x85\u2028\\"


# -- stopping ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("drain", "hurried", "answered"), [(None, False, True), (0, False, False), (30, True, False)])
def test_stop_lets_answers_in_flight_finish_within_the_drain(
    caplog: pytest.LogCaptureFixture, drain: float | None, hurried: bool, answered: bool
) -> None:
    """The default drain lets a delayed answer finish (sent with Connection: close); `drain=0`, or a drain cut short
    (a second Ctrl-C), cuts it off, and says so."""
    server = FastServer(make_app("ogc", clock=Clock(frozen=False)))
    server.start()
    slow = server.app.create_job(["successful"], faults={1: {"delay": 0.3 if answered else 3}})
    received: list[bytes] = []

    def poll() -> None:
        try:
            received.append(exchange(server, f"GET /jobs/{slow} HTTP/1.1\r\nHost: x\r\n\r\n".encode()))
        except ConnectionResetError:
            received.append(b"")

    client = threading.Thread(target=poll)
    client.start()
    wait_for(lambda: len(server.app.journal()) == 1, "the poll to be in flight")
    if hurried:
        threading.Timer(0.05, server.hurry).start()
    server.stop(drain)
    client.join(timeout=10)
    if answered:
        assert statuses(received[0]) == [200] and b"Connection: close" in received[0] and server.cut_off == 0
    else:
        assert received == [b""] and server.cut_off == 1
        assert "stopping: cut off 1 connection(s) whose answers were still in flight" in caplog.text


def test_sigterm_lets_every_delayed_answer_reach_its_client(tmp_path: Path) -> None:
    with (tmp_path / "stderr").open("w") as stderr, served("ogc", stderr=stderr) as serving:
        process, url, control = serving.process, serving.url, serving.control
        answers: list[requests.Response] = []
        executes = [
            threading.Thread(
                target=lambda n=n: answers.append(
                    requests.post(
                        f"{url}/processes/echo/execution",
                        json={"inputs": {"n": n}},
                        headers={"Prefer": "respond-async, delay=0.8"},
                        timeout=30,
                    )
                )
            )
            for n in range(10)
        ]
        for execute in executes:
            execute.start()
        wait_for(
            lambda: sum(entry["path"].endswith("/execution") for entry in Control(control).journal()) == 10,
            "the ten executes to be in flight",
        )
        process.send_signal(signal.SIGTERM)
        for execute in executes:
            execute.join(timeout=30)
        assert process.wait(timeout=15) == 0
        assert process.stdout is not None and process.stdout.read().strip() == "ogc mock stopped"
    assert [answer.status_code for answer in answers] == [201] * 10
    assert all("/jobs/" in answer.headers["Location"] for answer in answers)
    assert "cut off" not in (tmp_path / "stderr").read_text()


# -- the command line -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "99999"], "argument --port: '99999': the port is a number from 0 (a free one) to 65535"),
        (["--port", "-1"], "argument --port: '-1': the port is a number from 0 (a free one) to 65535"),
        (["--max-connections", "0"], "argument --max-connections: '0': a whole number, at least 1"),
        (["--drain", "-1"], "argument --drain: '-1': a number of seconds, 0 or more"),
        (["--drain", "nan"], "argument --drain: 'nan': a number of seconds, 0 or more"),
    ],
)
def test_serve_refuses_limits_out_of_range(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--api", "ogc", *args])
    assert exited.value.code == 2 and message in capsys.readouterr().err


def test_serve_refuses_a_scenario_it_would_seed_nothing_from(capsys: pytest.CaptureFixture[str]) -> None:
    path = "fixtures/scenarios/ogc.yaml"
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--api", "cf", "--scenario", str(ROOT / path)])
    assert exited.value.code == 2
    assert (
        f"--scenario {ROOT / path} has jobs for ogc only, and this serve runs cf: it would seed nothing"
        " (serve --api ogc, or leave the file out)" in capsys.readouterr().err
    )


# -- Import/Export on moto's server -----------------------------------------------------------------------------
@contextmanager
def importexport(**limits: Any) -> Iterator[ImportExportServer]:
    with ImportExportServer(**limits) as server:
        yield server


def raw_exchange(url: str, raw: bytes) -> bytes:
    """Send `raw` on a fresh connection to `url`; all that comes back until the server closes."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(raw)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def test_importexport_answers_a_body_over_the_limit_413_before_reading_it() -> None:
    with importexport(max_body=1024) as server:
        head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        announced = raw_exchange(server.url, head + b"Content-Length: 50000000\r\n\r\n")  # and no body sent
        assert statuses(announced) == [413] and b"the request body is over 1024 bytes" in announced
        over = b"300\r\n" + b"x" * 0x300 + b"\r\n"  # two chunks of 768 bytes
        chunked = raw_exchange(server.url, head + b"Transfer-Encoding: chunked\r\n\r\n" + over * 2 + b"0\r\n\r\n")
        assert statuses(chunked) == [413] and server.limits.counts["max-body"] == 2
        small = b"%x\r\n%s\r\n0\r\n\r\n" % (len(IMPORTEXPORT_LIST), IMPORTEXPORT_LIST)
        listed = raw_exchange(server.url, head + b"Transfer-Encoding: chunked\r\n\r\n" + small)
        assert statuses(listed) == [200] and b"<ListJobsResponse" in listed, "a chunked body within the limit"


def test_importexport_refuses_an_http_0_9_request() -> None:
    with importexport() as server:
        received = raw_exchange(server.url, b"GET /\r\n\r\n")
    assert statuses(received) == [400] and b"(HTTP/0.9 is not served)" in received


def test_importexport_answers_503_over_its_connection_cap() -> None:
    with importexport(max_connections=2) as server:
        host, port = server.get_host_and_port()
        held = [socket.create_connection((host, port), timeout=10) for _ in range(2)]
        for connection in held:  # each holds a thread, waiting for the rest of its head
            connection.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
        over = [requests.post(server.url, data=IMPORTEXPORT_LIST, timeout=5) for _ in range(3)]
        assert [answer.status_code for answer in over] == [503] * 3
        assert over[0].headers["Retry-After"] == "1" and "2 connections at once" in over[0].text
        assert server.limits.counts["max-connections"] == 3
        for connection in held:
            connection.close()
        wait_for(
            lambda: requests.post(server.url, data=IMPORTEXPORT_LIST, timeout=5).status_code == 200,
            "a thread freed by a client that left",
        )


def test_importexport_closes_a_silent_connection_after_its_timeout() -> None:
    with importexport(timeout=0.2) as server:
        host, port = server.get_host_and_port()
        with socket.create_connection((host, port), timeout=10) as silent:
            silent.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
            assert silent.recv(1024) == b"", "the server closed the connection"
        wait_for(lambda: server.limits.counts["timeout"] == 1, "the timeout to be counted")


def test_importexport_stop_lets_a_request_in_flight_finish() -> None:
    server = ImportExportServer()
    server.start()
    answers: list[requests.Response] = []
    delayed = threading.Thread(
        target=lambda: answers.append(
            requests.post(server.url, data=IMPORTEXPORT_LIST, headers={"Prefer": "delay=0.3"}, timeout=10)
        )
    )
    delayed.start()
    wait_for(lambda: bool(server._server and server._server._answering), "the request to be in flight")
    server.stop()
    delayed.join(timeout=10)
    assert [answer.status_code for answer in answers] == [200] and server.cut_off == 0


def test_importexport_access_log_redacts_and_escapes() -> None:
    with importexport(access_log=True) as server, logged("werkzeug") as lines:
        raw_exchange(
            server.url,
            b"GET /x%0d%0a%C2%85%E2%80%A8forged?Signature=s3cr3t-value&Action=ListJobs HTTP/1.1\r\nHost: x\r\n\r\n",
        )
    # werkzeug leaves control characters percent-encoded and decodes the rest: NEL and U+2028 are escaped here
    query = redact_query("Signature=s3cr3t-value&Action=ListJobs")
    assert any(rf'"GET /x%0d%0a\x85\u2028forged?{query} HTTP/1.1"' in line for line in lines), lines
    assert not any("s3cr3t" in line for line in lines)
