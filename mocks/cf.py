"""Cloud Foundry v3 (Cloud Controller + the bit of UAA a client needs): jobs, login, an async delete.

Routes:
- `GET /v3/jobs/{guid}` (the contract's `getJob`): the job in its state, or CC's documented errors.
- `GET /`: the global root with `cloud_controller_v2` (meta.version 2.x, for clients <= 1.37),
  `cloud_controller_v3`, `login` and `uaa`, all pointing at this mock.
- `POST /oauth/token`: UAA's password and refresh_token grants for client `cf` (Basic `cf:`).
  The user is `admin` / `admin`. Access tokens expire after 599 s of the mock's clock, so advancing
  the clock takes a client through the 401 CF-InvalidAuthToken -> refresh -> retry path.
- `DELETE /v3/apps/{guid}`: 202 with a `Location` header to a new `app.delete` job.

Tokens: `VALID_TOKEN` is always valid with read and write scopes (use it as `--cf-token` against
`python -m mocks serve --api cf`); `NO_READ_SCOPE_TOKEN` is valid but has no
`cloud_controller.read`, so it gets 403 CF-NotAuthorized.

Job attributes (control API `attributes`, all optional): `operation` (default `app.delete`),
`resource_type` and `resource_guid` (the resource link; by default derived from the operation as
Cloud Controller does), `warnings` (strings or `{"detail": ...}`) and `errors` (the `{code, title,
detail}` objects a FAILED job shows; default CF-UnprocessableEntity 10008; `[]` serves the
FAILED-without-errors edge case of cloud_controller_ng#1959). A service-style job:
`{"script": [{"state": "PROCESSING", "polls": 1}, {"state": "POLLING", "seconds": 60}, "COMPLETE"],
"attributes": {"operation": "service_instance.create"}}`.
"""

from __future__ import annotations

import functools
import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .app import Dialect, MockApp
from .engine import Observation, ScriptError, Step

VALID_TOKEN = "jobcontract-cf-token"
NO_READ_SCOPE_TOKEN = "jobcontract-cf-token-without-read-scope"
USERNAME, PASSWORD = "admin", "admin"
CLIENT_ID, CLIENT_SECRET = "cf", ""
TOKEN_LIFETIME = 599  # seconds of the mock's clock, as UAA's default for the cf client
READ, WRITE = "cloud_controller.read", "cloud_controller.write"
USER_SCOPES = frozenset({READ, WRITE, "openid", "uaa.user"})

DEFAULT_OPERATION = "app.delete"
DEFAULT_JOB_ERROR = {"code": 10008, "title": "CF-UnprocessableEntity", "detail": "something went wrong"}
# status -> (code, title, detail) of Cloud Controller's error for it (reference cf.md 1.2, 1.3)
ERRORS = {
    400: (10005, "CF-BadQueryParameter", "The query parameter is invalid: Unknown query parameter(s): 'include'."),
    401: (10002, "CF-NotAuthenticated", "Authentication error"),
    403: (10003, "CF-NotAuthorized", "You are not authorized to perform the requested action"),
    404: (10010, "CF-ResourceNotFound", "Job not found"),
    409: (
        60016,
        "CF-AsyncServiceInstanceOperationInProgress",
        "An operation for service instance my-db is in progress.",
    ),
    422: (10008, "CF-UnprocessableEntity", "The request is semantically invalid: unable to process the job."),
    500: (10001, "UnknownError", "An unknown error occurred."),
    502: (20004, "CF-UaaUnavailable", "The UAA service is currently unavailable"),
    503: (10015, "CF-ServiceUnavailable", "Database connection failure"),
}
INVALID_TOKEN = (1000, "CF-InvalidAuthToken", "Invalid Auth Token")
# A request the mock itself cannot serve (a bad Prefer selector): 400 with the mock's explanation.
INVALID_REQUEST = (10004, "CF-InvalidRequest")
# A route Cloud Controller does not have (any path, or a method a path does not take): 404 CF-NotFound.
UNKNOWN_REQUEST = (10000, "CF-NotFound", "Unknown request")
JOB_PATH = re.compile(r"^/v3/jobs/.+")
# operation -> link key where Cloud Controller's resource_type is not the operation's first word (cf.md 1.6)
LINK_KEYS = {
    "service_instance.create": "service_instances",
    "service_instance.update": "service_instances",
    "service_broker.catalog.synchronize": "service_brokers",
    "service_broker.update": "service_brokers",
    "service_bindings.create": "service_credential_binding",
    "service_bindings.delete": "service_credential_binding",
    "service_keys.create": "service_credential_binding",
    "service_keys.delete": "service_credential_binding",
    "service_route_bindings.create": "service_route_binding",
    "service_route_bindings.delete": "service_route_binding",
    "admin.clear_buildpack_cache": "",
}
ATTRIBUTES = frozenset({"operation", "resource_type", "resource_guid", "warnings", "errors"})


def timestamp(moment: datetime) -> str:
    """CF v3 timestamps: `YYYY-MM-DDThh:mm:ssZ`, no sub-second precision (#timestamps)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=4096)  # a SHA-1 per poll otherwise; clients poll the same job again and again
def derived_guid(job_id: str) -> str:
    """The guid of the resource a job works on when the job's attributes name none: stable per job."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, job_id))


def plural(name: str) -> str:
    return name if name.endswith("s") else f"{name}s"


@dataclass(frozen=True)
class Grant:
    """What an access token allows, and until when (seconds on the engine's clock; None: forever)."""

    scopes: frozenset[str]
    expires: float | None = None


class CfDialect(Dialect):
    api = "cf"
    poll_operation = "getJob"
    states = ("PROCESSING", "POLLING", "COMPLETE", "FAILED")
    terminal_states = frozenset({"COMPLETE", "FAILED"})
    default_script = (Step("PROCESSING", seconds=2), Step("COMPLETE"))
    rules = (
        Rule("/v3/jobs/<path:guid>", endpoint="getJob", methods=["GET"]),
        Rule("/", endpoint="root", methods=["GET"]),
        Rule("/oauth/token", endpoint="token", methods=["POST"]),
        Rule("/v3/apps/<path:guid>", endpoint="deleteApp", methods=["DELETE"]),
    )

    def __init__(self, app: MockApp) -> None:
        super().__init__(app)
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {VALID_TOKEN: Grant(USER_SCOPES), NO_READ_SCOPE_TOKEN: Grant(frozenset())}
        self._refresh_tokens: dict[str, frozenset[str]] = {}

    def reset(self) -> None:
        """Forget every token minted at the token endpoint; the two known tokens stay."""
        with self._lock:
            self._grants = {token: self._grants[token] for token in (VALID_TOKEN, NO_READ_SCOPE_TOKEN)}
            self._refresh_tokens.clear()

    # -- operations ----------------------------------------------------------------------------------
    def getJob(self, request: Request, guid: str) -> Response:
        refused = self.authorize(request, READ)
        if refused is not None:
            return refused
        observation = self.poll(guid)
        if observation is None:
            return self.error(request, 404, "Job not found")
        return self.fault_response(request, observation) or self.json(self.job(observation))

    def root(self, request: Request) -> Response:
        base = self.base_url(request)
        return self.json(
            {
                "links": {
                    "self": {"href": base},
                    "bits_service": None,
                    "cloud_controller_v2": {"href": f"{base}/v2", "meta": {"version": "2.250.0"}},
                    "cloud_controller_v3": {"href": f"{base}/v3", "meta": {"version": "3.180.0"}},
                    "network_policy_v0": None,
                    "network_policy_v1": None,
                    "login": {"href": base},
                    "uaa": {"href": base},
                    "credhub": None,
                    "routing": None,
                    "logging": None,
                    "log_cache": None,
                    "log_stream": None,
                    "app_ssh": None,
                }
            }
        )

    def deleteApp(self, request: Request, guid: str) -> Response:
        refused = self.authorize(request, WRITE)
        if refused is not None:
            return refused
        job_id = self.app.create_job(operation="app.delete", resource_type="app", resource_guid=guid)
        return Response(status=202, headers={"Location": self.status_url(job_id), **self.request_id()})

    def token(self, request: Request) -> Response:
        """UAA's token endpoint, as far as `cf` clients use it (password and refresh_token grants)."""
        if request.authorization is None:
            return self.uaa_error(401, "unauthorized", "Full authentication is required to access this resource")
        client = (request.authorization.username, request.authorization.password or "")
        if request.authorization.type != "basic" or client != (CLIENT_ID, CLIENT_SECRET):
            return self.uaa_error(401, "unauthorized", "Bad credentials")
        grant_type = request.form.get("grant_type")
        if not grant_type:
            return self.uaa_error(400, "invalid_request", "Missing grant type")
        if grant_type == "password":
            if (request.form.get("username"), request.form.get("password")) != (USERNAME, PASSWORD):
                return self.uaa_error(401, "unauthorized", "Bad credentials")
            refresh_token = f"{uuid.uuid4().hex}-r"
            with self._lock:
                self._refresh_tokens[refresh_token] = USER_SCOPES
        elif grant_type == "refresh_token":
            refresh_token = request.form.get("refresh_token", "")
            with self._lock:
                known = refresh_token in self._refresh_tokens
            if not known:
                return self.uaa_error(401, "invalid_token", "Invalid refresh token (expired or revoked)")
        else:
            return self.uaa_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")
        return self.json(self.mint(refresh_token))

    # -- auth ----------------------------------------------------------------------------------------
    def mint(self, refresh_token: str) -> dict[str, Any]:
        access_token = uuid.uuid4().hex
        with self._lock:
            scopes = self._refresh_tokens[refresh_token]
            self._grants[access_token] = Grant(scopes, self.engine.clock.seconds() + TOKEN_LIFETIME)
        return {
            "access_token": access_token,
            "token_type": "bearer",
            "refresh_token": refresh_token,
            "expires_in": TOKEN_LIFETIME,
            "scope": " ".join(sorted(scopes)),
            "jti": uuid.uuid4().hex,
        }

    def authorize(self, request: Request, scope: str) -> Response | None:
        """Cloud Controller's validate_token! then check_read/write_permissions!: 401 or 403, or None."""
        header = request.headers.get("Authorization", "").strip()
        if not header:
            return self.error(request, 401, "Authentication error")
        scheme, _, token = header.partition(" ")
        with self._lock:
            grant = self._grants.get(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None or (grant.expires is not None and self.engine.clock.seconds() >= grant.expires):
            return self.error(request, 401, INVALID_TOKEN[2], code=INVALID_TOKEN[0], title=INVALID_TOKEN[1])
        if scope not in grant.scopes:
            return self.error(request, 403, ERRORS[403][2])
        return None

    # -- bodies ----------------------------------------------------------------------------------------
    def base_url(self, request: Request) -> str:
        return self.app.base_url or request.host_url.rstrip("/")

    def status_url(self, job_id: str) -> str:
        return f"{self.app.base_url}/v3/jobs/{quote(job_id, safe='')}"

    def job(self, observation: Observation) -> dict[str, Any]:
        """The job object (#the-job-object) as Cloud Controller's JobPresenter renders it."""
        attributes = observation.attributes
        operation = attributes.get("operation", DEFAULT_OPERATION)
        links: dict[str, Any] = {"self": {"href": self.status_url(observation.job_id)}}
        link_key = attributes.get("resource_type", LINK_KEYS.get(operation, operation.split(".", 1)[0]))
        deleted = operation.endswith(".delete") and observation.state == "COMPLETE"
        if link_key and not deleted:  # a resource link only while the resource exists
            resource_guid = attributes.get("resource_guid") or derived_guid(observation.job_id)
            links[link_key] = {"href": f"{self.app.base_url}/v3/{plural(link_key)}/{quote(resource_guid, safe='')}"}
        errors = attributes.get("errors", [DEFAULT_JOB_ERROR]) if observation.state == "FAILED" else []
        return {
            "guid": observation.job_id,
            "created_at": timestamp(observation.created),
            "updated_at": timestamp(observation.updated),
            "operation": operation,
            "state": observation.state,
            "errors": [dict(error) for error in errors],
            "warnings": [w if isinstance(w, Mapping) else {"detail": w} for w in attributes.get("warnings", [])],
            "links": links,
        }

    def check_attributes(self, attributes: Mapping[str, Any]) -> None:
        unknown = set(attributes) - ATTRIBUTES
        if unknown:
            known = ", ".join(sorted(ATTRIBUTES))
            raise ScriptError(f"unknown cf job attribute(s) {sorted(unknown)}; the attributes are {known}")
        for name in ("operation", "resource_type", "resource_guid"):
            if name in attributes and not isinstance(attributes[name], str):
                raise ScriptError(f"{name} must be a string, not {attributes[name]!r}")
        warnings = attributes.get("warnings", [])
        if not isinstance(warnings, list) or not all(
            isinstance(w, str) or (isinstance(w, Mapping) and set(w) == {"detail"} and isinstance(w["detail"], str))
            for w in warnings
        ):
            raise ScriptError('warnings must be a list of strings or {"detail": string} objects')
        errors = attributes.get("errors", [])
        if not isinstance(errors, list) or not all(
            isinstance(e, Mapping)
            and set(e) == {"code", "title", "detail"}
            and isinstance(e["code"], int)
            and isinstance(e["title"], str)
            and isinstance(e["detail"], str)
            for e in errors
        ):
            raise ScriptError("errors must be a list of {code: integer, title: string, detail: string} objects")

    def error(self, request: Request, status: int, detail: str, **extra: Any) -> Response:
        """Cloud Controller's error body (#errors); the 502 is a single object, as the seed has it."""
        if "code" in extra:
            code, title = extra["code"], extra["title"]
        elif (status == 404 and not JOB_PATH.match(request.path)) or status == 405:
            code, title, detail = UNKNOWN_REQUEST
            status = 404  # Cloud Controller routes nothing else: any other path or method is unknown
        elif status == 400 and not extra.get("chosen"):  # the mock's own refusal, with its explanation
            code, title = INVALID_REQUEST
        else:
            code, title, detail = ERRORS.get(status, ERRORS[500])
        error = {"code": code, "title": title, "detail": detail}
        return self.json(error if status == 502 else {"errors": [error]}, status)

    def uaa_error(self, status: int, error: str, description: str) -> Response:
        return self.json({"error": error, "error_description": description}, status)

    def json(self, body: Any, status: int = 200, content_type: str = "application/json", **headers: str) -> Response:
        return super().json(body, status, content_type, **self.request_id(), **headers)

    @staticmethod
    def request_id() -> dict[str, str]:
        """Cloud Controller tags every response with X-VCAP-Request-ID (clients log it)."""
        return {"X-VCAP-Request-ID": str(uuid.uuid4())}
