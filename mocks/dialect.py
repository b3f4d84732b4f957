"""The wire format of one API: its routes, its answers, its job states (moto's responses and urls, in one
class per API: the rules name the contract's operations, a method of the same name answers each).

A dialect is given the engine (the state: jobs, clock, journal) and the links (where clients reach the
mock), and calls nothing above it: it answers a request with a werkzeug `Response`, or with an `Answer`
carrying the fault scripted on the job it read (`self.polled`), which the application carries out.
Validation against the contract, `Prefer:` selection, the control API and the journal are the
application's. Adding an endpoint is a `Rule` in `rules` and a method: nothing else changes. A dialect
reads the JSON a client sent with `contracts.loads_json` (too deep a document is refused before it is
parsed); a job an operation makes over the mock's limits raises `OverLimit`, which the application answers
with `over_limit`, the API's documented server error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from jobcontract import contracts

from .answer import Answer, Replay
from .engine import Engine, Fault, Observation, OverLimit, ScriptError, Step, parse_fault, parse_step
from .links import Links


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
    #: headers whose value is new in every answer (a request id): a poll answered again as before gets new
    #: ones from `renewed()` (mocks/fastserver.py)
    renewed_headers: ClassVar[tuple[str, ...]] = ()

    def __init__(self, engine: Engine, links: Links) -> None:
        self.engine = engine
        self.links = links
        self.contract = contracts.load(self.api)

    @property
    def base_url(self) -> str:
        """The base of every link and Location in the answer being made (mocks/links.py)."""
        return self.links.base

    def handle(self, operation_id: str, request: Request, **params: Any) -> Response | Answer:
        handler: Callable[..., Response | Answer] = getattr(self, operation_id)
        return handler(request, **params)

    def control_verb(self, name: str) -> Callable[..., Response]:
        verb: Callable[..., Response] = getattr(self, f"control_{name}")
        return verb

    def error(self, request: Request, status: int, detail: str, **extra: Any) -> Response:
        """The API's own error answer for `status` (every mock error goes through here). `extra` may carry
        `chosen=True`: the status was picked on purpose (`Prefer: code=`, a scripted fault), not caused
        by the request, so the API's documented body for it is wanted rather than the mock's explanation."""
        raise NotImplementedError

    def status_url(self, job_id: str) -> str:
        """The URL a client polls for the job."""
        raise NotImplementedError

    def over_limit(self, request: Request, error: OverLimit) -> Response:
        """The answer to an operation whose job would be over the mock's limits (too many jobs, attributes too
        big: mocks/engine.py Limits): the API's documented server error, 500 unless a subclass knows better,
        saying which limit (and the `serve` flag that raises it)."""
        return self.error(request, 500, f"the mock cannot take this job: {error}")

    # -- jobs, checked against what the API can show ------------------------------------------------------
    def create_job(
        self,
        script: Iterable[Any] | None = None,
        job_id: str | None = None,
        *,
        faults: Mapping[int, Any] | None = None,
        **attributes: Any,
    ) -> str:
        """Create a job that follows `script` (default: the API's realistic one); returns its id."""
        steps = tuple(parse_step(raw) for raw in (self.default_script if script is None else script))
        self.check_script(steps)
        self.check_attributes(attributes)
        for fault in (faults or {}).values():
            self.check_fault(fault)
        return self.engine.create(steps, job_id, faults=faults, **attributes)

    def check_script(self, script: Iterable[Step]) -> None:
        for step in script:
            if step.state not in self.states:
                raise ScriptError(
                    f"{step.state!r} is not a {self.api} job state; the states are {', '.join(self.states)}"
                )

    def check_attributes(self, attributes: Mapping[str, Any]) -> None:
        """Raise ScriptError for job attributes this API cannot render (default: any are fine)."""

    def check_fault(self, fault: Fault | Mapping[str, Any]) -> Fault:
        """The fault, if its status is one the API documents for a poll (a mock answers documented statuses)."""
        parsed = parse_fault(fault)
        documented = [response.status for response in self.contract.responses(self.poll_operation)]
        if parsed.status is not None and str(parsed.status) not in documented:
            raise ScriptError(
                f"a fault status {parsed.status} is not documented for {self.poll_operation}"
                f" (documented: {', '.join(documented)})"
            )
        return parsed

    def reset(self) -> None:
        """Forget what tests set on the dialect itself (MockApp.reset calls it; default: nothing)."""

    def renewed(self) -> dict[str, str]:
        """New values of `renewed_headers`, for one more answer."""
        return {}

    # -- helpers for subclasses ----------------------------------------------------------------------------
    def json(self, body: Any, status: int = 200, content_type: str = "application/json", **headers: str) -> Response:
        return Response(json.dumps(body), status=status, content_type=content_type, headers=headers)

    def poll(self, job_id: str) -> Observation | None:
        """A client's poll of a job (counted: a fault scripted on this poll comes with it)."""
        return self.engine.poll(job_id)

    @staticmethod
    def polled(
        observation: Observation, response: Response, until: float = math.inf, *, replayable: bool = True
    ) -> Answer:
        """The answer to a poll, carrying the fault scripted on it (a status, a delay, a drop, a dribble). Without
        a fault, the same poll gets the same answer while the job shows the same (`Replay`) and, where the answer
        depends on a credential, until it expires at `until` on the engine's clock. A poll whose answer depends
        on anything else that may change by itself (another job's state) says `replayable=False`."""
        if observation.fault is not None:
            return Answer(response, (observation.fault,))
        if not replayable:
            return Answer(response)
        return Answer(response, replay=Replay(observation.job_id, observation.revision, observation.progress, until))
