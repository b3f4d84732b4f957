"""One mock application per API, and the three ways to run it.

`MockApp` is a werkzeug application made of an API dialect (the routes and wire format of one
API), the shared engine, the control API under `/__jobcontract`, and the per-request selector
`Prefer: code=NNN[, example=LABEL][, delay=SECONDS][, dribble=SECONDS][, drop]`. The same object is
served by `MockServer` (pytest-httpserver's server, real HTTP on loopback), by `python -m mocks serve`,
and in-process by `MockApp.intercept` (the `responses` library, no socket).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

import requests
import responses
from pytest_httpserver.httpserver import HTTPServerBase
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

import contracts

from .engine import (
    Engine,
    Fault,
    Observation,
    ScriptError,
    Step,
    UnknownJob,
    dribbled_pieces,
    parse_fault,
    prefer_fault,
)

log = logging.getLogger("jobcontract.mocks")

CONTROL_PREFIX = "/__jobcontract"


# what `describe` lists, for a person at the control API's door
CONTROL_INDEX = {
    "create job": f"POST {CONTROL_PREFIX}/jobs",
    "show job": f"GET {CONTROL_PREFIX}/jobs/{{id}}",
    "inject fault": f"POST {CONTROL_PREFIX}/jobs/{{id}}/faults",
    "advance clock": f"POST {CONTROL_PREFIX}/clock",
    "reset": f"POST {CONTROL_PREFIX}/reset",
    "journal": f"GET {CONTROL_PREFIX}/journal",
}


def control_verbs() -> list[Rule]:
    """The control API's verbs, the same for every mock (Import/Export's on moto's server too); a fresh copy
    each time, as a werkzeug Rule belongs to one Map."""
    return [
        Rule(f"{CONTROL_PREFIX}", endpoint="describe", methods=["GET"]),
        Rule(f"{CONTROL_PREFIX}/jobs", endpoint="list_jobs", methods=["GET"]),
        Rule(f"{CONTROL_PREFIX}/jobs", endpoint="create_job", methods=["POST"]),
        Rule(f"{CONTROL_PREFIX}/jobs/<path:job_id>/faults", endpoint="inject_fault", methods=["POST"]),
        Rule(f"{CONTROL_PREFIX}/jobs/<path:job_id>", endpoint="show_job", methods=["GET"]),
        Rule(f"{CONTROL_PREFIX}/clock", endpoint="clock", methods=["GET", "POST"]),
        Rule(f"{CONTROL_PREFIX}/reset", endpoint="reset", methods=["POST"]),
        Rule(f"{CONTROL_PREFIX}/journal", endpoint="journal", methods=["GET"]),
    ]


REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"authorization", "x-auth-token", "cookie", "x-amz-security-token"})
PREFER_PATTERN = re.compile(r"\s*(code|example|dynamic)\s*=\s*\"?([^\",;]+)\"?\s*")


class DropConnection(Exception):
    """Close the connection without an answer (a scripted `drop` fault)."""


@dataclass(frozen=True)
class Answer:
    """What one request gets and how it is sent: `response` after `delay` seconds, its body spread over
    `dribble` seconds; no response means the connection is closed (after the delay) without one.
    The application only plans the faults; each server carries them out in its own way of waiting."""

    response: Response | None
    delay: float = 0.0
    dribble: float = 0.0


def dribbled(response: Response, seconds: float) -> Response:
    """The same answer (headers, Content-Length, body), its body dribbled out over `seconds` by a thread
    that sleeps between the pieces."""
    body = response.get_data()
    response.response = dribbled_pieces(body, seconds)
    response.headers["Content-Length"] = str(len(body))
    return response


class Dialect:
    """The wire format of one API. Subclasses set `api`, `rules`, `states`, and render bodies."""

    api: ClassVar[str]
    #: lifecycle states in order; terminal ones listed in `terminal_states`
    states: ClassVar[tuple[str, ...]]
    terminal_states: ClassVar[frozenset[str]]
    default_script: ClassVar[tuple[Step, ...]]
    #: the operation that answers a client's poll of a job, and so its scripted fault statuses
    poll_operation: ClassVar[str]
    #: werkzeug rules whose endpoints are the contract's operationIds
    rules: ClassVar[tuple[Rule, ...]]
    #: the API's own control verbs: rules relative to the control prefix whose endpoint `x` is answered by
    #: the method `control_x(request, body, **params)`; a ScriptError it raises answers 400
    control_rules: ClassVar[tuple[Rule, ...]] = ()

    def __init__(self, app: MockApp) -> None:
        self.app = app
        self.engine = app.engine

    def handle(self, operation_id: str, request: Request, **params: str) -> Response:
        handler: Callable[..., Response] = getattr(self, operation_id)
        return handler(request, **params)

    def error(self, request: Request, status: int, detail: str, **extra: Any) -> Response:
        """The API's own error answer for `status` (every mock error goes through here). `extra` may carry
        `chosen=True`: the status was picked on purpose (`Prefer: code=`, a scripted fault), not caused
        by the request, so the API's documented body for it is wanted rather than the mock's explanation."""
        raise NotImplementedError

    def status_url(self, job_id: str) -> str:
        """The URL a client polls for the job."""
        raise NotImplementedError

    def check_script(self, script: Iterable[Step]) -> None:
        for step in script:
            if step.state not in self.states:
                raise ScriptError(
                    f"{step.state!r} is not a {self.api} job state; the states are {', '.join(self.states)}"
                )

    def check_attributes(self, attributes: Mapping[str, Any]) -> None:
        """Raise ScriptError for job attributes this API cannot render (default: any are fine)."""

    def reset(self) -> None:
        """Forget what tests set on the dialect itself (MockApp.reset calls it; default: nothing)."""

    # helpers for subclasses
    def json(self, body: Any, status: int = 200, content_type: str = "application/json", **headers: str) -> Response:
        return Response(json.dumps(body), status=status, content_type=content_type, headers=headers)

    def poll(self, job_id: str) -> Observation | None:
        """A client's poll of a job, with its scripted fault applied (delay, drop); a scripted status
        is left in `observation.fault` for the caller to answer with `self.fault_response`."""
        observation = self.engine.poll(job_id)
        if observation is not None and observation.fault is not None:
            self.app.apply_fault(observation.fault)
        return observation

    def fault_response(self, request: Request, observation: Observation) -> Response | None:
        fault = observation.fault
        if fault is None or fault.status is None:
            return None
        return self.app.documented(request, fault.status, "scripted fault")


class MockApp:
    """An API mock: dialect + engine + control API + Prefer selector, as a werkzeug application."""

    def __init__(
        self, dialect: type[Dialect], engine: Engine | None = None, base_url: str = "", public_url: str = ""
    ) -> None:
        self.engine = engine or Engine()
        self._bound_url = base_url.rstrip("/")
        #: where clients reach the mock when that is not where it listens (a proxy, a container's published port)
        self.public_url = public_url.rstrip("/")
        self.dialect = dialect(self)
        self.contract = contracts.load(self.dialect.api)
        self._answer = threading.local()  # per request thread: the faults planned for this answer
        # Rule objects bind to one Map: each app routes with unbound copies of its dialect's rules
        routes = Map([rule.empty() for rule in dialect.rules], strict_slashes=False, merge_slashes=False)
        self._routes = routes.bind("mock")  # one adapter for every request: matching only reads it
        # clients poll the same URL over and over: remember where it goes (a miss raises, and is not kept)
        self._route = functools.lru_cache(maxsize=4096)(self._match_route)
        self._control = Map(
            [
                *control_verbs(),
                # an API's own control verbs (CenturyLink's queued operations, say), under the same prefix
                *(
                    Rule(f"{CONTROL_PREFIX}{rule.rule}", endpoint=f"dialect:{rule.endpoint}", methods=rule.methods)
                    for rule in dialect.control_rules
                ),
            ],
            strict_slashes=False,
        )

    # -- the Python control API (mirrored by HTTP under /__jobcontract) --------------------------
    def create_job(
        self,
        script: Iterable[Any] | None = None,
        job_id: str | None = None,
        *,
        faults: Mapping[int, Any] | None = None,
        **attributes: Any,
    ) -> str:
        """Create a job that follows `script` (default: the API's realistic one); returns its id."""
        from .engine import parse_step

        steps = tuple(parse_step(raw) for raw in (self.dialect.default_script if script is None else script))
        self.dialect.check_script(steps)
        self.dialect.check_attributes(attributes)
        for fault in (faults or {}).values():
            self._check_fault(fault)
        return self.engine.create(steps, job_id, faults=faults, **attributes)

    def job(self, job_id: str) -> Observation | None:
        return self.engine.peek(job_id)

    def advance(self, seconds: float) -> float:
        return self.engine.advance(seconds)

    def inject_fault(self, job_id: str, fault: Fault | Mapping[str, Any], poll: int | None = None) -> int:
        return self.engine.inject(job_id, self._check_fault(fault), poll)

    def _check_fault(self, fault: Fault | Mapping[str, Any]) -> Fault:
        """The fault, if its status is one the API documents for a poll (a mock answers documented statuses)."""
        parsed = parse_fault(fault)
        operation = self.dialect.poll_operation
        documented = [response.status for response in self.contract.responses(operation)]
        if parsed.status is not None and str(parsed.status) not in documented:
            raise ScriptError(
                f"a fault status {parsed.status} is not documented for {operation}"
                f" (documented: {', '.join(documented)})"
            )
        return parsed

    def reset(self) -> None:
        self.engine.reset()
        self.dialect.reset()

    def journal(self) -> list[dict[str, Any]]:
        return self.engine.journal()

    def status_url(self, job_id: str) -> str:
        return self.dialect.status_url(job_id)

    # -- where clients reach the mock ------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The base of every link and Location: `--public-url` if given, else what the request being answered
        was sent to (`Forwarded`, `X-Forwarded-Proto`/`-Host`, `Host`), else where the server listens. A mock
        bound to 0.0.0.0 hands a client in another container links it can follow."""
        if self.public_url:
            return self.public_url
        request: Request | None = getattr(self._answer, "request", None)
        if request is None:
            return self._bound_url
        return request_base_url(
            request.headers.get("Forwarded"),
            request.headers.get("X-Forwarded-Proto"),
            request.headers.get("X-Forwarded-Host"),
            request.headers.get("Host"),
            request.scheme,
            self._bound_url,
        )

    @base_url.setter
    def base_url(self, value: str) -> None:
        self._bound_url = value.rstrip("/")

    # -- serving ---------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        """Answer one request with its faults carried out in this thread: the delay slept, the body
        dribbled by a generator, a drop raised as DropConnection for the transport to close the socket."""
        answer = self.answer(request)
        if answer.delay:
            time.sleep(answer.delay)  # real seconds, in this request's own thread: other requests go on
        if answer.response is None:
            raise DropConnection()
        return dribbled(answer.response, answer.dribble) if answer.dribble else answer.response

    def answer(self, request: Request) -> Answer:
        """Answer one request without waiting: the faults are planned, not carried out. Never raises."""
        started = time.monotonic()
        plan = self._answer
        plan.delay = plan.dribble = 0.0
        plan.request = request  # links in the answer are built from where this request was sent
        try:
            if request.path == CONTROL_PREFIX or request.path.startswith(CONTROL_PREFIX + "/"):
                response = self._handle_control(request)
            else:
                response = self._handle_api(request)
        except DropConnection:
            self._record(request, None, started)
            return Answer(None, plan.delay)
        except Exception:  # a bug in the mock: answer the API's documented 500 and remember it
            log.exception("unscripted error answering %s %s", request.method, request.path)
            response = self.dialect.error(request, 500, "internal error in the mock (unscripted)")
            response.headers["X-Jobcontract-Unscripted"] = "true"
        finally:
            plan.request = None
        self._record(request, response, started)
        return Answer(response, plan.delay, plan.dribble)

    def _handle_api(self, request: Request) -> Response:
        try:
            operation_id, params = self._route(request.path, request.method)
        except MethodNotAllowed as error:
            allowed = ", ".join(sorted(error.valid_methods or []))
            response = self.dialect.error(request, 405, f"method {request.method} is not allowed here")
            response.headers["Allow"] = allowed
            return response
        except NotFound:
            return self.dialect.error(request, 404, f"there is nothing at {request.path}")
        prefer = request.headers.get("Prefer", "")
        try:
            fault = prefer_fault(prefer) if prefer else None
        except ScriptError as error:
            return self.dialect.error(request, 400, f"Prefer: {error}")
        response = self._answer_api(request, operation_id, params, prefer)
        if fault is not None:  # after the work is done: a dropped answer is lost, not unsent
            self.apply_fault(fault)
        return response

    def _match_route(self, path: str, method: str) -> tuple[str, Mapping[str, Any]]:
        operation_id, params = self._routes.match(path, method)
        return operation_id, MappingProxyType(params)  # read-only: the cache hands the same one out again

    def _answer_api(self, request: Request, operation_id: str, params: Mapping[str, Any], prefer: str) -> Response:
        selected = self._selector(prefer) if prefer else None
        if selected is not None:
            return self._select(request, operation_id, *selected)
        if operation_id in self.contract.operation_ids:
            problems = self.contract.request_errors(operation_id, request.content_type, request.get_data())
            if problems:
                return self.dialect.error(request, 400, "the request breaks the contract: " + "; ".join(problems[:3]))
        return self.dialect.handle(operation_id, request, **params)

    # -- the Prefer selector -----------------------------------------------------------------------
    @staticmethod
    def _selector(header: str) -> tuple[str, str | None] | None:
        """The `code=` and `example=` of a Prefer header (None: no code selected)."""
        found = dict(m.groups() for part in header.split(",") if (m := PREFER_PATTERN.fullmatch(part)))
        if "code" not in found:
            return None
        return found["code"], found.get("example")

    def _select(self, request: Request, operation_id: str, code: str, example: str | None) -> Response:
        if operation_id not in self.contract.operation_ids:  # a mock-only route (e.g. CLC's power operations)
            return self.dialect.error(
                request, 400, f"Prefer: code= selects documented answers; {operation_id} is not in the contract"
            )
        try:
            self.contract.response(operation_id, code)
        except contracts.ContractError:
            documented = ", ".join(r.status for r in self.contract.responses(operation_id))
            return self.dialect.error(
                request, 400, f"Prefer: code={code} is not documented for {operation_id} (documented: {documented})"
            )
        return self.documented(request, int(code), "selected by Prefer", operation_id=operation_id, example=example)

    def documented(
        self, request: Request, status: int, reason: str, *, operation_id: str | None = None, example: str | None = None
    ) -> Response:
        """The documented answer for `status`: the API's own error for 4xx/5xx, else a fixture."""
        if status >= 400 and example is None:
            return self.dialect.error(request, status, reason, chosen=True)
        if operation_id is None:
            operation_id = self._route(request.path, request.method)[0]
        candidates = [f for f in self.contract.fixtures() if f.operation_id == operation_id and f.status == str(status)]
        if example is not None:
            candidates = [f for f in candidates if f.label == example]
        if not candidates:
            fixtures = self.contract.fixtures()
            labels = {f.label for f in fixtures if f.operation_id == operation_id and f.status == str(status)}
            examples = ", ".join(sorted(label for label in labels if label)) or "none"
            return self.dialect.error(
                request, 400, f"no example {example!r} for {operation_id} {status} (examples: {examples})"
            )
        wanted = request.accept_mimetypes.best_match(["application/json", "text/html", "text/xml"]) or ""
        fixture = next((f for f in candidates if contracts.media_kind(wanted) == f.kind), candidates[0])
        documented = self.contract.response(operation_id, status)
        media = next(m for m in documented.media_types if contracts.media_kind(m) == fixture.kind)
        response = Response(fixture.body(), status=status, content_type=media)
        for name, header in documented.spec.get("headers", {}).items():
            if header.get("required"):  # the contract's own example value of a required header
                response.headers[name] = str(header.get("example", header.get("schema", {}).get("example", "")))
        return response

    # -- faults ------------------------------------------------------------------------------------
    def apply_fault(self, fault: Fault) -> None:
        """Plan a fault for the answer being made in this thread: a wait, a drop, or a dribbled body."""
        self._answer.delay += fault.delay
        if fault.drop:
            raise DropConnection()
        self._answer.dribble = fault.dribble or self._answer.dribble

    # -- the HTTP control API ------------------------------------------------------------------------
    def _handle_control(self, request: Request) -> Response:
        adapter = self._control.bind("mock", path_info=request.path)
        try:
            endpoint, params = adapter.match(method=request.method)
            body = self._control_body(request)
            if endpoint.startswith("dialect:"):
                verb: Callable[..., Response] = getattr(self.dialect, f"control_{endpoint.removeprefix('dialect:')}")
                return verb(request, body, **params)
            return getattr(self, f"_control_{endpoint}")(request, body, **params)
        except ScriptError as error:
            return _control_answer({"error": str(error)}, 400)
        except UnknownJob as error:
            return _control_answer({"error": f"no job {error.args[0]!r}"}, 404)
        except HTTPException as error:
            return _control_answer({"error": error.description or error.name}, error.code or 400)

    @staticmethod
    def _control_body(request: Request) -> dict[str, Any]:
        if request.method not in ("POST", "PUT") or not request.get_data():
            return {}
        try:
            body = json.loads(request.get_data())
        except ValueError as error:
            raise ScriptError(f"the control API takes a JSON object: {error}") from None
        if not isinstance(body, dict):
            raise ScriptError("the control API takes a JSON object")
        return body

    def _control_describe(self, request: Request, body: dict[str, Any]) -> Response:
        return _control_answer(
            {
                "api": self.dialect.api,
                "states": list(self.dialect.states),
                "default_script": [vars(step) for step in self.dialect.default_script],
                "clock": self.engine.clock.now().isoformat(),
                "control": {
                    **CONTROL_INDEX,
                    **{
                        rule.endpoint: f"{'/'.join(sorted(rule.methods or ()))} {CONTROL_PREFIX}{rule.rule}"
                        for rule in self.dialect.control_rules
                    },
                },
            }
        )

    def _control_list_jobs(self, request: Request, body: dict[str, Any]) -> Response:
        return _control_answer({"jobs": self.engine.job_ids()})

    def _control_create_job(self, request: Request, body: dict[str, Any]) -> Response:
        unknown = set(body) - {"script", "id", "faults", "attributes"}
        if unknown:
            raise ScriptError(f"unknown field(s) {sorted(unknown)}; a job has script, id, faults, attributes")
        attributes = body.get("attributes") or {}
        if not isinstance(attributes, dict):
            raise ScriptError("attributes must be an object")
        reserved = set(attributes) & {"self", "script", "job_id", "faults"}
        if reserved:  # they would collide with create_job's own arguments
            raise ScriptError(f"attribute name(s) {sorted(reserved)} are reserved; give the job other names")
        faults = body.get("faults") or {}
        if not isinstance(faults, dict):
            raise ScriptError("faults must be an object keyed by poll number")
        script = body.get("script")
        if script is not None and not isinstance(script, list):
            raise ScriptError("script must be a list of steps")
        job_id = self.create_job(script, body.get("id"), faults=faults, **attributes)
        return _control_answer({"id": job_id, "url": self.status_url(job_id)}, 201)

    def _control_show_job(self, request: Request, body: dict[str, Any], job_id: str) -> Response:
        observation = self.job(job_id)
        if observation is None:
            raise UnknownJob(job_id)
        return _control_answer(observation_json(observation))

    def _control_inject_fault(self, request: Request, body: dict[str, Any], job_id: str) -> Response:
        fault = parse_fault(body.get("fault", {}))
        poll = self.inject_fault(job_id, fault, body.get("poll"))
        return _control_answer({"poll": poll}, 201)

    def _control_clock(self, request: Request, body: dict[str, Any]) -> Response:
        if request.method == "POST":
            if set(body) != {"advance"}:
                raise ScriptError('advance the clock with {"advance": seconds}')
            self.advance(body["advance"])
        return _control_answer({"now": self.engine.clock.now().isoformat(), "seconds": self.engine.clock.seconds()})

    def _control_reset(self, request: Request, body: dict[str, Any]) -> Response:
        self.reset()
        return Response(status=204)

    def _control_journal(self, request: Request, body: dict[str, Any]) -> Response:
        return _control_answer({"requests": self.journal()})

    # -- journal -------------------------------------------------------------------------------------
    def _record(self, request: Request, response: Response | None, started: float) -> None:
        if request.path.startswith(CONTROL_PREFIX):
            return
        self.engine.record(
            {
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode("latin-1"),
                "headers": {k: REDACTED if k.lower() in SECRET_HEADERS else v for k, v in request.headers.items()},
                "status": None if response is None else response.status_code,
                "dropped": response is None,
                "unscripted": response is not None and "X-Jobcontract-Unscripted" in response.headers,
                "seconds": round(time.monotonic() - started, 6),
            }
        )

    # -- in-process, through `responses` ---------------------------------------------------------------
    @contextmanager
    def intercept(self, base_url: str = "http://mock.jobcontract.invalid") -> Iterator[MockApp]:
        """Serve this mock to `requests` in-process: every call under `base_url` reaches `handle`."""
        previous, self.base_url = self.base_url, base_url.rstrip("/")
        pattern = re.compile(re.escape(self.base_url) + r"(/.*)?$")
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"):
                mock.add_callback(method, pattern, callback=self._responses_callback)
            try:
                yield self
            finally:
                self.base_url = previous

    def _responses_callback(self, prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
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
            response = self.handle(Request(environ))
        except DropConnection:
            raise requests.exceptions.ConnectionError("connection dropped by a scripted fault") from None
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return response.status_code, headers, response.get_data()


_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


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


def _control_answer(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def observation_json(observation: Observation) -> dict[str, Any]:
    return {
        "id": observation.job_id,
        "state": observation.state,
        "step": observation.step,
        "steps": observation.steps,
        "terminal": observation.terminal,
        "progress": observation.progress,
        "polls": observation.poll,
        "created": observation.created.isoformat(),
        "history": [{"state": state, "entered": when.isoformat()} for state, when in observation.entered],
        "attributes": dict(observation.attributes),
    }


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
