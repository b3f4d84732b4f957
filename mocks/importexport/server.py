"""moto's own server (its `DomainDispatcherApplication`, as `ThreadedMotoServer` runs it) with the
Import/Export backend registered. It binds in the caller's thread: on a busy port werkzeug reports the
port and exits there, where ThreadedMotoServer (binding in its own thread) would wait forever.

moto's server picks a service from a request's SigV4 credential scope, else guesses from its body and
falls back to S3: a form post with another `Version`, a browser's GET of an artifact or of the control
API would get S3's answers. Here every request not signed with SigV4 for another service is
Import/Export's (its control API and documents included); moto's `/moto-api` stays as it is.

Limits, as `FastServer` has them (mocks/fastserver.py), for a server that gives each connection a thread:
at most `max_connections` connections (default 128) are served at once, and one beyond is answered
`503 Service Unavailable` with `Retry-After: 1` and closed; a request body over `max_body` bytes (1 MiB)
is answered `413 Content Too Large`, before it is read when its Content-Length says so, as soon as it
goes over when it is chunked; a socket silent for `timeout` seconds (10) is closed (werkzeug closes
each connection after its answer: there is no keep-alive to time out). Each limit hit is a WARNING on
`jobcontract.mocks`, rate-limited (`LimitWarnings`); the access log escapes control characters and
redacts credentials in the query string; an HTTP/0.9 request (no version) is answered 400.
`stop(drain)` stops accepting, ends the connections whose request is still arriving, lets the answers in
flight finish for up to `drain` seconds (5), then cuts the rest and logs how many."""

from __future__ import annotations

import contextlib
import io
import logging
import re
import selectors
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from http import HTTPStatus
from threading import Thread
from types import TracebackType
from typing import Any, cast

import requests
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import DechunkedInput, ThreadedWSGIServer
from werkzeug.urls import uri_to_iri

from ..control import CONTROL_PREFIX
from ..fastserver import (
    DRAIN,
    LINGER,
    MAX_BODY,
    LimitWarnings,
    default_max_connections,
    drained_for,
    log,
    loggable,
    plain_answer,
)
from ..redaction import redact_query
from . import register
from .documents import ARTIFACTS, SHIPPING_LABELS

HOST = "importexport.amazonaws.com"
SIGV4_SCOPE = re.compile(r"Credential=[^/\s,]+/[^/]+/[^/]+/([^/]+)/aws4_request")
OWN_PATHS = (CONTROL_PREFIX, ARTIFACTS + "/", SHIPPING_LABELS + "/")
MAX_CONNECTIONS = 128  # a thread each; a job-status mock needs few at once
SOCKET_TIMEOUT = 10.0


class ImportExportDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, with Import/Export as the service of whatever is not SigV4-signed for another."""

    def infer_service_region_host(self, environ: dict[str, Any], path: str) -> str | None:
        scope = SIGV4_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if path.startswith(OWN_PATHS) or scope is None:
            return HOST
        return super().infer_service_region_host(environ, path)


class _Lingerer:
    """Closes refused sockets from one thread, each once its client has sent something (its request) or closed,
    or after LINGER seconds: closed at once, with the request unread, a connection is reset, and the reset can
    lose the refusal before the client reads it. At most `limit` at a time; beyond, a socket is closed at once."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._selector = selectors.DefaultSelector()
        self._deadlines: dict[socket.socket, float] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            if len(self._deadlines) < self.limit:
                self._deadlines[sock] = time.monotonic() + LINGER
                self._selector.register(sock, selectors.EVENT_READ)
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="importexport-lingerer", daemon=True)
                    self._thread.start()
                return
        sock.close()

    def close_all(self) -> None:
        with self._lock:
            socks = list(self._deadlines)
        for sock in socks:
            self._forget(sock)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._deadlines:
                    self._thread = None
                    return
            for key, _ in self._selector.select(timeout=0.05):
                sock = cast(socket.socket, key.fileobj)
                with contextlib.suppress(OSError):
                    sock.recv(65536)
                self._forget(sock)
            now = time.monotonic()
            with self._lock:
                expired = [sock for sock, deadline in self._deadlines.items() if deadline <= now]
            for sock in expired:
                self._forget(sock)

    def _forget(self, sock: socket.socket) -> None:
        with self._lock:
            if self._deadlines.pop(sock, None) is None:
                return
            self._selector.unregister(sock)
        sock.close()


class _LimitedServer(ThreadedWSGIServer):
    """werkzeug's threaded server serving at most `max_connections` connections (threads) at once."""

    block_on_close = False  # stop() waits for the requests in flight itself, for a bounded time
    request_queue_size = 1024  # werkzeug's 128: under a flood the kernel drops connections, clients retry in 1 s

    def __init__(
        self, host: str, port: int, app: Any, owner: ImportExportServer, handler: type[MotoRequestHandler]
    ) -> None:
        self.owner = owner
        self.limits = owner.limits
        self._open: set[socket.socket] = set()
        self._answering: set[socket.socket] = set()  # the connections whose request is being answered
        self._changed = threading.Condition()
        self.hurried = False
        self.stopping = False  # no request is begun to be answered any more
        self._lingerer = _Lingerer(owner.max_connections)
        super().__init__(host, port, app, handler=handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._changed:
            admitted = len(self._open) < self.owner.max_connections
            if admitted:
                self._open.add(request)
        if admitted:
            try:
                super().process_request(request, client_address)  # a thread for the connection
            except BaseException:  # no thread (the process is out of them): the place is free again
                with self._changed:
                    self._open.discard(request)
                raise
            return
        self.limits.hit(
            "max-connections",
            f"{self.owner.max_connections} connections are being served (--max-connections): a new one was"
            " answered 503",
        )
        answer = plain_answer(
            "503 Service Unavailable",
            f"the mock serves {self.owner.max_connections} connections at once, its limit; try again in a moment",
            retry_after=1,
        )
        with contextlib.suppress(OSError):  # a fresh socket's buffer takes the answer whole; never wait on it
            request.setblocking(False)
            request.send(answer)
            request.shutdown(socket.SHUT_WR)
        self._lingerer.add(request)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._changed:
                self._open.discard(request)
                self._changed.notify_all()

    @contextlib.contextmanager
    def answering(self, connection: socket.socket) -> Iterator[None]:
        """While a connection's request is being answered: what stop() waits for."""
        with self._changed:
            self._answering.add(connection)
        try:
            yield
        finally:
            with self._changed:
                self._answering.discard(connection)
                self._changed.notify_all()

    def drain(self, seconds: float) -> int:
        """End the connections with no answer in flight (a request still arriving) now, wait up to `seconds` for
        the answers in flight, then cut the rest; how many were cut."""
        self._lingerer.close_all()
        with self._changed:
            self.stopping = True
            arriving = self._open - self._answering
        self._end(arriving)
        with self._changed:
            self._changed.wait_for(lambda: not self._answering or self.hurried, timeout=seconds)
            cut = list(self._answering)
        self._end(cut)
        return len(cut)

    @staticmethod
    def _end(connections: Iterable[socket.socket]) -> None:
        for connection in connections:
            with contextlib.suppress(OSError):  # its thread sees the end of the stream and ends
                connection.shutdown(socket.SHUT_RDWR)

    def hurry(self) -> None:
        with self._changed:
            self.hurried = True
            self._changed.notify_all()


class _LimitedHandler(MotoRequestHandler):
    """moto's request handler within the server's limits: a socket timeout, the body's size checked before it is
    read, no HTTP/0.9, and an access log line that cannot be forged and holds no credential."""

    server: _LimitedServer
    chunked_body: bytes | None = None  # a chunked body, read within the limit before the application runs

    def setup(self) -> None:
        self.timeout = self.server.owner.timeout or None  # StreamRequestHandler.setup sets it on the socket (0: none)
        super().setup()

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":  # http.server would answer a bare body, with no status
            self._refuse(
                HTTPStatus.BAD_REQUEST, "the request line has no HTTP version (HTTP/0.9 is not served): send HTTP/1.1"
            )
            return False
        return True

    def run_wsgi(self) -> None:
        if self.server.stopping:  # a request cut short by stop() (its head ends early): not answered
            self.close_connection = True
            return
        self.chunked_body = None
        limit = self.server.owner.max_body
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            try:
                self.chunked_body = io.BufferedReader(DechunkedInput(self.rfile)).read(limit + 1)
            except TimeoutError:
                raise  # a client too slow: werkzeug drops the connection
            except OSError as error:  # werkzeug's words for a malformed chunk
                self._refuse(HTTPStatus.BAD_REQUEST, f"the chunked request body is malformed: {error}")
                return
            too_large = len(self.chunked_body) > limit
        else:
            length = self.headers.get("Content-Length", "").strip()
            too_large = length.isdigit() and int(length) > limit
        if too_large:
            self.server.limits.hit("max-body", f"a request body was over {limit} bytes: answered 413")
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the request body is over {limit} bytes")
            return
        with self.server.answering(self.connection):
            super().run_wsgi()

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        if self.chunked_body is not None:  # read already: the application reads it from memory
            environ["wsgi.input"] = io.BytesIO(self.chunked_body)
            environ["CONTENT_LENGTH"] = str(len(self.chunked_body))
        return environ

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        """Answer in plain text and close, reading and forgetting for a moment what the client still sends, so
        that it reads the answer rather than a reset."""
        phrase = "Content Too Large" if status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE else status.phrase
        self.wfile.write(plain_answer(f"{status.value} {phrase}", message))
        self.wfile.flush()
        self.close_connection = True
        self.log_request(status.value)
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(LINGER)
            deadline = time.monotonic() + LINGER
            while time.monotonic() < deadline and self.connection.recv(65536):
                pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """werkzeug's line, with the query string's credentials redacted and every field escaped."""
        target = getattr(self, "path", None)
        if target is None:  # the request line was not understood
            line = self.requestline
        else:
            path, question, query = target.partition("?")
            line = f"{self.command} {uri_to_iri(path)}{question}{redact_query(query)} {self.request_version}"
        self.log("info", '"%s" %s %s', loggable(line), loggable(str(code)), loggable(str(size)))

    def log_error(self, format: str, *args: Any) -> None:
        if format.startswith("Request timed out"):  # http.server's words for the socket timeout
            self._timed_out()
            return
        super().log_error(format, *args)

    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        if isinstance(error, TimeoutError):
            self._timed_out()

    def _timed_out(self) -> None:
        self.server.limits.hit(
            "timeout", f"a client was silent for {self.server.owner.timeout:g} s (the socket timeout): disconnected"
        )


class ImportExportServer(ThreadedMotoServer):
    """`with ImportExportServer() as server: boto3.client("importexport", endpoint_url=server.url, ...)`"""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        access_log: bool = False,
        max_connections: int | None = None,
        max_body: int = MAX_BODY,
        timeout: float = SOCKET_TIMEOUT,
        drain: float = DRAIN,
    ) -> None:
        super().__init__(ip_address=host, port=port, verbose=False)
        self.access_log = access_log
        self.max_connections = default_max_connections(MAX_CONNECTIONS) if max_connections is None else max_connections
        self.max_body = max_body
        self.timeout = timeout
        self.drain = drain
        self.limits = LimitWarnings()
        self.cut_off = 0  # connections the last stop() cut with their requests still in flight

    def start(self) -> None:
        register()
        if not self.access_log:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = ImportExportDispatcher(create_backend_app)
        self._server = _LimitedServer(self._ip_address, self._port, app, self, _LimitedHandler)
        self._thread = Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},  # how soon stop() is seen: werkzeug's 0.5 s costs every test that stops one
            name="importexport-moto-server",
            daemon=True,
        )
        self._thread.start()

    def stop(self, drain: float | None = None) -> None:
        """Stop accepting and end the connections whose request is still arriving; let the answers in flight
        finish for up to `drain` seconds (default: the server's `drain`; 0: none), then cut the rest and log how
        many (also in `cut_off`)."""
        server = self._server
        super().stop()  # serve_forever ends and closes the listening socket
        if isinstance(server, _LimitedServer):
            drain = self.drain if drain is None else drain
            self.cut_off = server.drain(drain)
            if self.cut_off:
                after = drained_for(drain, server.hurried)
                log.warning(
                    "stopping: cut off %d connection(s) whose answers were still in flight %s", self.cut_off, after
                )
            self.limits.flush()
            server.server_close()

    def hurry(self) -> None:
        """Cut a drain in progress short (a second Ctrl-C); safe from any thread."""
        if isinstance(self._server, _LimitedServer):
            self._server.hurry()

    @property
    def url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    @property
    def control_url(self) -> str:
        """The control API every mock serves (`mocks/importexport/control.py`); moto's own `/moto-api` works too."""
        return f"{self.url}{CONTROL_PREFIX}"

    def reset(self) -> None:
        """Forget every job of every account (clocks start again, the journal is emptied)."""
        requests.post(f"{self.control_url}/reset", timeout=10).raise_for_status()

    def __enter__(self) -> ImportExportServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
