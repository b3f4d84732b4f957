"""`MockServer`: a mock served over real HTTP on loopback by pytest-httpserver's threaded werkzeug server, what
the pytest fixtures run (`serve` runs mocks/fastserver.py). Its own module: `serve` starts without
pytest-httpserver."""

from __future__ import annotations

import logging
import socket

from pytest_httpserver.httpserver import HTTPServerBase
from werkzeug.wrappers import Request, Response

from .answer import DropConnection
from .app import MockApp

SHUTDOWN_POLL = 0.02  # seconds between two looks for a stop request; waking 50 times a second costs nothing seen


class MockServer(HTTPServerBase):
    """A mock served over real HTTP on loopback by pytest-httpserver's threaded server."""

    def __init__(self, app: MockApp, host: str = "127.0.0.1", port: int = 0, *, access_log: bool = False) -> None:
        super().__init__(host, port, threaded=True)
        self.app = app
        self.access_log = access_log

    @property
    def url(self) -> str:
        return f"http://{self.format_host(self.host)}:{self.port}"

    def start(self) -> None:
        if not self.access_log:
            # werkzeug prints a line per request unless its logger is told otherwise
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        super().start()
        self.app.base_url = self.url

    def thread_target(self) -> None:
        # werkzeug's serve_forever looks for a shutdown every 0.5 s, so each stop took half a second (a fixture's,
        # a test's); pytest-httpserver leaves this method to be overridden for such tailoring
        assert self.server is not None
        self.server.serve_forever(poll_interval=SHUTDOWN_POLL)

    def dispatch(self, request: Request) -> Response:
        try:
            return self.app.handle(request)
        except DropConnection:
            connection = request.environ.get("werkzeug.socket")
            if connection is not None:
                connection.shutdown(socket.SHUT_RDWR)
            return Response(status=500)  # never reaches the client: the socket is closed

    def application(self, request: Request) -> Response:
        # The base class keeps every request and response forever; the engine's journal is bounded.
        request.get_data()
        return self.dispatch(request)
