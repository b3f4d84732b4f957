"""Routes: which operation of a dialect a request's path and method reach (moto's urls, as werkzeug rules)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from werkzeug.routing import Map, Rule


class Router:
    """Matches a path and method to `(operation_id, params)`; raises werkzeug's NotFound or MethodNotAllowed.

    Rule objects bind to one Map, so a router routes with unbound copies of the rules it is given.
    Clients poll the same URL over and over: where it goes is remembered (a miss raises, and is not kept)."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        routes = Map([rule.empty() for rule in rules], strict_slashes=False, merge_slashes=False)
        self._adapter = routes.bind("mock")  # one adapter for every request: matching only reads it
        self.match = functools.lru_cache(maxsize=4096)(self._match)

    def _match(self, path: str, method: str) -> tuple[str, Mapping[str, Any]]:
        endpoint, params = self._adapter.match(path, method=method)
        return str(endpoint), MappingProxyType(params)  # read-only: the cache hands the same one out again
