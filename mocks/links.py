"""Where clients reach a mock, and so the base of every link and `Location` it hands out.

`Links.base` is `--public-url` if given, else what the request being answered was sent to (RFC 7239
`Forwarded`, `X-Forwarded-Proto`/`-Host`, `Host`), else where the server listens. A mock bound to 0.0.0.0
so hands a client in another container links it can follow. The request being answered is held in a
context variable for the length of one answer (`Links.answering`, `Links.answered`): each server thread,
and each task of the event loop, sees its own.
"""

from __future__ import annotations

import functools
import re
from contextvars import ContextVar, Token

from werkzeug.wrappers import Request

_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


class Links:
    """The base URL of one mock's links: bound (where it listens), public (given), or the request's."""

    def __init__(self, bound_url: str = "", public_url: str = "") -> None:
        self.bound_url = bound_url.rstrip("/")
        #: where clients reach the mock when that is not where it listens (a proxy, a container's published port)
        self.public_url = public_url.rstrip("/")
        self._request: ContextVar[Request | None] = ContextVar("jobcontract_request", default=None)

    @property
    def base(self) -> str:
        if self.public_url:
            return self.public_url
        request = self._request.get()
        if request is None:
            return self.bound_url
        headers = request.headers
        return request_base_url(
            headers.get("Forwarded"),
            headers.get("X-Forwarded-Proto"),
            headers.get("X-Forwarded-Host"),
            headers.get("Host"),
            request.scheme,
            self.bound_url,
        )

    def answering(self, request: Request | None) -> Token[Request | None]:
        """Links made from now on are built from where `request` was sent; `answered(token)` ends that
        (a plain pair rather than a context manager: it is on every request's path)."""
        return self._request.set(request)

    def answered(self, token: Token[Request | None]) -> None:
        self._request.reset(token)


@functools.lru_cache(maxsize=1024)
def request_base_url(
    forwarded: str | None,
    forwarded_proto: str | None,
    forwarded_host: str | None,
    host: str | None,
    scheme: str,
    bound: str,
) -> str:
    """The base URL a client used: RFC 7239 `Forwarded` (its first hop), else `X-Forwarded-Proto` and
    `-Host`, else `Host`; `bound` when none names a well-formed host (a value that is not one is ignored)."""
    if forwarded:
        first = dict(part.strip().split("=", 1) for part in forwarded.split(",", 1)[0].split(";") if "=" in part)
        proto, named = first.get("proto", "").strip('"').lower(), first.get("host", "").strip('"')
        if named and _HOST.match(named):
            return f"{proto if proto in ('http', 'https') else scheme}://{named}"
    if forwarded_host:
        named = forwarded_host.split(",", 1)[0].strip()
        proto = (forwarded_proto or "").split(",", 1)[0].strip().lower()
        if _HOST.match(named):
            return f"{proto if proto in ('http', 'https') else scheme}://{named}"
    if host and _HOST.match(host) and not host.startswith(("0.0.0.0", "[::]")):
        return f"{scheme}://{host}"
    return bound
