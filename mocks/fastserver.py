"""A mock served by waitress: the same application as `MockServer`, about three times the throughput.

`MockServer` (pytest-httpserver's werkzeug server) stays what the pytest fixtures use; `FastServer`
is for the standalone `serve`, where clients in any language poll hard (bench/README.md has the
figures). Same interface: `start()`, `stop()`, `url`, `app`, and a context manager.

Faults behave as on `MockServer`: a scripted `delay` sleeps in one worker thread while the others
go on answering (`threads` bounds how many delayed polls can be pending at once; keep-alive
connections that wait between requests hold no thread), and `drop` closes the client's socket
without an answer.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher, WSGITask
from werkzeug.wrappers import Request, Response

from .app import DropConnection, MockApp

CHANNEL_KEY = "jobcontract.channel"
ACCESS_LOG = logging.getLogger("jobcontract.access")


class _ChannelTask(WSGITask):
    """A waitress task that tells the application which connection it is answering (for `drop`)."""

    def get_environment(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environment()
        environ[CHANNEL_KEY] = self.channel
        return environ


class _Channel(HTTPChannel):  # type: ignore[misc]
    task_class = _ChannelTask


class _Server(TcpWSGIServer):  # type: ignore[misc]
    channel_class = _Channel


class FastServer:
    """A mock served over real HTTP on loopback by waitress (threads; one process, so one engine)."""

    def __init__(
        self, app: MockApp, host: str = "127.0.0.1", port: int = 0, *, threads: int = 32, access_log: bool = False
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.threads = threads
        self.access_log = access_log
        self._server: _Server | None = None
        self._dispatcher: ThreadedTaskDispatcher | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.is_running():
            raise RuntimeError("the server is already running")
        if self.access_log and not ACCESS_LOG.handlers:  # one line per request on stderr, like werkzeug's
            ACCESS_LOG.addHandler(logging.StreamHandler())
            ACCESS_LOG.setLevel(logging.INFO)
        adjustments = Adjustments(host=self.host, port=self.port, threads=self.threads, ident="jobcontract")
        self._dispatcher = ThreadedTaskDispatcher()
        self._dispatcher.set_thread_count(adjustments.threads)
        self._server = _Server(
            self._wsgi, {}, dispatcher=self._dispatcher, adj=adjustments, sockinfo=adjustments.listen[0]
        )
        self.port = self._server.getsockname()[1] if self.port == 0 else self.port
        self.port = int(self.port)
        self._thread = threading.Thread(target=self._server.run, name="jobcontract-fastserver", daemon=True)
        self._thread.start()
        self.app.base_url = self.url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.task_dispatcher.shutdown(timeout=1)
        self._server.close()
        # `run` loops until its socket map is empty; close the connections that are still open
        for dispatcher in list(self._server._map.values()):
            dispatcher.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = self._dispatcher = None

    def __enter__(self) -> FastServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self.app.handle(request)
        except DropConnection:
            channel: HTTPChannel = environ[CHANNEL_KEY]
            channel.will_close = True
            with contextlib.suppress(OSError):  # OSError: the client has gone already
                channel.socket.shutdown(socket.SHUT_RDWR)  # the client sees the connection close, no answer
            response = Response(status=500)  # never reaches the client
        if self.access_log:
            ACCESS_LOG.info("%s %s %s", request.method, request.full_path.rstrip("?"), response.status_code)
        return response(environ, start_response)
