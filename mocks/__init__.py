"""Stub servers for the four job-status APIs, all driven by one lifecycle engine.

from jobcontract.mocks import make_app
app = make_app("ogc")                    # a werkzeug application with the control API
with MockServer(app) as server: ...      # real HTTP on 127.0.0.1 (pytest-httpserver)
with app.intercept("http://ogc.test"):   # in-process for `requests`, no socket
    ...
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .app import MockApp

if TYPE_CHECKING:
    from .server import MockServer
from .control import CONTROL_PREFIX
from .dialect import Dialect
from .engine import Clock, Engine, Fault, Observation, ScriptError, Step

# api -> "module:class" of its faithful dialect
# (modules relative to this package: `jobcontract` in a checkout and the installed `jobcontract.mocks` alike)
DIALECTS = {"ogc": ".ogc:OgcDialect", "clc": ".clc:ClcDialect", "cf": ".cf:CfDialect"}
# api -> package of a mock that is a moto backend, not a Dialect (`serve(host, port, variant)` starts its server)
MOTO_BACKENDS = {"importexport": ".importexport"}
# api -> module holding VARIANTS, the deliberately faulty dialects the project's tests prove the suites catch
FAULTY = {
    "ogc": ".faulty.ogc",
    "clc": ".faulty.clc",
    "cf": ".faulty.cf",
    "importexport": ".faulty.importexport",
}

__all__ = [
    "CONTROL_PREFIX",
    "Clock",
    "Dialect",
    "Engine",
    "Fault",
    "MockApp",
    "MockServer",
    "Observation",
    "ScriptError",
    "Step",
    "dialect",
    "make_app",
    "variant_class",
    "variants",
]


def __getattr__(name: str) -> Any:
    if name == "MockServer":  # pytest-httpserver, loaded only by those who serve with it (not `serve`)
        from .server import MockServer

        return MockServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def variants(api: str) -> dict[str, type[Any]]:
    """The faulty variants of an API's mock, by name."""
    if api not in FAULTY:
        return {}
    return dict(import_module(FAULTY[api], __name__).VARIANTS)


def variant_class(api: str, variant: str) -> type[Any]:
    """The faulty variant `variant` of `api`'s mock; `a+b` combines variants that break different rules
    (a provider with two deviations), each one's methods taking precedence in the order named."""
    known = variants(api)
    names = [name.strip() for name in variant.split("+")]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise ValueError(
            f"{api} has no variant {unknown[0] if unknown else variant!r}; its variants are"
            f" {', '.join(sorted(known))} (combine them with +)"
        )
    if len(names) == 1:
        return known[names[0]]
    classes = tuple(known[name] for name in names)
    return type(
        "+".join(cls.__name__ for cls in classes), classes, {"__doc__": " ".join(c.__doc__ or "" for c in classes)}
    )


def dialect(api: str, variant: str | None = None) -> type[Dialect]:
    if api not in DIALECTS:
        raise ValueError(f"no mock for {api!r}; the mocks are {', '.join(sorted(DIALECTS))}")
    if variant:
        return variant_class(api, variant)
    module, _, name = DIALECTS[api].partition(":")
    return getattr(import_module(module, __name__), name)  # type: ignore[no-any-return]


def make_app(api: str, variant: str | None = None, *, clock: Clock | None = None) -> MockApp:
    """A fresh mock of `api` (optionally a faulty `variant`) with its own engine and clock."""
    return MockApp(dialect(api, variant), Engine(clock), replays=variant is None)
