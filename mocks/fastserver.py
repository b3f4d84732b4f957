"""A mock served by one event loop: the same application as `MockServer`, many times its throughput under wrk.

`MockServer` (pytest-httpserver's werkzeug server, a thread per connection) stays what the pytest
fixtures use; `FastServer` is for the standalone `serve`, where clients in any language poll hard
(bench/README.md has the figures). Same interface: `start()`, `stop()`, `url`, `app`, and a context
manager.

The loop (uvloop where it is installed, else asyncio's own) runs in one background thread and parses
HTTP/1.1 with httptools (llhttp, the parser of Node.js). Each request is answered by
`MockApp.answer` right in the loop: a poll is a few dozen microseconds of Python that never waits,
so no thread pool stands between the socket and the application. The faults that wait are carried
out by the loop instead of a thread: a scripted `delay` is an `asyncio.sleep` (other connections go
on being answered), a dribbled body is written piece by piece with sleeps between, and `drop`
closes the connection without an answer. Requests pipelined on one connection are answered in order.

A poll is answered in full once; the same request again (method, target and every header alike, no body) gets
the same bytes, with a new `Date` (and the dialect's `renewed_headers`, CF's request id), while the application
says they still hold (`MockApp.replay`): the job at the same revision and progress, no fault scripted on this
poll, the credential unexpired, and nothing else asked of the mock since (`MockApp.changed`). A replayed poll
is counted, journaled and logged like any other; anything else is answered in full (tests/test_replay.py
holds a replaying server to one that answers every poll in full). It is what makes a poll a few microseconds
of Python rather than fifty (bench/README.md). A client that sends a header whose value changes on every request
(a request id of its own) gets every poll answered in full. At most `MAX_REPLAYS` answers are kept; past that the
store starts afresh, so a client cannot grow it without bound.

Bad input gets a plain-text answer and the connection closed: 400 for what is not HTTP/1.x (a request
line without a version, HTTP/0.9's, included), 505 for another HTTP version, 408 for a request that does
not arrive in time, 413 for a body over `max_body` bytes, 431 for a head over `max_head` bytes. Nothing
here crashes the loop: an error in one connection is logged and closes that connection only.

Limits, so that a mock left running cannot be made to use up its memory or its file descriptors:

- Connections: at most `max_connections` open (default `default_max_connections()`: 1024, or the soft
  open-file limit minus 64 where that is lower); a connection beyond is answered `503 Service
  Unavailable` with `Retry-After: 1` and closed, never left unanswered.
- Time (`Timeouts`): a request's head must arrive within 10 s (for the first request, of the connection's
  opening; for the next ones, of their first byte) and its body within 30 s of the head, else `408
  Request Timeout` and the connection is closed; a keep-alive connection with nothing asked for 15 s is
  closed quietly; a client that reads none of its answers for 30 s is disconnected. The server's own
  waiting (a scripted delay, a dribble, answers ahead in the pipeline) never counts against a client.
- Unsent bytes: a client that pipelines requests without reading the answers is no longer read once
  `max_unsent` bytes (256 KiB) wait for it (the transport's buffer and the requests waiting their turn),
  and is read again once it has read them, so each connection holds a bounded amount of memory.
- Each limit hit is a WARNING on the `jobcontract.mocks` logger, at most one line per kind of limit every
  10 s, with the count since the previous one (`LimitWarnings`): an attack does not flood the log.

`stop(drain)` (Ctrl-C or SIGTERM for `serve`) stops accepting, closes the connections with no answer in
flight (idle, or a request still arriving), lets the answers in flight (delays, dribbles, pipelined
requests) finish for up to `drain` seconds (default 5), each sent with `Connection: close`, then closes
what remains and logs how many were cut off.

The access log (`access_log=True`: a line per request on stderr) escapes control and other non-printable
characters in every field (`loggable`) and redacts credentials in the query string
(`mocks.redaction.redact_query`): a request can neither forge log lines nor leave a secret there.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
import math
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from types import TracebackType
from typing import Any, NamedTuple, cast
from urllib.parse import unquote_to_bytes

import httptools
from werkzeug.wrappers import Request, Response

from .answer import Answer, Replay
from .app import MockApp
from .engine import dribble_schedule
from .redaction import redact_query

try:  # a faster drop-in loop; not built for Windows, where asyncio's own loop serves
    import uvloop

    new_event_loop: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
except ImportError:  # pragma: no cover - depends on the platform
    new_event_loop = asyncio.new_event_loop

try:
    import resource
except ImportError:  # pragma: no cover - Windows has no RLIMIT_NOFILE
    resource = None  # type: ignore[assignment]

ACCESS_LOG = logging.getLogger("jobcontract.access")
log = logging.getLogger("jobcontract.mocks")

MAX_BODY = 1024 * 1024  # a job-status API takes small JSON or form bodies; each is checked in the loop
MAX_HEAD = 64 * 1024
MAX_WAITING = 32  # requests pipelined behind a slow answer before the server stops reading more
MAX_UNSENT = 256 * 1024  # bytes of answers a client may leave unread before the server stops reading it
FEED_SLICE = 4096  # bytes parsed at a time: a burst of pipelined requests stops being parsed where the backlog is full
CONNECTION_CAP = 1024  # open connections at most, fewer where the open-file limit is lower
FD_HEADROOM = 64  # file descriptors left to the process itself (stdio, the loop, the listening socket, logs)
LINGER = 2.0  # seconds a refused connection is read and forgotten before it is closed
DRAIN = 5.0  # seconds the answers in flight have to finish when the server stops
WARN_EVERY = 10.0  # seconds between two warnings about the same kind of limit
NO_BODY_STATUSES = frozenset({204, 304})
MAX_REPLAYS = 4096  # answers kept for replay (`FastServer.replays`); clients poll a few URLs over and over


def default_max_connections(cap: int = CONNECTION_CAP) -> int:
    """`cap`, or fewer where the soft open-file limit (RLIMIT_NOFILE) leaves less room: each connection is a file
    descriptor, and the process keeps `FD_HEADROOM` of them for itself."""
    if resource is None:  # pragma: no cover - Windows
        return cap
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return cap
    return max(1, min(cap, soft - FD_HEADROOM if soft > 2 * FD_HEADROOM else soft // 2))


def loggable(text: str) -> str:
    """`text` fit for one log line: control and other non-printable characters (CR, LF, ESC, NEL, U+2028, ...) and
    backslashes as backslash escapes, so that nothing a client sends can forge or garble a line."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(char if char.isprintable() and char != "\\" else _escaped(char) for char in text)


def _escaped(char: str) -> str:
    code = ord(char)
    if char == "\\":
        return "\\\\"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


class LimitWarnings:
    """Counts the hits of each kind of limit (`counts`) and logs them as WARNINGs: at most one line per kind every
    `every` seconds, with how many hits it stands for. Thread-safe (moto's server hits limits from its threads)."""

    def __init__(self, logger: logging.Logger = log, every: float = WARN_EVERY) -> None:
        self.logger, self.every = logger, every
        self.counts: Counter[str] = Counter()
        self._unlogged: Counter[str] = Counter()
        self._messages: dict[str, str] = {}
        self._logged_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def hit(self, kind: str, message: str) -> None:
        with self._lock:
            self.counts[kind] += 1
            self._unlogged[kind] += 1
            self._messages[kind] = message
            now = time.monotonic()
            if now - self._logged_at.get(kind, -math.inf) < self.every:
                return
            self._logged_at[kind] = now
            count = self._unlogged.pop(kind)
        self._warn(kind, message, count)

    def flush(self) -> None:
        """Log the hits no line has told yet (when the server stops)."""
        with self._lock:
            unlogged, self._unlogged = self._unlogged, Counter()
        for kind, count in unlogged.items():
            self._warn(kind, self._messages[kind], count)

    def _warn(self, kind: str, message: str, count: int) -> None:
        self.logger.warning("limit %s: %s (%d time(s) since the previous warning about it)", kind, message, count)


def drained_for(drain: float, hurried: bool) -> str:
    """How a stop's drain ended, for its warning about the answers cut off."""
    return (
        "when a second Ctrl-C or SIGTERM cut the drain short"
        if hurried
        else f"after the drain of {drain:g} s (--drain)"
    )


@dataclass(frozen=True)
class Timeouts:
    """Seconds a client may take (0: no limit). The server's own waiting never counts (module docstring)."""

    head: float = 10.0  # a request's head: from the connection's opening (first request) or the request's first byte
    body: float = 30.0  # a request's body, from the end of its head
    idle: float = 15.0  # a keep-alive connection with nothing asked: closed quietly
    send: float = 30.0  # a client that reads none of its answers (the server's send buffer stays full)

    def __post_init__(self) -> None:
        for name, seconds in vars(self).items():
            if not (isinstance(seconds, int | float) and 0 <= seconds < math.inf):
                raise ValueError(f"the {name} timeout is a number of seconds (0: none), not {seconds!r}")


class _Date:
    """The `Date` header, formatted once a second rather than once a request."""

    second = -1
    value = b""

    @classmethod
    def now(cls) -> bytes:
        second = int(time.time())
        if second != cls.second:
            cls.second, cls.value = second, formatdate(second, usegmt=True).encode("latin-1")
        return cls.value


@functools.lru_cache(maxsize=512)  # clients send the same few header names on every request
def _environ_key(name: bytes) -> str:
    """The WSGI environ key of a header name: `Content-Type` -> CONTENT_TYPE, `Accept` -> HTTP_ACCEPT."""
    key = name.decode("latin-1").upper().replace("-", "_")
    return key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key


def plain_answer(status: str, message: str, retry_after: int | None = None) -> bytes:
    """A refusal on the wire: `status` ("413 Content Too Large"), `message` as its plain-text body, and the
    connection closed after it."""
    body = message.encode("utf-8", "replace") + b"\n"
    retry = f"Retry-After: {retry_after}\r\n" if retry_after is not None else ""
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n{retry}"
        "Connection: close\r\n\r\n"
    ).encode("latin-1") + body


class _AccessHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The access log's handler on stderr that `FastServer.start` installs where none is configured: while it is the
    only one to see the lines, `FastServer.log_line` writes them to its stream a loop's turn at a time."""


class _Received(NamedTuple):
    """One request as read: what answering it needs, kept apart from the parser, which goes on to the next."""

    method: bytes
    target: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: list[bytes]
    version: str


@dataclass(frozen=True, slots=True)
class _Replayable:
    """An answer the application said may be sent again to the same request (`Answer.replay`): its head up to
    Content-Length (without the dialect's `renewed_headers`, made anew each time if `renewed`), its body, and its
    access-log fields."""

    replay: Replay
    head: bytes
    body: bytes
    logged: tuple[str, str, str]
    renewed: bool = False


class _BadRequest(Exception):
    def __init__(self, status: str, message: str, *, limit: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.limit = limit  # the kind of limit hit, for LimitWarnings; "" for a malformed request


class _Connection(asyncio.Protocol):
    """One client connection: parses requests, answers them in order, carries out waiting faults, and keeps to
    the server's limits (the module docstring says which)."""

    def __init__(self, server: FastServer) -> None:
        self.server = server
        self.app = server.app
        self.loop = asyncio.get_running_loop()  # protocols are made by the loop, in its thread
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.peer = ("", 0)
        self.requests = 0  # requests begun on this connection
        # the request being parsed
        self.receiving = False  # from its first byte to its end
        self.head_received = False
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_size = 0
        self.body: list[bytes] = []
        self.body_size = 0
        # what comes next on this connection while an earlier answer is still being sent (a delay, a
        # dribble, a client that does not read): the answers to pipelined requests, or a refusal, each sent
        # in its turn, with the bytes of request each holds
        self.waiting: deque[tuple[Callable[[], None], int]] = deque()
        self.waiting_bytes = 0
        self.unparsed = b""  # received while the backlog was full: parsed when it is not
        self.sending: asyncio.Task[None] | None = None
        self.reading_paused = False
        self.writing_paused = False  # the transport holds over max_unsent bytes: the client does not read them
        self.refused = False
        self.close_on_data = False  # refused over the connection cap: closed once its request is read
        # what the connection waits for ("head", "body", "idle", "send" or None) and until when (loop time);
        # FastServer's sweep ends the connections whose deadline has passed
        self.deadline_kind: str | None = None
        self.deadline = math.inf

    # -- asyncio.Protocol ----------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        peer = transport.get_extra_info("peername")
        self.peer = (str(peer[0]), int(peer[1])) if isinstance(peer, tuple) else ("", 0)
        server = self.server
        if len(server._connections) >= server.max_connections:
            server._refusing.add(self)
            server.limits.hit(
                "max-connections",
                f"{server.max_connections} connections are open (--max-connections): a new one was answered 503",
            )
            self.close_on_data = True  # a refused client's file descriptor is not kept longer than its request
            self._refuse(
                "503 Service Unavailable",
                f"the mock has {server.max_connections} connections open, its limit; try again in a moment",
                retry_after=1,
            )
            if len(server._refusing) > FD_HEADROOM // 2:  # a flood: file descriptors matter more than lingering
                self._close()
            return
        server._connections.add(self)
        self.transport.set_write_buffer_limits(high=server.max_unsent)
        self._rearm()

    def connection_lost(self, error: Exception | None) -> None:
        server = self.server
        server._connections.discard(self)
        server._refusing.discard(self)
        self.waiting.clear()
        self.deadline_kind, self.deadline = None, math.inf
        if self.sending is not None:
            self.sending.cancel()
        if server._drained is not None and not server._connections:
            server._drained.set()

    def pause_writing(self) -> None:
        self.writing_paused = True  # over max_unsent bytes wait in the transport: the client is not reading them
        self._hold_back()

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._go_on()

    def data_received(self, data: bytes) -> None:
        if self.refused:  # an answer refused this connection: read and forget the rest of what is sent
            if self.close_on_data:
                self._close()
            return
        if self.reading_paused or self.unparsed:  # the backlog is full: parsed later, in order
            self.unparsed += data
            return
        self._feed(data)

    def _feed(self, data: bytes) -> None:
        """Parse `data` a slice at a time; what comes after a full backlog is kept for later (`_go_on`)."""
        view = memoryview(data)
        for start in range(0, len(view), FEED_SLICE):
            if self.backlogged:
                self.unparsed = bytes(view[start:])
                self._hold_back()
                return
            self._parse(view[start : start + FEED_SLICE])
            if self.refused:
                return

    def _parse(self, data: bytes | memoryview) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            # the request has been answered as plain HTTP/1.1, which RFC 9110 lets a server do; go on parsing
            self.parser = httptools.HttpRequestParser(self)
            self._parse(data[upgrade.args[0] :])
        except httptools.HttpParserError as error:
            raised = error.__context__  # what a callback raised, wrapped by the parser
            if isinstance(raised, _BadRequest):
                if raised.limit:
                    self.server.limits.hit(raised.limit, f"{raised}: answered {raised.status}")
                refusal = functools.partial(self._refuse, raised.status, str(raised))
            elif raised is not None:  # a bug of ours, not the client's fault: say so, and log it
                refusal = functools.partial(self._fail, "reading a request", raised)
            else:
                refusal = functools.partial(
                    self._refuse, "400 Bad Request", f"this is not an HTTP/1.1 request: {error}"
                )
            self.refused = True  # nothing after this is read
            self._in_turn(refusal)

    # -- httptools callbacks ---------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self.requests += 1
        self.receiving, self.head_received = True, False
        self.url = b""
        self.headers = []
        self.head_size = 0
        self.body = []
        self.body_size = 0
        self._rearm()

    def on_url(self, url: bytes) -> None:
        self.url += url
        self._count_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        self._count_head(len(name) + len(value))

    def on_headers_complete(self) -> None:
        version = self.parser.get_http_version()
        if version not in ("1.1", "1.0"):
            if version == "0.9":  # what llhttp makes of a request line without a version
                raise _BadRequest(
                    "400 Bad Request", "the request line has no HTTP version (HTTP/0.9 is not served): send HTTP/1.1"
                )
            raise _BadRequest("505 HTTP Version Not Supported", f"HTTP/{version} is not served here: send HTTP/1.1")
        self.head_received = True
        self._rearm()
        if self.busy:  # a 100 now would come before an earlier answer
            return  # the client sends its body after a short wait anyway (RFC 9110 10.1.1)
        if any(name.lower() == b"expect" and value.lower() == b"100-continue" for name, value in self.headers):
            self._write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        self.body_size += len(body)
        if self.body_size > self.server.max_body:
            raise _BadRequest(
                "413 Content Too Large", f"the request body is over {self.server.max_body} bytes", limit="max-body"
            )
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.receiving = False
        parser = self.parser
        received = _Received(parser.get_method(), self.url, tuple(self.headers), self.body, parser.get_http_version())
        answer = functools.partial(self._answer, received, bool(parser.should_keep_alive()))
        self._in_turn(answer, self.head_size + self.body_size)

    # -- answering -------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Whether an earlier answer on this connection is still being sent or waits its turn."""
        return self.sending is not None or bool(self.waiting)

    @property
    def unsent_bytes(self) -> int:
        """What this connection holds for its client: answers in the transport's buffer, requests waiting their turn."""
        buffered = self.transport.get_write_buffer_size() if self.transport is not None else 0
        return buffered + self.waiting_bytes

    @property
    def backlogged(self) -> bool:
        """Whether the server should read no more of this connection until some of what it holds has gone."""
        return self.writing_paused or len(self.waiting) >= MAX_WAITING or self.unsent_bytes >= self.server.max_unsent

    def _in_turn(self, send: Callable[[], None], size: int = 0) -> None:
        """Send now, or after the answers before it (HTTP/1.1 answers in the order asked); `size`: the bytes of
        request it holds meanwhile."""
        if not self.busy and not self.writing_paused:
            send()
        else:
            self.waiting.append((send, size))
            self.waiting_bytes += size
            if self.backlogged:
                self._hold_back()  # a client pipelining far ahead, or not reading, waits for its answers
        self._rearm()

    def _hold_back(self) -> None:
        """Stop reading this connection until what it holds has gone (`_go_on` reads it again)."""
        transport = self.transport
        if not self.reading_paused and transport is not None and not transport.is_closing():
            self.reading_paused = True
            transport.pause_reading()
            if self.unsent_bytes >= self.server.max_unsent:  # the client does not read, not the server taking its time
                self.server.limits.hit(
                    "max-unsent",
                    f"a client left {self.server.max_unsent} bytes or more unread: its connection is not read until"
                    " it reads them",
                )
        self._rearm()

    def _go_on(self) -> None:
        """Send the answers waiting their turn, parse what was held back and read again, as far as the backlog
        allows: after an answer that took its time, or once the client has read enough."""
        transport = self.transport
        if transport is None:
            return
        while self.waiting and self.sending is None and not self.writing_paused and not transport.is_closing():
            send, size = self.waiting.popleft()
            self.waiting_bytes -= size
            send()
        if self.unparsed and not self.refused and not self.backlogged and not transport.is_closing():
            data, self.unparsed = self.unparsed, b""
            self._feed(data)
        if self.reading_paused and not self.unparsed and not self.backlogged and not transport.is_closing():
            self.reading_paused = False
            transport.resume_reading()
        self._rearm()

    def _rearm(self) -> None:
        """Set the deadline this connection's state calls for; FastServer's sweep enforces it (`_deadline_passed`)."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return  # `_close` has set the deadline of a closing connection
        if self.writing_paused:
            kind = "send"
        elif self.server.stopping and not self.busy:
            self._close()  # stopping: only the answers in flight are waited for, not requests still arriving
            return
        elif self.refused:
            kind = None
        elif self.receiving and not self.reading_paused:
            kind = "body" if self.head_received else "head"
        elif self.busy or self.reading_paused:
            kind = None  # the server's turn: an answer takes its time (a delay, a dribble), the client waits
        else:
            kind = "idle" if self.requests else "head"
        if kind != self.deadline_kind:
            self.deadline_kind = kind
            seconds = getattr(self.server.timeouts, kind) if kind else 0.0
            self.deadline = self.loop.time() + seconds if seconds else math.inf

    def _deadline_passed(self) -> None:
        kind, timeouts, transport = self.deadline_kind, self.server.timeouts, self.transport
        self.deadline_kind, self.deadline = None, math.inf
        if kind is None or transport is None:
            return
        if kind == "send":
            self.server.limits.hit(
                "send-timeout", f"a client read none of its answers for {timeouts.send:g} s: disconnected"
            )
            transport.abort()
            return
        if transport.is_closing():
            return
        if kind == "idle":  # a keep-alive connection nobody uses: closed quietly, as every server does
            self._close()
            return
        seconds = timeouts.head if kind == "head" else timeouts.body
        message = f"the request {kind} did not arrive within {seconds:g} s"
        self.server.limits.hit(f"{kind}-timeout", f"{message}: answered 408")
        self.refused = True  # nothing after this is read
        self._in_turn(functools.partial(self._refuse, "408 Request Timeout", message))

    def _count_head(self, size: int) -> None:
        self.head_size += size
        if self.head_size > self.server.max_head:
            raise _BadRequest(
                "431 Request Header Fields Too Large",
                f"the request head is over {self.server.max_head} bytes",
                limit="max-head",
            )

    def _environ(self, received: _Received) -> dict[str, Any]:
        target = received.target
        if target.startswith(b"/"):  # origin form, what clients send: split it without a parser
            path, _, query = target.partition(b"?")
            path = path.partition(b"#")[0]
        else:  # absolute form (through a proxy) or something that is not a target at all
            try:
                url = httptools.parse_url(target)
            except httptools.HttpParserInvalidURLError:
                raise _BadRequest("400 Bad Request", f"{target[:200]!r} is not a request target") from None
            path, query = url.path or b"/", url.query or b""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": received.method.decode("latin-1"),
            "SCRIPT_NAME": "",
            "PATH_INFO": (unquote_to_bytes(path) if b"%" in path else path).decode("latin-1"),
            "QUERY_STRING": query.decode("latin-1"),
            "SERVER_NAME": self.server.host,
            "SERVER_PORT": str(self.server.port),
            "SERVER_PROTOCOL": f"HTTP/{received.version}",
            "REMOTE_ADDR": self.peer[0],
            "REMOTE_PORT": str(self.peer[1]),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b"".join(received.body)),
            "wsgi.input_terminated": True,  # the whole body is here, chunked or not
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for raw_name, raw_value in received.headers:
            key = _environ_key(raw_name)
            value = raw_value.decode("latin-1")
            environ[key] = f"{environ[key]}, {value}" if key in environ else value
        return environ

    def _answer(self, received: _Received, keep_alive: bool) -> None:
        """Answer a request in its turn: a repeated poll with the bytes answered before when the application says
        they still hold (`MockApp.replay`: counted and journaled as any poll), anything else in full."""
        replays, app = self.server.replays, self.app
        key = (received.method, received.target, received.headers) if not received.body else None
        known = replays.get(key) if key is not None else None
        if known is not None:
            if app.replay(known.replay):
                if self.server.access_log:
                    self.server.log_line(*known.logged)
                head = known.head
                if known.renewed:  # a request id, say: new in every answer
                    head += b"".join(
                        b"\r\n%s: %s" % (name.encode(), value.encode()) for name, value in app.dialect.renewed().items()
                    )
                self._write_answer(head, known.body, keep_alive)
                return
            del replays[key]  # the job, or what its answer depends on, has changed
        environ = self._environ(received)
        request = Request(environ)
        try:
            answer = app.answer(request)
        except Exception as error:  # MockApp.answer does not raise; if it does, this connection ends, not the server
            self._fail(f"answering {request.method} {request.path}", error)
            return
        logged = ("", "", "")
        if self.server.access_log:
            status = "dropped" if answer.dropped else str(answer.response.status_code)
            query = redact_query(request.query_string.decode("latin-1"))
            target = f"{request.path}?{query}" if query else request.path
            logged = (loggable(request.method), loggable(target), status)
            self.server.log_line(*logged)
        if answer.faults:  # something to wait for, or a drop
            self.sending = asyncio.get_running_loop().create_task(self._send_slowly(answer, request.method, keep_alive))
            return
        head, body = self._prepared(answer.response, request.method)
        if key is not None and answer.replay is not None:
            if len(replays) >= MAX_REPLAYS:  # clients poll a few URLs over and over; a flood of others starts afresh
                replays.clear()
            renewed = frozenset(name.lower() for name in app.dialect.renewed_headers)
            kept = self._prepared(answer.response, request.method, renewed)[0] if renewed else head
            replays[key] = _Replayable(answer.replay, kept, body, logged, bool(renewed))
        self._write_answer(head, body, keep_alive)

    async def _send_slowly(self, answer: Answer, method: str, keep_alive: bool) -> None:
        if answer.delay:
            await asyncio.sleep(answer.delay)  # the loop goes on answering other connections
        if answer.dropped:
            self._close(abort=True)
            return
        keep_alive = keep_alive and not self.server.stopping  # a stopping server closes after each answer
        prepared, body = self._prepared(answer.response, method)
        head = self._head(prepared, keep_alive)
        schedule = dribble_schedule(body, answer.dribble) if answer.dribble else [(0.0, body)]
        for index, (wait, piece) in enumerate(schedule):
            if wait:
                await asyncio.sleep(wait)
            self._write(head + piece if index == 0 else piece)
        self.sending = None
        if not keep_alive:
            self._close()
            return
        self._go_on()

    def _write_answer(self, prepared: bytes, body: bytes, keep_alive: bool) -> None:
        keep_alive = keep_alive and not self.server.stopping  # a stopping server closes after each answer
        self._write(self._head(prepared, keep_alive) + body)
        if not keep_alive:
            self._close()

    @staticmethod
    def _prepared(response: Response, method: str, leave_out: frozenset[str] = frozenset()) -> tuple[bytes, bytes]:
        """The answer's status line and headers up to its Content-Length (what `_head` completes) but those named
        in `leave_out` (lower case), and its body as sent (none for HEAD)."""
        body = b"" if response.status_code in NO_BODY_STATUSES else response.get_data()
        lines = [f"HTTP/1.1 {response.status}".encode("latin-1")]
        for name, value in response.headers.items():
            lowered = name.lower()
            if lowered not in ("content-length", "connection", "date", "server") and lowered not in leave_out:
                lines.append(f"{name}: {value}".encode("latin-1"))
        if response.status_code not in NO_BODY_STATUSES:
            lines.append(b"Content-Length: %d" % len(body))
        return b"\r\n".join(lines), (b"" if method == "HEAD" else body)

    @staticmethod
    def _head(prepared: bytes, keep_alive: bool) -> bytes:
        """The whole head: `prepared` with the `Date`, `Server` and `Connection` of this moment."""
        close = b"" if keep_alive else b"\r\nConnection: close"
        return b"%s\r\nDate: %s\r\nServer: jobcontract%s\r\n\r\n" % (prepared, _Date.now(), close)

    def _refuse(self, status: str, message: str, retry_after: int | None = None) -> None:
        """Answer in plain text and end the connection. The client may still be sending (a body too large):
        closing at once would reset the connection and lose the answer, so the server stops writing, reads
        and forgets the rest for a while (a lingering close, as Apache and nginx do), then closes."""
        self._write(plain_answer(status, message, retry_after))
        self.refused = True
        self.waiting.clear()
        self.waiting_bytes, self.unparsed = 0, b""
        self.deadline_kind, self.deadline = None, math.inf
        if self.transport is not None and not self.transport.is_closing() and self.transport.can_write_eof():
            self.transport.write_eof()  # the client reads the answer, then the end of the stream
            self.loop.call_later(LINGER, self._close)
        else:
            self._close()

    def _fail(self, doing: str, error: BaseException) -> None:
        """A failure of the mock's own: logged with its traceback, answered 500, the connection ended."""
        log.error("the mock failed %s", doing, exc_info=error)
        self._refuse("500 Internal Server Error", "the mock failed; its log has the traceback")

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _close(self, abort: bool = False) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if abort:
            transport.abort()  # a dropped answer, a stop: nothing more goes out, not even what is buffered
            return
        transport.close()
        if transport.get_write_buffer_size():  # it closes once the client has read the rest: if it does not, cut
            seconds = self.server.timeouts.send
            self.deadline_kind, self.deadline = "send", self.loop.time() + seconds if seconds else math.inf


class FastServer:
    """A mock served over real HTTP on loopback by an event loop in one background thread (one process,
    so one engine), within the limits the module docstring describes; `limits.counts` counts their hits."""

    def __init__(
        self,
        app: MockApp,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        access_log: bool = False,
        max_body: int = MAX_BODY,
        max_head: int = MAX_HEAD,
        max_connections: int | None = None,
        max_unsent: int = MAX_UNSENT,
        timeouts: Timeouts = Timeouts(),
        drain: float = DRAIN,
    ) -> None:
        if max_connections is not None and max_connections < 1:
            raise ValueError(f"max_connections is at least 1, not {max_connections}")
        if not 0 <= drain < math.inf:
            raise ValueError(f"drain is a number of seconds (0: none), not {drain!r}")
        self.app = app
        self.host = host
        self.port = port
        self.access_log = access_log
        self.max_body = max_body
        self.max_head = max_head
        self.max_connections = default_max_connections() if max_connections is None else max_connections
        self.max_unsent = max_unsent
        self.timeouts = timeouts
        self.drain = drain
        self.limits = LimitWarnings()
        self.stopping = False
        self.cut_off = 0  # connections the last stop() closed with their answers still in flight
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[_Connection] = set()
        self._unlogged: list[str] = []  # access-log lines for the end of the loop's turn (`log_line`)
        #: the answers a repeated request may get again, by (method, target, headers): see `_Connection._answer`
        self.replays: dict[tuple[bytes, bytes, tuple[tuple[bytes, bytes], ...]], _Replayable] = {}
        self._refusing: set[_Connection] = set()  # refused over max_connections, being closed
        self._drained: asyncio.Event | None = None  # set while stopping, once no connection is left
        self._hurried = False
        # the sweep for deadlines runs a few times per shortest timeout, at most once a second
        shortest = min((seconds for seconds in vars(timeouts).values() if seconds), default=4.0)
        self._tick = min(1.0, max(0.02, shortest / 4))

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Bind and start answering; raises OSError here (not in the thread) if the port is taken."""
        if self.is_running():
            raise RuntimeError("the server is already running")
        if self.access_log and not ACCESS_LOG.handlers:  # one line per request on stderr, like werkzeug's
            ACCESS_LOG.addHandler(_AccessHandler())
            ACCESS_LOG.setLevel(logging.INFO)
        loop = new_event_loop()
        try:
            self._server = loop.run_until_complete(
                loop.create_server(lambda: _Connection(self), self.host, self.port, reuse_address=True, backlog=1024)
            )
        except BaseException:
            loop.close()
            raise
        self._loop = loop
        self.stopping, self._drained, self._hurried = False, None, False
        self.port = int(self._server.sockets[0].getsockname()[1])
        loop.call_soon(self._sweep)
        self._thread = threading.Thread(target=loop.run_forever, name="jobcontract-fastserver", daemon=True)
        self._thread.start()
        self.app.base_url = self.url

    def stop(self, drain: float | None = None) -> None:
        """Stop accepting and close the idle connections; let the answers in flight finish for up to `drain`
        seconds (default: the server's own `drain`; 0: none), each sent with `Connection: close`; then close
        what remains and log how many were cut off (also in `cut_off`)."""
        loop, server, thread = self._loop, self._server, self._thread
        if loop is None or server is None or thread is None:
            return
        drain = self.drain if drain is None else drain

        async def shut_down() -> None:
            server.close()
            self.stopping = True
            self._drained = asyncio.Event()
            for refused in list(self._refusing):
                refused._close(abort=True)
            for connection in list(self._connections):
                connection._rearm()  # the idle ones close now, the others once answered
            if self._connections and drain > 0 and not self._hurried:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._drained.wait(), drain)
            cut = list(self._connections)
            for connection in cut:
                connection._close(abort=True)
            after = drained_for(drain, self._hurried)
            self.cut_off = len(cut)
            if cut:
                log.warning("stopping: cut off %d connection(s) whose answers were still in flight %s", len(cut), after)
            self.limits.flush()
            self.flush_log()
            await server.wait_closed()

        with contextlib.suppress(RuntimeError, TimeoutError):  # RuntimeError: the loop has stopped already
            asyncio.run_coroutine_threadsafe(shut_down(), loop).result(timeout=drain + 5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        if not thread.is_alive():
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.close()
            self.flush_log()  # lines of the last turn, if the loop stopped before it ended
        self._loop = self._server = self._thread = None

    def log_line(self, method: str, target: str, status: str) -> None:
        """One access-log line (its fields made loggable). Where only the handler `start` installed would see it
        (nothing else configured on the logger or above it), it is written to that handler's stream at the end of
        the loop's turn, with the other lines of that turn: a LogRecord and a write per request cost more than a
        replayed poll. Anywhere else it goes through `logging`."""
        if self._only_own_handler():
            if not self._unlogged:
                cast(asyncio.AbstractEventLoop, self._loop).call_soon(self.flush_log)
            self._unlogged.append(f"{method} {target} {status}\n")
        else:
            ACCESS_LOG.info("%s %s %s", method, target, status)

    def flush_log(self) -> None:
        """Write the access-log lines held for the end of this turn of the loop."""
        lines, self._unlogged = self._unlogged, []
        handler = next((h for h in ACCESS_LOG.handlers if isinstance(h, _AccessHandler)), None)
        if lines and handler is not None:
            with handler.lock or contextlib.nullcontext():
                try:
                    handler.stream.write("".join(lines))
                    handler.flush()
                except Exception:  # as logging does: a log that cannot be written does not stop the server
                    handler.handleError(logging.makeLogRecord({"msg": lines[0].rstrip("\n")}))

    @staticmethod
    def _only_own_handler() -> bool:
        logger = ACCESS_LOG
        if len(logger.handlers) != 1 or logger.filters:
            return False
        own = logger.handlers[0]
        if not isinstance(own, _AccessHandler) or own.filters or own.formatter is not None:
            return False
        if not logger.isEnabledFor(logging.INFO) or own.level > logging.INFO:
            return False
        parent = logger.parent if logger.propagate else None
        while parent is not None:  # a handler above (pytest's, a user's) would see the record too
            if parent.handlers:
                return False
            parent = parent.parent if parent.propagate else None
        return True

    def hurry(self) -> None:
        """Cut a drain in progress short (a second Ctrl-C); safe from any thread, and from a signal handler."""
        self._hurried = True
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed already
                loop.call_soon_threadsafe(self._end_drain)

    def _end_drain(self) -> None:
        if self._drained is not None:
            self._drained.set()

    def _sweep(self) -> None:
        """Every tick: end the connections whose deadline has passed (each connection's state sets its own)."""
        loop = cast(asyncio.AbstractEventLoop, self._loop)
        now = loop.time()
        for connection in [connection for connection in self._connections if connection.deadline <= now]:
            connection._deadline_passed()
        loop.call_later(self._tick, self._sweep)

    def __enter__(self) -> FastServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
