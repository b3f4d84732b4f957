"""A mock served to `requests` in-process through the `responses` library: no socket, same answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import requests
import responses
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from .answer import DropConnection

if TYPE_CHECKING:
    from .app import MockApp

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


@contextmanager
def intercepted(app: MockApp, base_url: str) -> Iterator[None]:
    """Every `requests` call under `base_url` reaches `app.handle`; a dropped answer is a ConnectionError."""
    previous, app.base_url = app.links.bound_url, base_url.rstrip("/")
    pattern = re.compile(re.escape(app.links.bound_url) + r"(/.*)?$")

    def callback(prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        url = requests.utils.urlparse(prepared.url)
        body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        environ = EnvironBuilder(
            path=url.path or "/",
            query_string=url.query,
            method=prepared.method,
            headers=dict(prepared.headers),
            data=body or b"",
            base_url=f"{url.scheme}://{url.netloc}",
        ).get_environ()
        try:
            response = app.handle(Request(environ))
        except DropConnection:
            raise requests.exceptions.ConnectionError("connection dropped by a scripted fault") from None
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return response.status_code, headers, response.get_data()

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in METHODS:
            mock.add_callback(method, pattern, callback=callback)
        try:
            yield
        finally:
            app.base_url = previous
