"""The control API every mock serves under `/__jobcontract`: its verbs, served (`ControlApi`, for the three
dialect mocks and for Import/Export on moto's server alike), and a small Python client of it (`Control`), so
that a served mock (`python -m mocks serve`, in another process or on another machine) is driven exactly
like an embedded one:

    from mocks.control import Control
    mock = Control("http://127.0.0.1:8081")            # the mock's base URL, or its control URL
    job_id = mock.create_job(["accepted", {"state": "running", "polls": 2}, "successful"], faults={2: {"delay": 1}})
    mock.advance(3600); mock.inject_fault(job_id, {"status": 500}); mock.journal(); mock.reset()

| verb | request | answer |
|---|---|---|
| describe | `GET /__jobcontract` | the API, its states, default script, clock, and these verbs |
| list jobs | `GET /__jobcontract/jobs` | `{"jobs": [ids]}` |
| create job | `POST /__jobcontract/jobs` `{"script", "id", "faults", "attributes"}` | 201 `{"id", "url"}` |
| show job | `GET /__jobcontract/jobs/{id}` | state, history, polls, attributes |
| inject fault | `POST /__jobcontract/jobs/{id}/faults` `{"fault", "poll"}` | 201 `{"poll"}` |
| clock | `GET`, `POST /__jobcontract/clock` `{"advance": seconds}` | `{"now", "seconds"}` |
| reset | `POST /__jobcontract/reset` | 204 |
| journal | `GET /__jobcontract/journal` | `{"requests": [...]}`, secrets redacted |

An API may add verbs of its own under the same prefix (CenturyLink's `GET`/`PUT /__jobcontract/queue`).
A malformed request answers 400 `{"error": "..."}` saying what is wrong, an unknown job 404, an unknown
verb 404 and a method a verb does not take 405 with `Allow`. Each method of `Control` is one request; an
answer the control API refuses raises ControlError with its status and message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

import requests
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .engine import Fault, Observation, ScriptError, UnknownJob, parse_fault

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


def is_control(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


class Controlled(Protocol):
    """What the control API drives: a mock's jobs, clock and journal (MockApp; Import/Export's backend)."""

    #: an API's own verbs: rules relative to the control prefix whose endpoint `x` is answered by
    #: `control_verb("x")(request, body, **params)`
    control_rules: Sequence[Rule]

    def describe(self) -> dict[str, Any]:
        """The API's name, states, default script (and anything else a person at the door should see)."""
        ...

    def create_job_from(self, body: dict[str, Any]) -> tuple[str, str]:
        """A job made from a create request's body (ScriptError if malformed): its id and status URL."""
        ...

    def job(self, job_id: str) -> Observation | None: ...

    def job_ids(self) -> list[str]: ...

    def inject_fault(self, job_id: str, fault: Fault | Mapping[str, Any], poll: int | None = None) -> int: ...

    def advance(self, seconds: float) -> float: ...

    def now(self) -> tuple[datetime, float]:
        """The clock: the time it shows, and its seconds since it started."""
        ...

    def reset(self) -> None: ...

    def journal(self) -> list[dict[str, Any]]: ...

    def control_verb(self, name: str) -> Callable[..., Response]: ...


class ControlApi:
    """The control API of one mock, as werkzeug answers."""

    VERBS = (
        Rule(CONTROL_PREFIX, endpoint="describe", methods=["GET"]),
        Rule(f"{CONTROL_PREFIX}/jobs", endpoint="list_jobs", methods=["GET"]),
        Rule(f"{CONTROL_PREFIX}/jobs", endpoint="create_job", methods=["POST"]),
        Rule(f"{CONTROL_PREFIX}/jobs/<path:job_id>/faults", endpoint="inject_fault", methods=["POST"]),
        Rule(f"{CONTROL_PREFIX}/jobs/<path:job_id>", endpoint="show_job", methods=["GET"]),
        Rule(f"{CONTROL_PREFIX}/clock", endpoint="clock", methods=["GET", "POST"]),
        Rule(f"{CONTROL_PREFIX}/reset", endpoint="reset", methods=["POST"]),
        Rule(f"{CONTROL_PREFIX}/journal", endpoint="journal", methods=["GET"]),
    )

    def __init__(self, target: Controlled) -> None:
        self.target = target
        own = (
            Rule(f"{CONTROL_PREFIX}{rule.rule}", endpoint=f"own:{rule.endpoint}", methods=rule.methods)
            for rule in target.control_rules
        )
        # Rule objects bind to one Map: each control API routes with unbound copies
        self._routes = Map([rule.empty() for rule in (*self.VERBS, *own)], strict_slashes=False)

    def answer(self, request: Request) -> Response:
        try:
            endpoint, params = self._routes.bind("mock", path_info=request.path).match(method=request.method)
            body = self._body(request)
            if endpoint.startswith("own:"):
                return self.target.control_verb(endpoint.removeprefix("own:"))(request, body, **params)
            verb: Callable[..., Response] = getattr(self, endpoint)
            return verb(request, body, **params)
        except ScriptError as error:
            return control_answer({"error": str(error)}, 400)
        except UnknownJob as error:
            return control_answer({"error": f"no job {error.args[0]!r}"}, 404)
        except HTTPException as error:  # an unknown verb (404) or a method it does not take (405)
            answered = control_answer({"error": error.description or error.name}, error.code or 400)
            allowed = getattr(error, "valid_methods", None)
            if allowed:
                answered.headers["Allow"] = ", ".join(sorted(allowed))
            return answered

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        if request.method not in ("POST", "PUT") or not request.get_data():
            return {}
        try:
            body = json.loads(request.get_data())
        except ValueError as error:
            raise ScriptError(f"the control API takes a JSON object: {error}") from None
        if not isinstance(body, dict):
            raise ScriptError("the control API takes a JSON object")
        return body

    # -- the verbs -------------------------------------------------------------------------------------
    def describe(self, request: Request, body: dict[str, Any]) -> Response:
        own = {
            rule.endpoint: f"{'/'.join(sorted(rule.methods or ()))} {CONTROL_PREFIX}{rule.rule}"
            for rule in self.target.control_rules
        }
        now, _ = self.target.now()
        return control_answer({**self.target.describe(), "clock": now.isoformat(), "control": {**CONTROL_INDEX, **own}})

    def list_jobs(self, request: Request, body: dict[str, Any]) -> Response:
        return control_answer({"jobs": self.target.job_ids()})

    def create_job(self, request: Request, body: dict[str, Any]) -> Response:
        job_id, url = self.target.create_job_from(body)
        return control_answer({"id": job_id, "url": url}, 201)

    def show_job(self, request: Request, body: dict[str, Any], job_id: str) -> Response:
        observation = self.target.job(job_id)
        if observation is None:
            raise UnknownJob(job_id)
        return control_answer(observation_json(observation))

    def inject_fault(self, request: Request, body: dict[str, Any], job_id: str) -> Response:
        fault = parse_fault(body.get("fault", {}))
        return control_answer({"poll": self.target.inject_fault(job_id, fault, body.get("poll"))}, 201)

    def clock(self, request: Request, body: dict[str, Any]) -> Response:
        if request.method == "POST":
            if set(body) != {"advance"}:
                raise ScriptError('advance the clock with {"advance": seconds}')
            self.target.advance(body["advance"])
        now, seconds = self.target.now()
        return control_answer({"now": now.isoformat(), "seconds": seconds})

    def reset(self, request: Request, body: dict[str, Any]) -> Response:
        self.target.reset()
        return Response(status=204)

    def journal(self, request: Request, body: dict[str, Any]) -> Response:
        return control_answer({"requests": self.target.journal()})


def control_answer(body: Any, status: int = 200) -> Response:
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


class ControlError(Exception):
    """The control API refused a request: `status` and the mock's own `message`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class Control:
    """The control API of the mock at `url` (its base URL, or the control URL `serve` prints)."""

    def __init__(self, url: str, *, timeout: float = 10.0, session: requests.Session | None = None) -> None:
        base = url.rstrip("/")
        self.url = base if base.endswith(CONTROL_PREFIX) else base + CONTROL_PREFIX
        self.timeout = timeout
        self.session = session or requests.Session()

    def _call(self, method: str, path: str = "", body: Mapping[str, Any] | None = None) -> Any:
        response = self.session.request(method, self.url + path, json=body, timeout=self.timeout)
        if response.status_code >= 400:
            try:
                message = str(response.json().get("error", response.text))
            except (ValueError, AttributeError):
                message = response.text
            raise ControlError(response.status_code, message)
        return response.json() if response.content else None

    def describe(self) -> dict[str, Any]:
        """The API, its states, its default script and the clock."""
        return dict(self._call("GET"))

    def create_job(
        self,
        script: list[Any] | None = None,
        job_id: str | None = None,
        *,
        faults: Mapping[int | str, Mapping[str, Any]] | None = None,
        **attributes: Any,
    ) -> str:
        """Create a job with a script of steps in the API's states (the default script if None); returns its id."""
        body: dict[str, Any] = {"attributes": attributes} if attributes else {}
        if script is not None:
            body["script"] = script
        if job_id is not None:
            body["id"] = job_id
        if faults:
            body["faults"] = {str(poll): dict(fault) for poll, fault in faults.items()}
        return str(self._call("POST", "/jobs", body)["id"])

    def job(self, job_id: str) -> dict[str, Any]:
        """A job's state, history and polls."""
        return dict(self._call("GET", f"/jobs/{quote(job_id, safe='')}"))

    def jobs(self) -> list[str]:
        return list(self._call("GET", "/jobs")["jobs"])

    def inject_fault(self, job_id: str, fault: Mapping[str, Any], poll: int | None = None) -> int:
        """Script a fault on the job's next poll (or poll number `poll`); returns the poll it will hit."""
        body: dict[str, Any] = {"fault": dict(fault)}
        if poll is not None:
            body["poll"] = poll
        return int(self._call("POST", f"/jobs/{quote(job_id, safe='')}/faults", body)["poll"])

    def advance(self, seconds: float) -> float:
        """Move the mock's clock on; returns its seconds since it started."""
        return float(self._call("POST", "/clock", {"advance": seconds})["seconds"])

    def reset(self) -> None:
        self._call("POST", "/reset")

    def journal(self) -> list[dict[str, Any]]:
        """What clients sent (secrets redacted), bounded."""
        return list(self._call("GET", "/journal")["requests"])
