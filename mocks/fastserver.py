"""A mock served by one event loop: the same application as `MockServer`, several times the throughput.

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

Bad input gets a plain-text answer and the connection closed: 400 for what is not HTTP/1.x, 413 for
a body over `max_body` bytes, 431 for a head over `max_head` bytes. Nothing here crashes the loop: an
error in one connection is logged and closes that connection only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from email.utils import formatdate
from types import TracebackType
from typing import Any, cast
from urllib.parse import unquote_to_bytes

import httptools
from werkzeug.wrappers import Request, Response

from .answer import Answer
from .app import MockApp
from .engine import dribble_schedule

try:  # a faster drop-in loop; not built for Windows, where asyncio's own loop serves
    import uvloop

    new_event_loop: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
except ImportError:  # pragma: no cover - depends on the platform
    new_event_loop = asyncio.new_event_loop

ACCESS_LOG = logging.getLogger("jobcontract.access")
log = logging.getLogger("jobcontract.mocks")

MAX_BODY = 1024 * 1024  # a job-status API takes small JSON or form bodies; each is checked in the loop
MAX_HEAD = 64 * 1024
MAX_WAITING = 32  # requests pipelined behind a slow answer before the server stops reading more
LINGER = 2.0  # seconds a refused connection is read and forgotten before it is closed
NO_BODY_STATUSES = frozenset({204, 304})


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


class _BadRequest(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Connection(asyncio.Protocol):
    """One client connection: parses requests, answers them in order, carries out waiting faults."""

    def __init__(self, server: FastServer) -> None:
        self.server = server
        self.app = server.app
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.peer = ("", 0)
        # the request being parsed
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_size = 0
        self.body: list[bytes] = []
        self.body_size = 0
        # what comes next on this connection while an earlier answer is still being sent (a delay, a
        # dribble): the answers to pipelined requests, or a refusal, each sent in its turn
        self.waiting: deque[Callable[[], None]] = deque()
        self.sending: asyncio.Task[None] | None = None
        self.refused = False

    # -- asyncio.Protocol ----------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        peer = transport.get_extra_info("peername")
        self.peer = (str(peer[0]), int(peer[1])) if isinstance(peer, tuple) else ("", 0)
        self.server._connections.add(self)

    def connection_lost(self, error: Exception | None) -> None:
        self.server._connections.discard(self)
        self.waiting.clear()
        if self.sending is not None:
            self.sending.cancel()

    def data_received(self, data: bytes) -> None:
        if self.refused:  # an answer refused this connection: read and forget the rest of what is sent
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            # the request has been answered as plain HTTP/1.1, which RFC 9110 lets a server do; go on parsing
            self.parser = httptools.HttpRequestParser(self)
            self.data_received(data[upgrade.args[0] :])
        except httptools.HttpParserError as error:
            raised = error.__context__  # what a callback raised, wrapped by the parser
            if isinstance(raised, _BadRequest):
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
        self.url = b""
        self.headers = []
        self.head_size = 0
        self.body = []
        self.body_size = 0

    def on_url(self, url: bytes) -> None:
        self.url += url
        self._count_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        self._count_head(len(name) + len(value))

    def on_headers_complete(self) -> None:
        if self.busy:  # a 100 now would come before an earlier answer
            return  # the client sends its body after a short wait anyway (RFC 9110 10.1.1)
        if any(name.lower() == b"expect" and value.lower() == b"100-continue" for name, value in self.headers):
            self._write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        self.body_size += len(body)
        if self.body_size > self.server.max_body:
            raise _BadRequest("413 Content Too Large", f"the request body is over {self.server.max_body} bytes")
        self.body.append(body)

    def on_message_complete(self) -> None:
        self._in_turn(functools.partial(self._answer, self._environ(), bool(self.parser.should_keep_alive())))

    # -- answering -------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Whether an earlier answer on this connection is still being sent or waits its turn."""
        return self.sending is not None or bool(self.waiting)

    def _in_turn(self, send: Callable[[], None]) -> None:
        """Send now, or after the answers before it (HTTP/1.1 answers in the order asked)."""
        if not self.busy:
            send()
            return
        self.waiting.append(send)
        if len(self.waiting) >= MAX_WAITING and self.transport is not None:
            self.transport.pause_reading()  # a client pipelining far ahead waits for its answers

    def _count_head(self, size: int) -> None:
        self.head_size += size
        if self.head_size > self.server.max_head:
            raise _BadRequest(
                "431 Request Header Fields Too Large", f"the request head is over {self.server.max_head} bytes"
            )

    def _environ(self) -> dict[str, Any]:
        target = self.url
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
            "REQUEST_METHOD": self.parser.get_method().decode("latin-1"),
            "SCRIPT_NAME": "",
            "PATH_INFO": (unquote_to_bytes(path) if b"%" in path else path).decode("latin-1"),
            "QUERY_STRING": query.decode("latin-1"),
            "SERVER_NAME": self.server.host,
            "SERVER_PORT": str(self.server.port),
            "SERVER_PROTOCOL": f"HTTP/{self.parser.get_http_version()}",
            "REMOTE_ADDR": self.peer[0],
            "REMOTE_PORT": str(self.peer[1]),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b"".join(self.body)),
            "wsgi.input_terminated": True,  # the whole body is here, chunked or not
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for raw_name, raw_value in self.headers:
            key = _environ_key(raw_name)
            value = raw_value.decode("latin-1")
            environ[key] = f"{environ[key]}, {value}" if key in environ else value
        return environ

    def _answer(self, environ: dict[str, Any], keep_alive: bool) -> None:
        request = Request(environ)
        try:
            answer = self.app.answer(request)
        except Exception as error:  # MockApp.answer does not raise; if it does, this connection ends, not the server
            self._fail(f"answering {request.method} {request.path}", error)
            return
        if self.server.access_log:
            status = "dropped" if answer.dropped else answer.response.status_code
            ACCESS_LOG.info("%s %s %s", request.method, request.full_path.rstrip("?"), status)
        if answer.faults:  # something to wait for, or a drop
            self.sending = asyncio.get_running_loop().create_task(self._send_slowly(answer, environ, keep_alive))
            return
        self._send(answer.response, environ, keep_alive)

    async def _send_slowly(self, answer: Answer, environ: dict[str, Any], keep_alive: bool) -> None:
        if answer.delay:
            await asyncio.sleep(answer.delay)  # the loop goes on answering other connections
        if answer.dropped:
            self._close(abort=True)
            return
        head, body = self._render(answer.response, environ, keep_alive)
        schedule = dribble_schedule(body, answer.dribble) if answer.dribble else [(0.0, body)]
        for index, (wait, piece) in enumerate(schedule):
            if wait:
                await asyncio.sleep(wait)
            self._write(head + piece if index == 0 else piece)
        self.sending = None
        if not keep_alive:
            self._close()
            return
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.resume_reading()
        while self.waiting and self.sending is None and not self.transport.is_closing():
            self.waiting.popleft()()

    def _send(self, response: Response, environ: dict[str, Any], keep_alive: bool) -> None:
        head, body = self._render(response, environ, keep_alive)
        self._write(head + body)
        if not keep_alive:
            self._close()

    def _render(self, response: Response, environ: dict[str, Any], keep_alive: bool) -> tuple[bytes, bytes]:
        body = b"" if response.status_code in NO_BODY_STATUSES else response.get_data()
        lines = [f"HTTP/1.1 {response.status}".encode("latin-1")]
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "connection", "date", "server"):
                lines.append(f"{name}: {value}".encode("latin-1"))
        if response.status_code not in NO_BODY_STATUSES:
            lines.append(b"Content-Length: %d" % len(body))
        lines.append(b"Date: " + _Date.now())
        lines.append(b"Server: jobcontract")
        if not keep_alive:
            lines.append(b"Connection: close")
        head = b"\r\n".join(lines) + b"\r\n\r\n"
        return head, (b"" if environ["REQUEST_METHOD"] == "HEAD" else body)

    def _refuse(self, status: str, message: str) -> None:
        """Answer in plain text and end the connection. The client may still be sending (a body too large):
        closing at once would reset the connection and lose the answer, so the server stops writing, reads
        and forgets the rest for a while (a lingering close, as Apache and nginx do), then closes."""
        body = message.encode("utf-8", "replace") + b"\n"
        self._write(
            f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode("latin-1")
            + body
        )
        self.refused = True
        self.waiting.clear()
        if self.transport is not None and not self.transport.is_closing() and self.transport.can_write_eof():
            self.transport.write_eof()  # the client reads the answer, then the end of the stream
            asyncio.get_running_loop().call_later(LINGER, self._close)
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
        if self.transport is not None and not self.transport.is_closing():
            if abort:
                self.transport.abort()  # a dropped answer: nothing more goes out, not even what is buffered
            else:
                self.transport.close()


class FastServer:
    """A mock served over real HTTP on loopback by an event loop in one background thread (one process,
    so one engine)."""

    def __init__(
        self,
        app: MockApp,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        access_log: bool = False,
        max_body: int = MAX_BODY,
        max_head: int = MAX_HEAD,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.access_log = access_log
        self.max_body = max_body
        self.max_head = max_head
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[_Connection] = set()

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
            ACCESS_LOG.addHandler(logging.StreamHandler())
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
        self.port = int(self._server.sockets[0].getsockname()[1])
        self._thread = threading.Thread(target=loop.run_forever, name="jobcontract-fastserver", daemon=True)
        self._thread.start()
        self.app.base_url = self.url

    def stop(self) -> None:
        loop, server, thread = self._loop, self._server, self._thread
        if loop is None or server is None or thread is None:
            return

        async def shut_down() -> None:
            server.close()
            for connection in list(self._connections):
                connection._close(abort=True)
            await server.wait_closed()

        with contextlib.suppress(RuntimeError, TimeoutError):  # RuntimeError: the loop has stopped already
            asyncio.run_coroutine_threadsafe(shut_down(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        if not thread.is_alive():
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.close()
        self._loop = self._server = self._thread = None

    def __enter__(self) -> FastServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
