"""moto's own server (its `DomainDispatcherApplication`, as `ThreadedMotoServer` runs it) with the
Import/Export backend registered. It binds in the caller's thread: on a busy port werkzeug reports the
port and exits there, where ThreadedMotoServer (binding in its own thread) would wait forever.

moto's server picks a service from a request's SigV4 credential scope, else guesses from its body and
falls back to S3: a form post with another `Version`, a browser's GET of an artifact or of the control
API would get S3's answers. Here every request not signed with SigV4 for another service is
Import/Export's (its control API and documents included); moto's `/moto-api` stays as it is."""

from __future__ import annotations

import logging
import re
from threading import Thread
from types import TracebackType
from typing import Any

import requests
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from ..control import CONTROL_PREFIX
from . import register
from .documents import ARTIFACTS, SHIPPING_LABELS

HOST = "importexport.amazonaws.com"
SIGV4_SCOPE = re.compile(r"Credential=[^/\s,]+/[^/]+/[^/]+/([^/]+)/aws4_request")
OWN_PATHS = (CONTROL_PREFIX, ARTIFACTS + "/", SHIPPING_LABELS + "/")


class ImportExportDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, with Import/Export as the service of whatever is not SigV4-signed for another."""

    def infer_service_region_host(self, environ: dict[str, Any], path: str) -> str | None:
        scope = SIGV4_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if path.startswith(OWN_PATHS) or scope is None:
            return HOST
        return super().infer_service_region_host(environ, path)


class ImportExportServer(ThreadedMotoServer):
    """`with ImportExportServer() as server: boto3.client("importexport", endpoint_url=server.url, ...)`"""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, access_log: bool = False) -> None:
        super().__init__(ip_address=host, port=port, verbose=False)
        self.access_log = access_log

    def start(self) -> None:
        register()
        if not self.access_log:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = ImportExportDispatcher(create_backend_app)
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
