"""The control API every mock serves under `/__jobcontract`: its verbs, served (`ControlApi`, for the three
dialect mocks and for Import/Export on moto's server alike), and a small Python client of it (`Control`), so
that a served mock (`jobcontract serve`, in another process or on another machine) is driven exactly
like an embedded one:

    from jobcontract.mocks.control import Control
    mock = Control("http://127.0.0.1:8081")            # the mock's base URL, or its control URL
    job_id = mock.create_job(["accepted", {"state": "running", "polls": 2}, "successful"], faults={2: {"delay": 1}})
    mock.advance(3600); mock.inject_fault(job_id, {"status": 500}); mock.journal(); mock.reset()

| verb | request | answer |
|---|---|---|
| describe | `GET /__jobcontract` | the API, its states, default script, clock, and these verbs |
| list jobs | `GET /__jobcontract/jobs[?limit=N&after=ID]` | `{"jobs": [ids], "next": url}` (`next`: more to come) |
| create job | `POST /__jobcontract/jobs` `{"script", "id", "faults", "attributes"}` | 201 `{"id", "url"}` |
| show job | `GET /__jobcontract/jobs/{id}` | state, history, polls, attributes |
| inject fault | `POST /__jobcontract/jobs/{id}/faults` `{"fault", "poll"}` | 201 `{"poll"}` |
| clock | `GET`, `POST /__jobcontract/clock` `{"advance": seconds}` | `{"now", "seconds"}` |
| reset | `POST /__jobcontract/reset` | 204 |
| journal | `GET /__jobcontract/journal` | `{"requests": [...]}`, secrets redacted |

An API may add verbs of its own under the same prefix (CenturyLink's `GET`/`PUT /__jobcontract/queue`).
A malformed request answers 400 `{"error": "..."}` saying what is wrong, an unknown job 404, an unknown
verb 404 and a method a verb does not take 405 with `Allow`. Each method of `Control` is one request
(`jobs()` follows the pages: at most 1,000 ids a page by default, 10,000 with `limit`); an answer the
control API refuses raises ControlError with its status and message.

Who may drive a mock (`ControlPolicy`, which `jobcontract serve` sets from its flags): a body is JSON,
sent as `application/json` (else 415: a web page's form or `text/plain` post cannot reach the verbs); a
request from a web page of another site (an `Origin` other than the mock's own, `Sec-Fetch-Site:
cross-site` or `same-site`) is 403. With a token (`--control-token`, `JOBCONTRACT_CONTROL_TOKEN`) every
call needs `Authorization: Bearer <token>`, else 401 with `WWW-Authenticate: Bearer`; `Control` sends the
token given to it, by default `JOBCONTRACT_CONTROL_TOKEN`'s. Without a token the request's `Host` must be
an address of the mock (127.0.0.1, localhost or [::1] with its port, the address it listens on, the host of
its `--public-url`), else 403: a web page whose own name was made to resolve to the mock's address (DNS
rebinding) cannot drive it. Over its limits (mocks/engine.py `Limits`) a job is refused with 409 (the mock
holds as many jobs as it may) or 400 (its attributes are too big), the message naming the `serve` flag
that raises the limit.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlencode, urlsplit

from werkzeug.exceptions import HTTPException, UnsupportedMediaType
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from jobcontract.contracts import loads_json

from .engine import Fault, Full, Observation, ScriptError, UnknownJob, parse_fault

if TYPE_CHECKING:  # the client's, imported when a client is made: a served mock starts without it
    import requests

CONTROL_PREFIX = "/__jobcontract"
#: the environment variable that holds the control API's token, for `serve` and for `Control` alike
TOKEN_VARIABLE = "JOBCONTRACT_CONTROL_TOKEN"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
JOBS_PAGE = (1, 10_000, 1000)  # minimum, maximum and default `limit` of a page of `GET /__jobcontract/jobs`

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


def _address(netloc: str) -> tuple[str, int | None] | None:
    """(host, port) of a `Host` value or a URL's netloc, the host lower-cased and without IPv6's brackets, the
    port None when none is given; None when it is not one."""
    if "@" in netloc:  # user information: no Host a browser sends has it, and it would hide the host after it
        return None
    try:
        parts = urlsplit(f"//{netloc}")
        port = parts.port
    except ValueError:  # a port that is not a number from 0 to 65535, a bracket unclosed
        return None
    return (parts.hostname, port) if parts.hostname else None


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _refused(status: int, message: str) -> Response:
    return control_answer({"error": message}, status)


@dataclass(frozen=True)
class ControlPolicy:
    """Who may drive a mock through its control API (see the module's docstring); `ControlApi` applies it."""

    #: the token every call must carry as `Authorization: Bearer <token>` (None: none needed, `Host` checked)
    token: str | None = None

    def refusal(self, request: Request, public_url: str = "") -> Response | None:
        """The answer that refuses `request` (403 cross-site or to another host, 401 without the token), else None."""
        fetched_from = request.headers.get("Sec-Fetch-Site", "").lower()
        origin = request.headers.get("Origin")
        own_origins = {f"{request.scheme}://{request.host}".lower()} | ({_origin(public_url)} if public_url else set())
        if fetched_from in ("cross-site", "same-site") or (origin is not None and origin.lower() not in own_origins):
            return _refused(
                403,
                "the control API refuses requests from web pages of other sites"
                f" (Origin {(origin or 'not given')[:100]}, Sec-Fetch-Site {fetched_from[:20] or 'not given'}):"
                " a page a browser shows may not drive the mock",
            )
        if self.token is not None:
            # a web page cannot send the token unless it has it: the Host needs no check
            scheme, _, given = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self.token.encode()):
                refused = _refused(
                    401,
                    "the control API needs Authorization: Bearer <token>, the token the mock was served with"
                    f" (--control-token or {TOKEN_VARIABLE}; mocks.control.Control sends {TOKEN_VARIABLE}'s)",
                )
                refused.headers["WWW-Authenticate"] = 'Bearer realm="jobcontract control API"'
                return refused
            return None
        return self._host_refusal(request, public_url)

    @staticmethod
    def _host_refusal(request: Request, public_url: str) -> Response | None:
        host = request.headers.get("Host")
        server, port = request.environ.get("SERVER_NAME"), request.environ.get("SERVER_PORT", "")
        if host is None or not server or not port.isdecimal():
            # Nothing to check: a request without a Host is no browser's, and an application answering in-process
            # (intercept, werkzeug's test client) is bound to no address: its environ's server is the URL asked for
            return None
        listening = server.strip("[]").lower()
        allowed = {(name, int(port)) for name in {*LOOPBACK_NAMES, listening}}
        public = urlsplit(public_url)
        reached_at = _address(public.netloc) if public_url else None
        if reached_at is not None:
            allowed.add((reached_at[0], reached_at[1] or _default_port(public.scheme)))
        sent = _address(host)
        if sent is not None:
            name, given = sent
            # a proxy in front may forward the public name without its port, over another scheme than the public one
            if (name, given or _default_port(request.scheme)) in allowed or (
                reached_at is not None and given is None and name == reached_at[0]
            ):
                return None
        shown = ", ".join(
            sorted(f"[{name}]:{number}" if ":" in name else f"{name}:{number}" for name, number in allowed)
        )
        return _refused(
            403,
            f"the control API answers requests sent to this mock's own addresses ({shown}), not to Host {host[:100]!r}:"
            " a guard against DNS rebinding. Serve the mock with --control-token (then any Host will do with the"
            " token), or with --public-url naming the host its clients use",
        )


class Controlled(Protocol):
    """What the control API drives: a mock's jobs, clock and journal (MockApp; Import/Export's backend)."""

    #: an API's own verbs: rules relative to the control prefix whose endpoint `x` is answered by
    #: `control_verb("x")(request, body, **params)`
    control_rules: Sequence[Rule]
    #: where clients reach the mock when that is not where it listens ("" if nowhere else): a Host the policy allows
    public_url: str

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

    def __init__(self, target: Controlled, policy: ControlPolicy | None = None) -> None:
        self.target = target
        self.policy = policy or ControlPolicy()
        own = (
            Rule(f"{CONTROL_PREFIX}{rule.rule}", endpoint=f"own:{rule.endpoint}", methods=rule.methods)
            for rule in target.control_rules
        )
        # Rule objects bind to one Map: each control API routes with unbound copies
        self._routes = Map([rule.empty() for rule in (*self.VERBS, *own)], strict_slashes=False)

    def answer(self, request: Request) -> Response:
        refusal = self.policy.refusal(request, self.target.public_url)
        if refusal is not None:
            return refusal
        try:
            endpoint, params = self._routes.bind("mock", path_info=request.path).match(method=request.method)
            body = self._body(request)
            if endpoint.startswith("own:"):
                return self.target.control_verb(endpoint.removeprefix("own:"))(request, body, **params)
            verb: Callable[..., Response] = getattr(self, endpoint)
            return verb(request, body, **params)
        except Full as error:  # the mock holds as many jobs as it may: a conflict with its state
            return control_answer({"error": str(error)}, 409)
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
        if request.mimetype != "application/json":  # a form or text/plain post is what a web page can send
            raise UnsupportedMediaType(
                "the control API takes a JSON body sent with Content-Type: application/json, not"
                f" {request.content_type or 'none'}"
            )
        try:
            body = loads_json(request.get_data())
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
        """A page of job ids, oldest first: `limit` of them after the job `after`; `next` links the next page."""
        minimum, maximum, default = JOBS_PAGE
        limit = request.args.get("limit", str(default))
        if not (limit.isdecimal() and len(limit) <= len(str(maximum)) and minimum <= int(limit) <= maximum):
            raise ScriptError(f"limit is an integer from {minimum} to {maximum}, not {limit[:20]!r}")
        size, job_ids, after = int(limit), self.target.job_ids(), request.args.get("after")
        first = 0
        if after is not None:
            if after not in job_ids:
                raise ScriptError(f"after={after[:100]!r} names no job (it may have gone since): list from the start")
            first = job_ids.index(after) + 1
        page = job_ids[first : first + size]
        listed: dict[str, Any] = {"jobs": page}
        if first + size < len(job_ids):
            listed["next"] = f"{request.base_url}?{urlencode({'limit': size, 'after': page[-1]})}"
        return control_answer(listed)

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

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        base = url.rstrip("/")
        self.url = base if base.endswith(CONTROL_PREFIX) else base + CONTROL_PREFIX
        #: sent as `Authorization: Bearer` to a mock served with --control-token; default JOBCONTRACT_CONTROL_TOKEN's
        self.token = token if token is not None else os.environ.get(TOKEN_VARIABLE) or None
        self.timeout = timeout
        import requests

        self.session = session or requests.Session()

    def _call(self, method: str, path: str = "", body: Mapping[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.session.request(method, self.url + path, json=body, headers=headers, timeout=self.timeout)
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
        """Every job's id, oldest first, page after page."""
        found: list[str] = []
        query: str | None = ""
        while query is not None:
            page = self._call("GET", f"/jobs{query}")
            found.extend(page["jobs"])
            # the next page's query on this client's own URL: the mock builds `next` from the Host it was sent
            query = f"?{urlsplit(page['next']).query}" if page.get("next") else None
        return found

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
