"""Replay the abuse cases of issue 14 ("A mock safe to leave running") against `python -m mocks serve`.

    python bench/abuse.py                                  # every case against this checkout (1 to 2 minutes)
    python bench/abuse.py --root /path/to/older/checkout   # the same cases against another checkout
    python bench/abuse.py --case drain --case secrets --json

Each case starts its own `python -m mocks serve --api API --port 0` in a subprocess from the checkout given
by `--root` (default: the one this script is in), with that checkout as the working directory and first on
PYTHONPATH, so one script measures the code before a change and after it. The server's stdout and stderr go
to files the case reads (the access log is on: `serve` logs every request, or is given `--access-log` when
its `--help` offers that flag). It prints one line per case, its figure, its target and PASS or FAIL, then
the command; the exit status is 1 if any case fails. A case that times out, or whose server crashes, reports
that as its figure; a case sends nothing after 60 s (`CASE_SECONDS`); every server is stopped (SIGTERM, then
SIGKILL) when its case ends, whatever happened.

The cases (the figure each prints, and its target):

- non-reading: one connection pipelines 600 GETs of an OGC job whose `message` is as long as the mock
  accepts (up to 900 KB) and never reads. Server RSS growth < 32 MB.
- slow-connections: under `ulimit -n 1024` for the server, 2,000 connections trickle a request head (a header
  line a second); then a new client asks. Answered (any status, 503 included) in < 1 s.
- job-cap: control API job creations, pipelined, until one is refused or 200,000 are stored. Refused with a
  4xx (the figure also has the jobs stored and the RSS).
- big-attributes: 400 jobs with a 900 KB attribute each. RSS growth < 64 MB (and how many were accepted).
- unscripted-500: JSON nested 100,000 deep (control API, OGC execute, CLC login); 4,000-digit step seconds
  and fault poll numbers; `Infinity` and `1e400` step seconds (each job then polled, shown and listed); the
  clock advanced by its per-call maximum, 3,162,240,000 s, until past year 9999 (80 times from 2026: the
  reviewer's 79 reach 9943), then describe, create, execute, reset, describe. No 5xx and no request left
  without an answer (the figure also names the bad input accepted).
- secrets: `?access_token=`, `?password=`, `Proxy-Authorization`, `X-Api-Key`, and a CLC login whose password
  is a list; then the secret values are counted in the journal, the server's stdout and stderr (its access
  log) and the answers. 0 (and the access log must show the requests: no log hides nothing).
- log-injection: a path with `%0d%0a` and a forged access-log line after it. 0 forged lines (and the request
  logged).
- drain: 10 OGC executes with `Prefer: respond-async, delay=2`, SIGTERM to the server 0.5 s later. 10
  answered.
- ie-body: a 50 MiB POST body to Import/Export (moto's server). Refused with a 4xx, RSS growth < 32 MB.
- ie-slow-connections: 2,000 connections trickling a request head to Import/Export. Server threads < 300.
- cross-site: a control API job creation with `Content-Type: text/plain` and `Origin: http://evil.example`
  (what a browser sends cross-site), and one with `Host: evil.example:PORT` (DNS rebinding). Both 4xx.

Linux only: memory and threads are read from /proc/PID/status (`VmRSS`; the peak is `VmHWM`, reset through
/proc/PID/clear_refs before each measure).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import resource
import select
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httptools

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: tests/serving.py knows the line `serve` prints
    sys.path.insert(0, str(ROOT))

from tests.serving import SERVING  # noqa: E402

CONTROL = "/__jobcontract"
JSON = {"Content-Type": "application/json"}
MB = 1024 * 1024
KB = 1000
CASE_SECONDS = 60.0  # the budget of one case (job-cap against an uncapped mock takes about 35 s)
START_TIMEOUT = 20.0  # seconds for `serve` to print its line (an import of moto takes a few)
STOP_TIMEOUT = 10.0
SLOW_CLIENTS = 2000
NEW_CLIENT_WAIT = 10.0  # how long the new client of slow-connections waits before it is reported unanswered
ACCESS_LOG_FLAG = re.compile(r"(?<![\w-])--access-log\b")


class CaseError(Exception):
    """A case could not measure (its server did not start, died, or did not answer): the message is its figure."""


class Budget:
    """The time the running case may still take: past it no request is sent (each is reported unanswered)
    and the loops stop, so a server that hangs costs one case a minute, not the run an hour."""

    def __init__(self) -> None:
        self.until = math.inf

    def start(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds

    def left(self) -> float:
        return self.until - time.monotonic()


BUDGET = Budget()


# -- the server under test ---------------------------------------------------------------------------------
class Server:
    """One `python -m mocks serve` in a subprocess of the checkout `root`, its output in files."""

    def __init__(
        self, root: Path, env: dict[str, str], api: str, args: tuple[str, ...], logs: Path, open_files: int | None
    ) -> None:
        self.root, self.env, self.api, self.args, self.open_files = root, env, api, args, open_files
        self.stdout_path, self.stderr_path = logs / f"{api}.stdout", logs / f"{api}.stderr"
        self.process: subprocess.Popen[bytes] | None = None
        self.stopped = False  # by this script: an exit before that is the server's own
        self.url = ""
        self.control = ""
        self.port = 0

    def start(self) -> None:
        open_files = self.open_files

        def limit_open_files() -> None:  # in the child, before exec: `ulimit -n N` sets both limits
            if open_files is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

        with open(self.stdout_path, "wb") as stdout, open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jobcontract.mocks", "serve", "--api", self.api, "--port", "0", *self.args],
                cwd=self.root,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                preexec_fn=limit_open_files,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            found = SERVING.match(self.stdout().partition("\n")[0])
            if found:
                self.url, self.control = found.group(2), found.group(3)
                self.port = int(urlsplit(self.url).port or 0)
                return
            if self.process.poll() is not None:
                raise CaseError(f"serve exited with {self.process.returncode}: {self.stderr_tail()}")
            time.sleep(0.05)
        raise CaseError(f"serve printed no serving line in {START_TIMEOUT:.0f} s: {self.stderr_tail()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stdout(self) -> str:
        return self.stdout_path.read_text("utf-8", "replace") if self.stdout_path.exists() else ""

    def stderr(self) -> str:
        return self.stderr_path.read_text("utf-8", "replace") if self.stderr_path.exists() else ""

    def stderr_tail(self, lines: int = 3) -> str:
        return " | ".join(self.stderr().strip().splitlines()[-lines:]) or "(nothing on stderr)"

    def status(self, name: str) -> int:
        """A number of /proc/PID/status (VmRSS, VmHWM in kB; Threads)."""
        try:
            text = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            text = ""
        found = re.search(rf"^{name}:\s+(\d+)", text, re.MULTILINE)
        if not self.alive() or found is None:
            raise CaseError(
                f"the server died (exit status {self.process and self.process.poll()}): {self.stderr_tail()}"
            )
        return int(found.group(1))

    def rss_mb(self) -> float:
        return self.status("VmRSS") / 1024

    def reset_peak(self) -> bool:
        """Start VmHWM again from the current RSS (Linux >= 4.0); False where that is not allowed."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM, then SIGKILL if it has not ended within `timeout`: its exit status (None: killed)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.stopped = True
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return None
        return self.process.returncode


class Checkout:
    """The checkout under test: where its servers run from, and what its `serve` offers."""

    def __init__(self, root: Path, logs: Path, open_files: int) -> None:
        self.root, self.logs, self.open_files = root, logs, open_files
        self.exits: list[str] = []  # servers that ended by themselves during the running case
        # the checkout first on the path, and no control token or cap from this environment
        path = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("JOBCONTRACT_")}, "PYTHONPATH": path}
        help_text = self.output("-m", "jobcontract.mocks", "serve", "--help")
        self.access_log_args = ("--access-log",) if ACCESS_LOG_FLAG.search(help_text) else ()
        self.mocks_from = self.output(
            "-c", "import importlib.util; print(importlib.util.find_spec('mocks').origin)"
        ).strip()

    def output(self, *args: str) -> str:
        """What `python ARGS` prints in the checkout ("" if it fails or hangs: the cases will say more)."""
        try:
            command = [sys.executable, *args]
            return subprocess.run(
                command, cwd=self.root, env=self.env, capture_output=True, text=True, timeout=60
            ).stdout
        except subprocess.TimeoutExpired:
            return ""

    @contextmanager
    def serve(self, api: str, *args: str, open_files: int | None = None) -> Iterator[Server]:
        server = Server(self.root, self.env, api, args, self.logs, open_files or self.open_files)
        try:
            server.start()
            yield server
        finally:
            if server.url and not server.stopped and server.process is not None and exited(server.process):
                self.exits.append(f"{api} serve exited by itself with status {server.process.returncode}")
            server.stop()


def exited(process: subprocess.Popen[bytes]) -> bool:
    """Whether it has ended, with a moment's grace: a process closes its sockets before it can be waited for."""
    try:
        process.wait(timeout=0.05)
        return True
    except subprocess.TimeoutExpired:
        return False


# -- HTTP clients --------------------------------------------------------------------------------------------
@dataclass
class Reply:
    status: int | None  # None: no answer (the connection failed, was closed, or timed out)
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __str__(self) -> str:
        return str(self.status) if self.status is not None else f"no answer ({self.error})"


def call(
    server: Server,
    method: str,
    path: str,
    body: bytes | str | dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Reply:
    """One request on its own connection; any failure is a Reply without a status, never an exception."""
    if isinstance(body, dict):
        body, headers = json.dumps(body), {**JSON, **(headers or {})}
    left = BUDGET.left()
    if left <= 0:
        return Reply(None, error=f"not sent: the case's {CASE_SECONDS:.0f} s are over")
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=min(timeout, left))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.read(), {k.lower(): v for k, v in response.getheaders()})
    except (OSError, http.client.HTTPException) as error:
        return Reply(None, error=f"{type(error).__name__}: {error}".strip(": "))
    finally:
        connection.close()


class _Answers:
    """httptools callbacks that collect (status, body) of each answer read from a pipelined connection (the
    bodies left out with `bodies=False`, for answers too many to keep)."""

    def __init__(self, bodies: bool = True) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.answers: list[tuple[int, bytes]] = []
        self.bodies = bodies
        self._body: list[bytes] = []

    def on_message_begin(self) -> None:
        self._body = []

    def on_body(self, body: bytes) -> None:
        if self.bodies:
            self._body.append(body)

    def on_message_complete(self) -> None:
        self.answers.append((self.parser.get_status_code(), b"".join(self._body)))


def pipelined(sock: socket.socket, requests: bytes, count: int, timeout: float = 30.0) -> list[tuple[int, bytes]]:
    """Send `count` requests in one write and read their answers (fewer if the server closes or is too slow)."""
    answers = _Answers()
    sock.settimeout(max(0.1, min(timeout, BUDGET.left())))
    sock.sendall(requests)
    while len(answers.answers) < count:
        data = sock.recv(1 << 20)
        if not data:
            break
        answers.parser.feed_data(data)
    return answers.answers


def read_answers(sock: socket.socket, count: int, timeout: float = 10.0) -> dict[str, int]:
    """Read up to `count` answers from a connection (bodies dropped as they come): how many of each status."""
    answers = _Answers(bodies=False)
    deadline = time.monotonic() + timeout
    try:
        while len(answers.answers) < count and time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            data = sock.recv(1 << 20)
            if not data:
                break
            answers.parser.feed_data(data)
    except (OSError, httptools.HttpParserError):
        pass
    counts: dict[str, int] = {}
    for status, _ in answers.answers:
        counts[str(status)] = counts.get(str(status), 0) + 1
    return counts


def head_of(server: Server, method: str, path: str, headers: dict[str, str] | None = None, length: int = 0) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if length:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class SlowClients:
    """Connections that each send a partial request head and then one header line every `pace` seconds
    (a slowloris): what a client on a bad link, or an attacker, looks like to the server."""

    def __init__(self, port: int, count: int, pace: float = 1.0) -> None:
        self.port, self.count, self.pace = port, count, pace
        self.sockets: list[socket.socket] = []
        self.connected: list[socket.socket] = []
        self.closed_by_server = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, name="slow-clients", daemon=True)

    def open(self, within: float = 3.0) -> int:
        """Connect them all at once (a full accept queue would make one-by-one connects wait); returns how many
        connected within `within` seconds. They then trickle their heads until `close`."""
        pending: dict[int, socket.socket] = {}
        for _ in range(self.count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            self.sockets.append(sock)
            sock.connect_ex(("127.0.0.1", self.port))
            pending[sock.fileno()] = sock
        poller = select.poll()
        for number in pending:
            poller.register(number, select.POLLOUT)
        deadline = time.monotonic() + within
        while pending and time.monotonic() < deadline:
            for number, _ in poller.poll(100):
                sock = pending.pop(number)
                poller.unregister(number)
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    self._send(sock, b"GET /jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    self.connected.append(sock)
        self._thread.start()
        return len(self.connected)

    def _send(self, sock: socket.socket, data: bytes) -> None:
        try:
            sock.send(data)
        except BlockingIOError:
            pass
        except OSError:  # the server closed it (a 503 or 408 and close counts as closed)
            self.closed_by_server += 1
            self.connected.remove(sock)

    def _trickle(self) -> None:
        while not self._stop.wait(self.pace):
            for sock in list(self.connected):
                self._send(sock, b"X-Slow: 1\r\n")

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


@dataclass
class Wait:
    """What a new client met: the seconds from connect to the first line of an answer (or to giving up), and
    that line, or why there was none."""

    seconds: float
    answer: str
    answered: bool

    def __str__(self) -> str:
        if self.answered:
            return f"{self.answer} in {self.seconds:.3f} s"
        return f"no HTTP answer: {self.answer} after {self.seconds:.2f} s"


def time_to_answer(server: Server, limit: float = NEW_CLIENT_WAIT) -> Wait:
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=limit) as sock:
            sock.settimeout(max(0.01, limit - (time.monotonic() - started)))
            sock.sendall(head_of(server, "GET", "/jobs", {"Accept": "application/json"}))
            first = sock.recv(256)
    except TimeoutError:
        return Wait(time.monotonic() - started, "timed out", False)
    except OSError as error:
        return Wait(time.monotonic() - started, type(error).__name__, False)
    elapsed = time.monotonic() - started
    if not first.startswith(b"HTTP/"):
        return Wait(elapsed, "closed" if not first else f"not HTTP: {first[:40]!r}", False)
    return Wait(elapsed, first.split(b"\r\n", 1)[0].decode("latin-1"), True)


def wait_steady(server: Server, longest: float = 8.0, still: float = 1.0) -> None:
    """Wait until the server's RSS has not moved by more than 1 MB for `still` seconds (at most `longest`)."""
    deadline = time.monotonic() + longest
    last, since = server.rss_mb(), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < still:
        time.sleep(0.1)
        now = server.rss_mb()
        if abs(now - last) > 1:
            last, since = now, time.monotonic()


class Memory:
    """A server's memory over a stretch of a case: its RSS at the start, its peak since (VmHWM), its RSS now."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.before = server.rss_mb()
        self.peak_known = server.reset_peak()

    def peak(self) -> float:
        return self.server.status("VmHWM") / 1024 if self.peak_known else self.server.rss_mb()

    def summary(self) -> tuple[float, dict[str, float]]:
        """The peak's growth in MB, and the figures for the details."""
        peak, now = self.peak(), self.server.rss_mb()
        details = {"rss_before_mb": round(self.before, 1), "rss_peak_mb": round(peak, 1), "rss_end_mb": round(now, 1)}
        return peak - self.before, details


# -- the cases -----------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    case: str
    figure: str
    target: str
    passed: bool
    details: dict[str, Any] = field(default_factory=dict)


CASES: dict[str, tuple[str, Callable[[Checkout], Outcome]]] = {}


def case(name: str, target: str) -> Callable[[Callable[[Checkout], Outcome]], Callable[[Checkout], Outcome]]:
    def register(function: Callable[[Checkout], Outcome]) -> Callable[[Checkout], Outcome]:
        CASES[name] = (target, function)
        return function

    return register


def largest_accepted(server: Server, attribute: str, most: int) -> tuple[str, int]:
    """Create an OGC job whose `attribute` is as long as the mock accepts, up to `most` characters (`most` first,
    then a binary search if a cap refuses it): the job's id and that length."""

    def create(size: int) -> str | None:
        reply = call(server, "POST", f"{CONTROL}/jobs", {"attributes": {attribute: "x" * size}})
        if reply.status == 201:
            return str(reply.json()["id"])
        if reply.status is not None and 400 <= reply.status < 500:
            return None
        raise CaseError(f"creating a job with a {size}-character {attribute} answered {reply}")

    job_id = create(most)
    if job_id is not None:
        return job_id, most
    low, high, best = 1, most - 1, ("", 0)
    while low <= high:
        size = (low + high) // 2
        job_id = create(size)
        if job_id is None:
            high = size - 1
        else:
            best, low = (job_id, size), size + 1
    if not best[0]:
        raise CaseError(f"no job with a {attribute} was accepted")
    return best


@case("non-reading", "RSS growth < 32 MB")
def non_reading(checkout: Checkout) -> Outcome:
    with checkout.serve("ogc") as server:
        job_id, size = largest_accepted(server, "message", 900 * KB)
        answer = call(server, "GET", f"/jobs/{job_id}", headers={"Accept": "application/json"})
        if answer.status != 200:
            raise CaseError(f"GET /jobs/{{id}} of the large job answered {answer}")
        time.sleep(0.3)
        memory = Memory(server)
        request = head_of(server, "GET", f"/jobs/{job_id}", {"Accept": "application/json"})
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            try:
                sock.sendall(request * 600)  # and never read
                sent = "all sent"
            except OSError as error:  # the server stopped reading us: what back-pressure looks like
                sent = f"sending stopped: {type(error).__name__}"
            wait_steady(server)
            growth, details = memory.summary()
            statuses = read_answers(sock, 600)  # the server was answering, not refusing
        return Outcome(
            "non-reading",
            f"{growth:+.0f} MB at the peak ({details['rss_before_mb']:.0f} -> {details['rss_peak_mb']:.0f} MB;"
            f" 600 GETs of a {len(answer.body) / KB:.0f} KB answer, {600 * len(answer.body) / MB:.0f} MB in all;"
            f" then read: {statuses})",
            "RSS growth < 32 MB",
            growth < 32,
            {**details, "message_chars": size, "answer_bytes": len(answer.body), "sent": sent, "read": statuses},
        )


@case("slow-connections", "new client answered < 1 s")
def slow_connections(checkout: Checkout) -> Outcome:
    with checkout.serve("ogc", open_files=1024) as server:
        slow = SlowClients(server.port, SLOW_CLIENTS)
        try:
            connected = slow.open()
            time.sleep(1.5)  # the server accepts what it will; the heads trickle on
            wait = time_to_answer(server)
            details = {"connected": connected, "closed_by_server": slow.closed_by_server, "answer": wait.answer}
        finally:
            slow.close()
        return Outcome(
            "slow-connections",
            f"{wait} ({connected} of {SLOW_CLIENTS} slow clients connected, ulimit -n 1024)",
            "new client answered < 1 s",
            wait.answered and wait.seconds < 1,
            {**details, "wait_seconds": round(wait.seconds, 3)},
        )


@case("job-cap", "creation refused with a 4xx before 200,000")
def job_cap(checkout: Checkout) -> Outcome:
    most, batch = 200_000, 250  # a batch's answers fit the socket buffers
    with checkout.serve("ogc") as server:
        before = server.rss_mb()
        create = head_of(server, "POST", f"{CONTROL}/jobs", JSON, length=2) + b"{}"
        created, refusal = 0, None
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            while created < most and refusal is None and BUDGET.left() > 0:
                count = min(batch, most - created)
                answers = pipelined(sock, create * count, count)
                for status, body in answers:
                    if status != 201:
                        refusal = (status, body.decode("utf-8", "replace")[:200])
                        break
                    created += 1
                if refusal is None and len(answers) < count:
                    raise CaseError(f"the server stopped answering after {created} jobs")
        seconds = time.monotonic() - started
        after = server.rss_mb()
        stored = stored_jobs(server)
    refused = refusal is not None and 400 <= refusal[0] < 500
    said = f"refused with {refusal[0]}" if refusal else "never refused"
    if refusal is None and created < most:
        said += f" (the case's {CASE_SECONDS:.0f} s ran out)"
    return Outcome(
        "job-cap",
        f"{said} after {created} jobs; {stored} stored; RSS {after:.0f} MB (+{after - before:.0f})",
        "creation refused with a 4xx before 200,000",
        refused,
        {
            "created": created,
            "stored": stored,
            "refusal": refusal,
            "rss_mb": round(after, 1),
            "creating_seconds": round(seconds, 1),
        },
    )


def stored_jobs(server: Server) -> int | str:
    """How many jobs the control API lists, following its pages if it has them."""
    path: str | None = f"{CONTROL}/jobs"
    total = 0
    for _ in range(1000):
        if path is None:
            return total
        reply = call(server, "GET", path, timeout=60)
        body = reply.json()
        if reply.status != 200 or not isinstance(body, dict):
            return f"unknown (the list answered {reply})"
        total += len(body.get("jobs", []))
        following = body.get("next")
        path = None if not following else urlsplit(following)._replace(scheme="", netloc="").geturl()
    return f"more than {total}"


@case("big-attributes", "RSS growth < 64 MB")
def big_attributes(checkout: Checkout) -> Outcome:
    with checkout.serve("ogc") as server:
        memory = Memory(server)
        body = json.dumps({"attributes": {"note": "x" * (900 * KB)}}).encode()
        statuses: dict[str, int] = {}
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            for _ in range(400):
                try:
                    connection.request("POST", f"{CONTROL}/jobs", body=body, headers=JSON)
                    response = connection.getresponse()
                    response.read()
                    status = str(response.status)
                except (OSError, http.client.HTTPException) as error:
                    status = type(error).__name__
                    connection.close()  # the next request opens a new connection
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            connection.close()
        growth, details = memory.summary()
    accepted = statuses.get("201", 0)
    return Outcome(
        "big-attributes",
        f"{growth:+.0f} MB at the peak, {details['rss_end_mb'] - details['rss_before_mb']:+.0f} MB at the end;"
        f" {accepted} of 400 accepted (answers {statuses})",
        "RSS growth < 64 MB",
        growth < 64,
        {**details, "answers": statuses},
    )


DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 4000  # a 4,000-digit integer, as JSON text
CENTURY = 100 * 366 * 86400  # the most one clock advance takes (Clock.MAX_ADVANCE)
# advances that take the clock past datetime's year 9999 from today: 80 in 2026 (the reviewer's 79 reach 9943)
CLOCK_ADVANCES = int((datetime.max.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds() // CENTURY) + 1


@case("unscripted-500", "0 5xx, 0 without an answer")
def unscripted_500(checkout: Checkout) -> Outcome:
    replies: list[tuple[str, Reply]] = []
    accepted: list[str] = []  # bad input taken as good: not a 5xx, but shown in the figure
    execute = {"inputs": {"message": ["hello"]}}

    def ask(label: str, server: Server, method: str, path: str, body: Any = None, **headers: str) -> Reply:
        reply = call(server, method, path, body, {**(JSON if isinstance(body, str) else {}), **headers})
        replies.append((label, reply))
        return reply

    def create_and_poll(label: str, server: Server, raw_body: str) -> None:
        reply = ask(label, server, "POST", f"{CONTROL}/jobs", raw_body)
        created = reply.json() if reply.status == 201 else None
        job_id = created.get("id") if isinstance(created, dict) else None
        if isinstance(job_id, str):  # accepted: look at it the ways a client and a test do
            accepted.append(label)
            ask(f"{label}: poll", server, "GET", f"/jobs/{job_id}", Accept="application/json")
            ask(f"{label}: show", server, "GET", f"{CONTROL}/jobs/{job_id}")
            ask(f"{label}: list", server, "GET", "/jobs", Accept="application/json")

    with checkout.serve("ogc") as server:
        ask("deep JSON to the control API", server, "POST", f"{CONTROL}/jobs", DEEP)
        ask("deep JSON to OGC execute", server, "POST", "/processes/echo/execution", DEEP)
        # JSON text with a number Python's json.dumps would not write (Infinity, 1e400) put in by hand
        step = '{"script": [{"state": "accepted", "seconds": NUMBER}, "successful"]}'
        create_and_poll("4,000-digit step seconds", server, step.replace("NUMBER", HUGE))
        create_and_poll(
            "4,000-digit fault poll", server, '{"faults": {"NUMBER": {"delay": 0.1}}}'.replace("NUMBER", HUGE)
        )
        reply = call(server, "POST", f"{CONTROL}/jobs", {})
        created = reply.json() if reply.status == 201 else None
        job_id = created.get("id", "missing") if isinstance(created, dict) else "missing"
        injected = '{"fault": {"delay": 0.1}, "poll": NUMBER}'.replace("NUMBER", HUGE)
        if ask("4,000-digit injected poll", server, "POST", f"{CONTROL}/jobs/{job_id}/faults", injected).status == 201:
            accepted.append("4,000-digit injected poll")
        ask("4,000-digit injected poll: poll", server, "GET", f"/jobs/{job_id}", Accept="application/json")
        create_and_poll("Infinity step seconds", server, step.replace("NUMBER", "Infinity"))
        create_and_poll("1e400 step seconds", server, step.replace("NUMBER", "1e400"))
        for _ in range(CLOCK_ADVANCES):
            ask("clock advance", server, "POST", f"{CONTROL}/clock", json.dumps({"advance": CENTURY}))
        ask("describe after the clock", server, "GET", CONTROL)
        ask("create after the clock", server, "POST", f"{CONTROL}/jobs", "{}")
        executed = json.dumps(execute)
        ask("execute after the clock", server, "POST", "/processes/echo/execution", executed, Prefer="respond-async")
        ask("reset after the clock", server, "POST", f"{CONTROL}/reset")
        ask("describe after reset", server, "GET", CONTROL)
    with checkout.serve("clc") as server:
        ask("deep JSON to CLC login", server, "POST", "/v2/authentication/login", DEEP)
    failed = [(label, str(reply)) for label, reply in replies if reply.status is None or reply.status >= 500]
    errors = sum(1 for _, reply in replies if reply.status is not None and reply.status >= 500)
    dropped = sum(1 for _, reply in replies if reply.status is None)
    labels = list(dict.fromkeys(label for label, _ in failed))  # in the order asked
    return Outcome(
        "unscripted-500",
        f"{errors} 5xx, {dropped} without an answer, of {len(replies)} requests"
        + (f" (from: {', '.join(labels)})" if labels else "")
        + f"; bad input accepted: {', '.join(accepted) or 'none'}",
        "0 5xx, 0 without an answer",
        not failed,
        {
            "failed": failed,
            "accepted": accepted,
            "clock_advances": CLOCK_ADVANCES,
            "answers": [(label, str(reply)) for label, reply in replies],
        },
    )


SECRETS = ("SECRETQ1", "SECRETQ2", "SECRETH4", "SECRETH5", "SECRETL3")


@case("secrets", "0 secrets in journal, output, answers")
def secrets(checkout: Checkout) -> Outcome:
    status_path = "/v2/operations/ALIAS/status/wa1-1"
    with checkout.serve("clc", *checkout.access_log_args) as server:
        replies = [
            call(server, "GET", f"{status_path}?access_token=SECRETQ1"),
            call(server, "GET", f"{status_path}?password=SECRETQ2"),
            call(server, "GET", status_path, headers={"Proxy-Authorization": "Basic SECRETH4"}),
            call(server, "GET", status_path, headers={"X-Api-Key": "SECRETH5"}),
            call(
                server, "POST", "/v2/authentication/login", {"username": "user@company.com", "password": ["SECRETL3"]}
            ),
        ]
        journal = call(server, "GET", f"{CONTROL}/journal")
        if journal.status != 200:
            raise CaseError(f"the journal answered {journal}")
        server.stop()
        output = server.stdout() + server.stderr()
    answers = b"".join(reply.body + json.dumps(reply.headers).encode() for reply in replies).decode("utf-8", "replace")
    found = {
        "journal": sum(journal.body.decode("utf-8", "replace").count(s) for s in SECRETS),
        "output": sum(output.count(s) for s in SECRETS),
        "answers": sum(answers.count(s) for s in SECRETS),
    }
    logged = output.count(status_path)
    total = sum(found.values())
    return Outcome(
        "secrets",
        f"{total} (journal {found['journal']}, server output {found['output']}, answers {found['answers']};"
        f" {logged} access-log lines seen)",
        "0 secrets in journal, output, answers",
        total == 0 and logged > 0,  # no access log at all would hide nothing: say so rather than pass
        {
            **found,
            "access_log_lines": logged,
            "which": {s: s in journal.body.decode("utf-8", "replace") + output + answers for s in SECRETS},
            "answers_status": [str(reply) for reply in replies],
        },
    )


@case("log-injection", "0 forged lines")
def log_injection(checkout: Checkout) -> Outcome:
    forged = "FORGED GET /admin 200"
    with checkout.serve("ogc", *checkout.access_log_args) as server:
        reply = call(
            server, "GET", "/jobs/x%0d%0a" + forged.replace(" ", "%20"), headers={"Accept": "application/json"}
        )
        server.stop()
        log = server.stderr() + server.stdout()
    lines = log.splitlines()  # splits at \r, \n, and the other line breaks a log reader may honour
    forged_lines = sum(1 for line in lines if line.startswith("FORGED"))
    seen = sum(1 for line in lines if "FORGED" in line)
    return Outcome(
        "log-injection",
        f"forged lines: {forged_lines} (lines that mention it: {seen}; the request answered {reply})",
        "0 forged lines",
        forged_lines == 0 and seen > 0,  # not in the log at all proves nothing
        {"log_lines": [line for line in lines if "FORGED" in line or "x\\r" in line][:5]},
    )


@case("drain", "10 of 10 answered")
def drain(checkout: Checkout) -> Outcome:
    body = {"inputs": {"message": ["hello"]}}
    replies: list[Reply | None] = [None] * 10
    with checkout.serve("ogc") as server:

        def execute(index: int) -> None:
            replies[index] = call(
                server, "POST", "/processes/echo/execution", body, {"Prefer": "respond-async, delay=2"}, timeout=15
            )

        clients = [threading.Thread(target=execute, args=(index,), daemon=True) for index in range(10)]
        for client in clients:
            client.start()
        time.sleep(0.5)
        started = time.monotonic()
        exit_status = server.stop(timeout=15)
        took = time.monotonic() - started
        for client in clients:
            client.join(timeout=15)
    answered = sum(1 for reply in replies if reply is not None and reply.status is not None)
    statuses = sorted(str(reply) if reply else "still waiting" for reply in replies)
    return Outcome(
        "drain",
        f"{answered} of 10 answered (exit status {exit_status} after {took:.1f} s)",
        "10 of 10 answered",
        answered == 10,
        {"answers": statuses, "exit_status": exit_status, "seconds_to_exit": round(took, 2)},
    )


@case("ie-body", "refused 4xx, RSS growth < 32 MB")
def ie_body(checkout: Checkout) -> Outcome:
    size, chunk = 50 * MB, b"a" * MB
    with checkout.serve("importexport") as server:
        time.sleep(0.3)
        memory = Memory(server)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        sent = 0
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            try:
                sock.sendall(head_of(server, "POST", "/", headers, length=size))
                while sent < size and not select.select([sock], [], [], 0.2 if sent == 0 else 0)[0]:
                    sock.sendall(chunk)  # until all is sent, or the server answers early
                    sent += len(chunk)
            except OSError:  # the server answered and closed while the body was still coming
                pass
            try:
                first = sock.recv(4096)
            except OSError as error:
                first = f"no answer: {type(error).__name__}".encode()
        status = first.split(b"\r\n", 1)[0].decode("latin-1") or "closed without an answer"
        time.sleep(0.3)
        growth, details = memory.summary()
    code = status.split(" ")[1] if status.startswith("HTTP/") else ""
    return Outcome(
        "ie-body",
        f"{status}; {growth:+.0f} MB at the peak; {sent // MB} of 50 MiB sent",
        "refused 4xx, RSS growth < 32 MB",
        code.startswith("4") and growth < 32,
        {**details, "status": status, "sent_bytes": sent},
    )


@case("ie-slow-connections", "server threads < 300")
def ie_slow_connections(checkout: Checkout) -> Outcome:
    with checkout.serve("importexport") as server:
        idle_threads = server.status("Threads")
        slow = SlowClients(server.port, SLOW_CLIENTS)
        try:
            connected = slow.open()
            most = idle_threads
            for _ in range(15):  # the server starts its threads as it accepts
                time.sleep(0.1)
                most = max(most, server.status("Threads"))
            wait = time_to_answer(server, limit=5)
        finally:
            slow.close()
    return Outcome(
        "ie-slow-connections",
        f"{most} threads ({idle_threads} idle; {connected} slow clients; a new client: {wait})",
        "server threads < 300",
        most < 300,
        {"threads": most, "idle_threads": idle_threads, "connected": connected, "new_client": str(wait)},
    )


@case("cross-site", "both refused (4xx)")
def cross_site(checkout: Checkout) -> Outcome:
    with checkout.serve("ogc") as server:
        simple = call(
            server,
            "POST",
            f"{CONTROL}/jobs",
            "{}",
            {"Content-Type": "text/plain", "Origin": "http://evil.example"},
        )
        rebound = call(server, "POST", f"{CONTROL}/jobs", {}, {"Host": f"evil.example:{server.port}"})
        jobs = call(server, "GET", f"{CONTROL}/jobs").json() or {}

    def refused(reply: Reply) -> bool:
        return reply.status is not None and 400 <= reply.status < 500

    return Outcome(
        "cross-site",
        f"text/plain + Origin evil: {simple}; Host evil: {rebound}; jobs stored: {len(jobs.get('jobs', []))}",
        "both refused (4xx)",
        refused(simple) and refused(rebound),
        {"text_plain_origin": str(simple), "host": str(rebound)},
    )


# -- running -------------------------------------------------------------------------------------------------
def run_case(name: str, checkout: Checkout) -> Outcome:
    target, function = CASES[name]
    started = time.monotonic()
    BUDGET.start(CASE_SECONDS)
    checkout.exits.clear()
    try:
        outcome = function(checkout)
    except CaseError as error:
        outcome = Outcome(name, f"could not measure: {error}", target, False)
    except OSError as error:  # a server that stopped answering, or closed on us, where a case did not expect it
        outcome = Outcome(name, f"could not measure: {type(error).__name__}: {error}", target, False)
    except Exception as error:  # a bug of this script must not hide the other cases' figures
        outcome = Outcome(name, f"script error: {type(error).__name__}: {error}", target, False)
    if checkout.exits:  # a crash is a failure whatever else was measured
        outcome.figure += "; " + "; ".join(checkout.exits)
        outcome.passed = False
    outcome.details["case_seconds"] = round(time.monotonic() - started, 1)
    return outcome


def raise_own_open_files(needed: int) -> int:
    """Let this process hold `needed` sockets; returns the soft limit it had (the servers get that one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return soft


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT, help=f"the checkout to serve from (default: {ROOT})")
    parser.add_argument("--case", action="append", choices=list(CASES), help="run this case only; repeatable")
    parser.add_argument("--json", action="store_true", help="print the outcomes as JSON instead of a table")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if not (root / "mocks" / "__main__.py").is_file():
        parser.error(f"{root} is not a checkout of jobcontract (no mocks/__main__.py)")
    servers_open_files = raise_own_open_files(2 * SLOW_CLIENTS + 512)
    command = shlex.join(["python", "bench/abuse.py", *(argv if argv is not None else sys.argv[1:])])
    with tempfile.TemporaryDirectory(prefix="abuse-") as logs:
        checkout = Checkout(root, Path(logs), servers_open_files)
        if not args.json:
            print(f"abuse cases of issue 14 against {root} (mocks from {checkout.mocks_from})", flush=True)
        outcomes = []
        for name in args.case or CASES:
            outcome = run_case(name, checkout)
            outcomes.append(outcome)
            if not args.json:
                verdict = "PASS" if outcome.passed else "FAIL"
                print(f"{name:<20} {outcome.figure}  [target: {outcome.target}]  {verdict}", flush=True)
    if args.json:
        print(json.dumps({"root": str(root), "command": command, "outcomes": [asdict(o) for o in outcomes]}, indent=2))
    else:
        print(f"{sum(o.passed for o in outcomes)} of {len(outcomes)} cases pass; command: {command}")
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
