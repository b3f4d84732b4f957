"""One mock application per API, and the ways to serve it.

`MockApp` puts the pieces of a mock together, each calling only downwards:

- the dialect (mocks/dialect.py): the routes and wire format of one API, answering each operation;
- the engine (mocks/engine.py): jobs, clock, journal; the only state;
- the router (mocks/routing.py), the contract's validation of request bodies, and its documented
  examples (mocks/examples.py), which `Prefer: code=NNN[, example=LABEL]` selects;
- the control API under `/__jobcontract` (mocks/control.py), whose target is this application, guarded by
  its `ControlPolicy` (`app.control.policy`: JSON only, no cross-site requests, the token or the Host);
- the links (mocks/links.py): the base URL of the answer being made.

`answer` makes an `Answer` (mocks/answer.py) without waiting: the faults scripted on the job a dialect
read and the request's own `Prefer: delay=, dribble=, drop` travel in it. `MockServer` (mocks/server.py,
pytest-httpserver's server, real HTTP on loopback), `FastServer` (mocks/fastserver.py, what `serve` runs) and
`intercept` (the `responses` library in-process, mocks/intercept.py) each carry them out in their own way of
waiting.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .answer import Answer, DropConnection, Replay, answer_of, dribbled
from .control import ControlApi, is_control
from .dialect import Dialect
from .engine import Engine, Fault, Observation, OverLimit, ScriptError, prefer_fault
from .examples import Examples, selected
from .links import Links
from .redaction import SECRET_FIELDS, redact_headers, redact_query
from .routing import Router

log = logging.getLogger("jobcontract.mocks")

CREATE_FIELDS = ("script", "id", "faults", "attributes")
GENERATIONS = itertools.count(1)


class MockApp:
    """An API mock as a werkzeug application: a dialect, an engine, the control API and the Prefer selector."""

    def __init__(
        self,
        dialect: type[Dialect],
        engine: Engine | None = None,
        base_url: str = "",
        public_url: str = "",
        *,
        replays: bool = True,
    ) -> None:
        #: whether a repeated poll may be answered with the bytes answered before (`replay`); the faulty variants
        #: count polls (a state shown again every other poll), so `make_app` turns it off for them
        self.replays = replays
        #: changed by every change an answer could depend on beyond its job (`changed`): a replay made in another
        #: generation is not replayed; numbered across every application, so one's never matches another's
        self.generation = next(GENERATIONS)
        self.engine = engine or Engine()
        self.links = Links(base_url, public_url)
        self.dialect = dialect(self.engine, self.links)
        self.contract = self.dialect.contract
        self.examples = Examples(self.contract, self.dialect.error)
        self.router = Router(dialect.rules)
        self.control = ControlApi(self)

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
        job_id = self.dialect.create_job(script, job_id, faults=faults, **attributes)
        self.changed()
        return job_id

    def job(self, job_id: str) -> Observation | None:
        return self.engine.peek(job_id)

    def job_ids(self) -> list[str]:
        return self.engine.job_ids()

    def advance(self, seconds: float) -> float:
        now = self.engine.advance(seconds)
        self.changed()
        return now

    def now(self) -> tuple[datetime, float]:
        seconds = self.engine.clock.seconds()
        return self.engine.clock.at(seconds), seconds

    def inject_fault(self, job_id: str, fault: Fault | Mapping[str, Any], poll: int | None = None) -> int:
        number = self.engine.inject(job_id, self.dialect.check_fault(fault), poll)
        self.changed()
        return number

    def reset(self) -> None:
        self.engine.reset()
        self.dialect.reset()
        self.changed()

    def changed(self) -> None:
        """Start a new generation: no answer made before is replayed. Every request but a replayable poll, and
        every change through this Python API, calls it once done; what a poll shows of its own job is checked on each
        replay instead (`Engine.repoll`)."""
        self.generation = next(GENERATIONS)  # atomic: itertools.count under the GIL

    def journal(self) -> list[dict[str, Any]]:
        return self.engine.journal()

    def status_url(self, job_id: str) -> str:
        return self.dialect.status_url(job_id)

    # -- what the HTTP control API needs besides (mocks/control.py, Controlled) ---------------------
    @property
    def control_rules(self) -> tuple[Rule, ...]:
        return self.dialect.control_rules

    def control_verb(self, name: str) -> Callable[..., Response]:
        return self.dialect.control_verb(name)

    def describe(self) -> dict[str, Any]:
        return {
            "api": self.dialect.api,
            "states": list(self.dialect.states),
            "default_script": [vars(step) for step in self.dialect.default_script],
        }

    def create_job_from(self, body: dict[str, Any]) -> tuple[str, str]:
        unknown = set(body) - set(CREATE_FIELDS)
        if unknown:
            raise ScriptError(f"unknown field(s) {sorted(unknown)}; a job has {', '.join(CREATE_FIELDS)}")
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
        return job_id, self.status_url(job_id)

    # -- where clients reach the mock ------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The base of every link and Location (mocks/links.py)."""
        return self.links.base

    @base_url.setter
    def base_url(self, value: str) -> None:
        self.links.bound_url = value.rstrip("/")
        self.changed()

    @property
    def public_url(self) -> str:
        return self.links.public_url

    @public_url.setter
    def public_url(self, value: str) -> None:
        self.links.public_url = value.rstrip("/")
        self.changed()

    # -- serving ---------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        """Answer one request with its faults carried out in this thread: the delay slept, the body
        dribbled by a generator, a drop raised as DropConnection for the transport to close the socket."""
        answer = self.answer(request)
        if answer.delay:
            time.sleep(answer.delay)  # real seconds, in this request's own thread: other requests go on
        if answer.dropped:
            raise DropConnection()
        return dribbled(answer.response, answer.dribble) if answer.dribble else answer.response

    def answer(self, request: Request) -> Answer:
        """Answer one request without waiting: the faults travel in the answer. Never raises."""
        generation = self.generation
        started = time.monotonic()
        answering = self.links.answering(request)  # links in the answer are built from where it was sent
        try:
            answer = answer_of(self.control.answer(request) if is_control(request.path) else self._api(request))
        except Exception:  # a bug in the mock: answer the API's documented 500 and remember it
            log.exception("unscripted error answering %s %s", request.method, request.path)
            response = self.dialect.error(request, 500, "internal error in the mock (unscripted)")
            response.headers["X-Jobcontract-Unscripted"] = "true"
            answer = Answer(response)
        finally:
            self.links.answered(answering)
        entry = self._record(request, answer, started)
        if answer.replay is None or entry is None or not self.replays or request.method not in ("GET", "HEAD"):
            self.changed()  # whatever else it did, it may have changed what a poll shows (a token, a record)
            return replace(answer, replay=None) if answer.replay is not None else answer
        # the generation the answer was made in: a change made meanwhile (another thread) leaves it unreplayed
        return replace(answer, replay=replace(answer.replay, generation=generation, journal=entry))

    def replay(self, replay: Replay) -> bool:
        """Count and journal a poll that `replay` says is answered as before, if it still is (same generation, and
        the job unchanged: `Engine.repoll`); False, with nothing counted or journaled, if it is not."""
        started = time.monotonic()
        if (
            not self.replays
            or replay.generation != self.generation
            or not self.engine.repoll(replay.job_id, replay.revision, replay.progress, replay.until)
        ):
            return False
        self.engine.record({**replay.journal, "seconds": round(time.monotonic() - started, 6)})
        return True

    def _api(self, request: Request) -> Response | Answer:
        try:
            operation_id, params = self.router.match(request.path, request.method)
        except MethodNotAllowed as error:
            response = self.dialect.error(request, 405, f"method {request.method} is not allowed here")
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods or []))
            return response
        except NotFound:
            return self.dialect.error(request, 404, f"there is nothing at {request.path}")
        prefer = request.headers.get("Prefer", "")
        try:
            own_fault = prefer_fault(prefer) if prefer else None
        except ScriptError as error:
            return self.dialect.error(request, 400, f"Prefer: {error}")
        chosen = selected(prefer) if prefer else None
        if chosen is not None:
            return Answer(self.examples.select(request, operation_id, *chosen)).with_faults(own_fault)
        if operation_id in self.contract.operation_ids:
            # JSON nested too deep is refused before it is parsed; a credential's value is never quoted back
            problems = self.contract.request_errors(
                operation_id, request.content_type, request.get_data(), hidden=SECRET_FIELDS
            )
            if problems:
                return self.dialect.error(request, 400, "the request breaks the contract: " + "; ".join(problems[:3]))
        try:
            answer = answer_of(self.dialect.handle(operation_id, request, **params))
        except OverLimit as error:  # a job the operation would make is over the mock's limits: no room, say so
            return self.dialect.over_limit(request, error)
        if answer.status is not None:  # a status scripted on the job: the API's documented answer for it
            answer = Answer(
                self.examples.documented(request, operation_id, answer.status, "scripted fault"), answer.faults
            )
        return answer.with_faults(own_fault)  # after the work is done: a dropped answer is lost, not unsent

    def _record(self, request: Request, answer: Answer, started: float) -> dict[str, Any] | None:
        """Journal the request (not a control request); returns the entry without its time, for a replay."""
        if is_control(request.path):
            return None
        response = answer.response
        entry = {
            "method": request.method,
            "path": request.path,
            "query": redact_query(request.query_string.decode("latin-1")),
            "headers": redact_headers(request.headers.items()),
            "status": None if answer.dropped else response.status_code,
            "dropped": answer.dropped,
            "unscripted": "X-Jobcontract-Unscripted" in response.headers,
        }
        self.engine.record({**entry, "seconds": round(time.monotonic() - started, 6)})
        return entry

    @contextmanager
    def intercept(self, base_url: str = "http://mock.jobcontract.invalid") -> Iterator[MockApp]:
        """Serve this mock to `requests` in-process: every call under `base_url` reaches `handle`."""
        from .intercept import intercepted

        with intercepted(self, base_url):
            yield self
