"""FastServer, the event-loop server `serve` runs: HTTP/1.1 as clients speak it, bad input refused in
words, faults carried out by the loop without holding up anyone else. Raw sockets where `requests`
would hide what is on the wire (pipelining, Expect, HTTP/1.0, malformed requests)."""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobcontract.mocks import CONTROL_PREFIX, Clock, fastserver, make_app
from jobcontract.mocks.fastserver import FastServer


@pytest.fixture(params=["uvloop", "asyncio"])
def fast_ogc(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastServer]:
    """The OGC mock on FastServer, on uvloop and on asyncio's own loop (what serves where uvloop is not built)."""
    if request.param == "asyncio":
        monkeypatch.setattr(fastserver, "new_event_loop", asyncio.new_event_loop)
    elif fastserver.new_event_loop is asyncio.new_event_loop:
        pytest.skip("uvloop is not installed on this platform; the asyncio case covers the server")
    with FastServer(make_app("ogc", clock=Clock(frozen=False))) as server:
        yield server


def exchange(server: FastServer, raw: bytes, *, until_closed: bool = True, timeout: float = 10) -> bytes:
    """Send `raw` on a fresh connection; everything the server sends back until it closes (or `timeout`)."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as connection:
        connection.sendall(raw)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
            if not until_closed:
                break
        return received


def own_host(server: FastServer) -> str:
    """The `Host` of a request to the server's control API, which refuses any other (DNS rebinding)."""
    return f"{server.host}:{server.port}"


def statuses(received: bytes) -> list[int]:
    """The status of each answer in `received`, read one after another by their Content-Length."""
    found = []
    while received:
        head, separator, rest = received.partition(b"\r\n\r\n")
        assert separator and head.startswith(b"HTTP/1.1 "), f"not an answer: {received[:200]!r}"
        lines = head.split(b"\r\n")
        found.append(int(lines[0].split()[1]))
        fields = dict(line.lower().split(b": ", 1) for line in lines[1:])
        received = rest[int(fields.get(b"content-length", 0)) :]
    return found


def test_the_fast_server_answers_the_same_application(fast_ogc: FastServer) -> None:
    job = fast_ogc.app.create_job(["successful"])
    answer = requests.get(f"{fast_ogc.url}/jobs/{job}", timeout=5)
    assert answer.status_code == 200 and answer.json()["status"] == "successful"
    assert answer.headers["Server"] == "jobcontract" and answer.headers["Date"].endswith(" GMT")
    missing = requests.get(f"{fast_ogc.url}/jobs/no-such-job", timeout=5)
    assert missing.status_code == 404 and missing.json()["type"].endswith("/no-such-job")
    assert [entry["status"] for entry in fast_ogc.app.journal()] == [200, 404]


def test_pipelined_requests_are_answered_in_order_even_behind_a_delay(fast_ogc: FastServer) -> None:
    slow = fast_ogc.app.create_job(["successful"], faults={1: {"delay": 0.5}})
    quick = fast_ogc.app.create_job(["successful"])
    raw = (
        f"GET /jobs/{slow} HTTP/1.1\r\nHost: x\r\n\r\n"
        f"GET /jobs/{quick} HTTP/1.1\r\nHost: x\r\n\r\n"
        f"GET /jobs/nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    ).encode()
    received = exchange(fast_ogc, raw)
    assert statuses(received) == [200, 200, 404]
    assert received.index(slow.encode()) < received.index(quick.encode()), "answers in the order asked"


@pytest.mark.parametrize(
    ("target", "status"),
    [("/jobs/a%20b%2Fc?x=1", 200), ("http://anyhost/jobs/a%20b%2Fc", 200), ("/jobs/a%20b", 404), ("*", 404)],
    ids=["percent-encoded", "absolute-form", "another-job", "asterisk"],
)
def test_request_targets_reach_the_job_they_name(fast_ogc: FastServer, target: str, status: int) -> None:
    fast_ogc.app.create_job(["running"], "a b/c")
    received = exchange(fast_ogc, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert statuses(received) == [status], received[:300]
    if status == 200:
        assert b'"jobID": "a b/c"' in received


def test_a_refusal_behind_a_delayed_answer_comes_after_it(fast_ogc: FastServer) -> None:
    slow = fast_ogc.app.create_job(["successful"], faults={1: {"delay": 0.3}})
    raw = f"GET /jobs/{slow} HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP AT ALL\r\n\r\n".encode()
    received = exchange(fast_ogc, raw)
    assert statuses(received) == [200, 400], received[:300]


def test_no_100_continue_comes_ahead_of_an_earlier_answer(fast_ogc: FastServer) -> None:
    slow = fast_ogc.app.create_job(["successful"], faults={1: {"delay": 0.3}})
    body = json.dumps({"script": ["running"], "id": "second"}).encode()
    raw = (
        f"GET /jobs/{slow} HTTP/1.1\r\nHost: x\r\n\r\n"
        f"POST {CONTROL_PREFIX}/jobs HTTP/1.1\r\nHost: {own_host(fast_ogc)}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    ).encode() + body
    assert statuses(exchange(fast_ogc, raw)) == [200, 201]


def test_a_delayed_poll_does_not_hold_up_other_clients(fast_ogc: FastServer) -> None:
    slow = fast_ogc.app.create_job(["successful"], faults={1: {"delay": 2.0}})
    quick = fast_ogc.app.create_job(["successful"])
    delayed = threading.Thread(target=requests.get, args=(f"{fast_ogc.url}/jobs/{slow}",), kwargs={"timeout": 10})
    delayed.start()
    while fast_ogc.app.job(slow).poll == 0:  # wait until the delayed poll is being served
        time.sleep(0.01)
    assert requests.get(f"{fast_ogc.url}/jobs/{quick}", timeout=5).status_code == 200
    assert delayed.is_alive(), "the quick poll was answered while the delayed one still waited"
    delayed.join()


def test_a_dropped_poll_closes_the_connection_without_an_answer(fast_ogc: FastServer) -> None:
    job = fast_ogc.app.create_job(["successful"], faults={1: {"drop": True}})
    assert exchange(fast_ogc, f"GET /jobs/{job} HTTP/1.1\r\nHost: x\r\n\r\n".encode()) == b""
    assert requests.get(f"{fast_ogc.url}/jobs/{job}", timeout=5).status_code == 200  # the next poll is answered


def test_expect_100_continue_a_chunked_body_head_and_http_1_0(fast_ogc: FastServer) -> None:
    body = json.dumps({"script": ["running"], "id": "chunked"}).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    raw = (
        f"POST {CONTROL_PREFIX}/jobs HTTP/1.1\r\nHost: {own_host(fast_ogc)}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    ).encode() + chunked
    received = exchange(fast_ogc, raw)
    assert statuses(received) == [100, 201] and b'"id": "chunked"' in received
    head = exchange(fast_ogc, b"HEAD /jobs/chunked HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert statuses(head) == [200] and head.endswith(b"\r\n\r\n"), "a HEAD answer has headers only"
    assert b"Content-Length: " in head and b"Content-Length: 0" not in head
    old = exchange(fast_ogc, b"GET /jobs/chunked HTTP/1.0\r\n\r\n")  # no keep-alive: the server closes
    assert statuses(old) == [200] and b"Connection: close" in old and b'"jobID": "chunked"' in old


@pytest.mark.parametrize(
    ("raw", "status", "says"),
    [
        (b"NOT HTTP AT ALL\r\n\r\n", 400, b"not an HTTP/1.1 request"),
        (b"GET /\r\n\r\n", 400, b"the request line has no HTTP version (HTTP/0.9 is not served)"),
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, b"HTTP/2.0 is not served here"),
        (b"GET /jobs/x HTTP/1.1\r\nHost: x\r\nContent-Length: nine\r\n\r\n", 400, b"not an HTTP/1.1 request"),
        (b"GET /jobs/x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431, b"head is over 65536"),
        (b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n" + b"{" * 2_000_000, 413, b"over 1048576"),
    ],
    ids=["garbage", "http-0.9", "http-2.0", "bad-length", "huge-head", "huge-body"],
)
def test_bad_input_gets_a_plain_answer_and_a_closed_connection(
    fast_ogc: FastServer, raw: bytes, status: int, says: bytes
) -> None:
    try:
        received = exchange(fast_ogc, raw)
    except ConnectionResetError:  # the server closed while the client was still sending the rest
        pytest.fail("the refusal was lost: the server reset the connection instead of answering")
    assert statuses(received) == [status], received[:300]
    assert says in received and b"Connection: close" in received
    assert requests.get(f"{fast_ogc.url}/conformance", timeout=5).status_code == 200, "the server goes on"


def test_an_upgrade_request_is_answered_as_plain_http(fast_ogc: FastServer) -> None:
    """RFC 9110 lets a server ignore Upgrade; the connection goes on as HTTP/1.1."""
    raw = (
        b"GET /conformance HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        b"GET /jobs/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert statuses(exchange(fast_ogc, raw)) == [200, 404]


def test_stop_closes_open_connections_and_frees_the_port() -> None:
    server = FastServer(make_app("ogc"))
    server.start()
    port = server.port
    idle = http.client.HTTPConnection("127.0.0.1", port, timeout=5)  # a keep-alive client, now idle
    idle.request("GET", "/conformance")
    assert idle.getresponse().read() and idle.sock is not None
    server.stop()
    assert idle.sock.recv(1) == b"", "the idle connection was closed"
    idle.close()
    assert not server.is_running()
    with FastServer(make_app("ogc"), port=port) as again:  # the same port binds again at once
        assert requests.get(f"{again.url}/conformance", timeout=5).status_code == 200


def test_a_taken_port_is_an_error_at_start(fast_ogc: FastServer) -> None:
    with pytest.raises(OSError):
        FastServer(make_app("ogc"), port=fast_ogc.port).start()


# -- anything a client can send: the server answers in HTTP or closes, never fails, and goes on --------
TARGET_PIECES = st.sampled_from(
    [b"jobs/", b"x", b"jobs", b"__jobcontract", b"__jobcontract/jobs", b"conformance", b"/", b"?", b"=", b"&", b"%",
     b"%zz", b"%2F", b"%C3%A9", b"%ff", b"#", b"*", b"..", b"\xc3\xa9"]
)  # fmt: skip
HEADER_LINES = st.sampled_from(
    [b"Host: x", b"Content-Length: 5", b"Content-Length: 0", b"Transfer-Encoding: chunked", b"Expect: 100-continue",
     b"Connection: close", b"Connection: keep-alive", b"Prefer: drop", b"Prefer: code=500",
     b"Prefer: code=404, example=nope", b"Prefer: delay=0.01", b"Prefer: dribble=0.01", b"Prefer: delay=x",
     b"Accept: text/html", b"Accept: */*;q=bad", b"Content-Type: application/json", b"Content-Type: text/plain",
     b"Authorization: Bearer x", b"Upgrade: h2c"]
)  # fmt: skip
ODD_HEADER_LINES = st.sampled_from([b"Content-Length: -1", b"X-\xc3\xa9: \xff", b"Bad Header", b": no name"])
BODIES = st.sampled_from([b"", b"{", b'{"script": ["running"]}', b"0\r\n\r\n", b"5\r\nabc", b"\x00\xff"])


def mostly(usual: bytes, odd: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """`usual` three times in four, else something odd: most requests get far enough to be answered."""
    return st.integers(0, 3).flatmap(lambda roll: odd if roll == 0 else st.just(usual))


@st.composite
def wire_bytes(draw: st.DrawFn) -> bytes:
    """HTTP/1.x requests made of odd parts, now and then with a few bytes changed, pipelined 1-3 times."""
    method = draw(st.sampled_from([b"GET", b"POST", b"DELETE", b"HEAD", b"OPTIONS"]))
    method = draw(mostly(method, st.sampled_from([b"BREW", b"get", b""])))
    target = b"/" + b"".join(draw(st.lists(TARGET_PIECES, max_size=6)))
    target = draw(mostly(target, st.sampled_from([b"*", b"http://h" + target, target[1:], b""])))
    version = draw(mostly(b"HTTP/1.1", st.sampled_from([b"HTTP/1.0", b"HTTP/2", b"HTTP/1.1 extra", b"http/1.1", b""])))
    lines = draw(
        st.lists(HEADER_LINES | ODD_HEADER_LINES if draw(st.integers(0, 3)) == 0 else HEADER_LINES, max_size=5)
    )
    request = method + b" " + target + b" " + version + b"\r\n" + b"".join(line + b"\r\n" for line in lines)
    request += b"\r\n" + draw(BODIES)
    if draw(st.integers(0, 3)) == 0:  # a few bytes changed anywhere
        at = draw(st.integers(0, len(request)))
        request = request[:at] + draw(st.binary(max_size=4)) + request[at + draw(st.integers(0, 4)) :]
    return request * draw(st.integers(1, 3))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=wire_bytes())
def test_no_bytes_a_client_sends_make_the_server_fail(
    fast_ogc: FastServer, caplog: pytest.LogCaptureFixture, raw: bytes
) -> None:
    if fast_ogc.app.job("x") is None:
        fast_ogc.app.create_job(["running"], "x")
    try:
        received = exchange(fast_ogc, raw + b"\r\n\r\n", timeout=0.2)
    except TimeoutError:  # the server waits for the rest of a request it cannot tell is complete: fair
        received = b""
    except ConnectionResetError:  # a scripted drop
        received = b""
    for head in re.findall(rb"HTTP/1\.1 (\d{3}) [^\r\n]*\r\n((?:[^\r\n]+\r\n)*)\r\n", received):
        status, fields = int(head[0]), head[1]
        assert 100 <= status <= 599, received[:300]
        assert b"X-Jobcontract-Unscripted" not in fields and b"the mock failed" not in received, received[:500]
    assert not [entry for entry in fast_ogc.app.journal() if entry["unscripted"]], "an unscripted 500"
    assert requests.get(f"{fast_ogc.url}/conformance", timeout=5).status_code == 200, "the server goes on"
    # an exception in a connection is logged by the loop ("Fatal error: protocol.data_received() ...")
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR], caplog.text[-2000:]
