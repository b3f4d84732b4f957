"""moto's own server (its `DomainDispatcherApplication`, as `ThreadedMotoServer` runs it) with the
Import/Export backend registered. It binds in the caller's thread: on a busy port werkzeug reports the
port and exits there, where ThreadedMotoServer (binding in its own thread) would wait forever."""

from __future__ import annotations

import logging
from threading import Thread
from types import TracebackType

import requests
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from . import register


class ImportExportServer(ThreadedMotoServer):
    """`with ImportExportServer() as server: boto3.client("importexport", endpoint_url=server.url, ...)`"""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, access_log: bool = False) -> None:
        super().__init__(ip_address=host, port=port, verbose=False)
        self.access_log = access_log

    def start(self) -> None:
        register()
        if not self.access_log:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._thread = Thread(target=self._server.serve_forever, name="importexport-moto-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        super().stop()
        if self._server is not None:
            self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    @property
    def control_url(self) -> str:
        """moto's own control API (`POST /moto-api/reset`, ...)."""
        return f"{self.url}/moto-api"

    def reset(self) -> None:
        """Forget every job of every account (moto's reset: backends are replaced, clocks start again)."""
        requests.post(f"{self.control_url}/reset", timeout=10).raise_for_status()

    def __enter__(self) -> ImportExportServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
