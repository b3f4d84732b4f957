"""Cloud Foundry v3 (Cloud Controller + the bit of UAA a client needs): jobs, login, the resources jobs
act on, and their asynchronous deletes.

Routes:
- `GET /v3/jobs/{guid}` (the contract's `getJob`): the job in its state, or CC's documented errors.
- `GET /`: the global root with `cloud_controller_v3`, `login` and `uaa`, all pointing at this mock.
  It has no `cloud_controller_v2` link (as Cloud Controller with `temporary_enable_v2: false`): the mock
  serves no v2 endpoint, and every link it hands out resolves. cloudfoundry-client >= 1.38 needs none.
- `GET /v3`: the v3 root (`RootController#v3_root`): `self` and the collections this mock serves
  (`apps`, `service_instances`), each `{"href": ".../v3/<collection>"}` as CC writes them; CC's other
  collections are left out, since the mock does not serve them. No token needed, as in CC.
- `POST /oauth/token`: UAA's password and refresh_token grants for client `cf` (Basic `cf:`).
  The user is `admin` / `admin`. Access tokens expire after 599 s of the mock's clock, so advancing
  the clock takes a client through the 401 CF-InvalidAuthToken -> refresh -> retry path.
- `GET /v3/apps`, `GET /v3/service_instances`: one page of records (query `page`, `per_page`, `names`,
  `guids`, `order_by=-created_at`) with CC's `pagination` and its `first`/`last`/`next`/`previous` links.
- `GET /v3/{collection}/{guid}`: a record of any collection a job links to (apps and service instances in
  the shapes cloudfoundry-client reads; other collections, such as `spaces`, as `guid`, `name`, timestamps,
  `metadata` and a `self` link); an unknown or deleted one answers 404 CF-ResourceNotFound 10010
  ("App not found", ...), an unknown collection 404 CF-NotFound.
- `DELETE /v3/apps/{guid}`, `DELETE /v3/service_instances/{guid}`: 202 with a `Location` header to a new
  `app.delete` / `service_instance.delete` job (default script: PROCESSING 2 s, then COMPLETE); 404
  CF-ResourceNotFound for a record that does not exist (any more).
Reads need `cloud_controller.read`, deletes `cloud_controller.write` (401/403 as for jobs).

Records: the mock starts with the apps `my-app` and `my-worker` and the service instance `my-db`
(`SEEDED_RECORDS`, all in the space `SPACE_GUID`; restored by a reset). A job also brings the resource it
links to into being (`resource_type` / `resource_guid`, or derived from its operation and id), so every
link a job hands out resolves. A record is gone once a `*.delete` job on it is COMPLETE (the job then
drops its resource link, as CC's JobPresenter does); before that, and after a FAILED delete, it is there.

Tokens: `VALID_TOKEN` is always valid with read and write scopes (use it as `--cf-token` against
`jobcontract serve --api cf`); `NO_READ_SCOPE_TOKEN` is valid but has no
`cloud_controller.read`, so it gets 403 CF-NotAuthorized. The mock keeps the 10,000 newest tokens its token
endpoint minted (`TOKEN_LIMIT`), so that a client logging in forever does not grow it forever.

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
import math
import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .answer import Answer
from .dialect import Dialect
from .engine import Engine, Observation, OverLimit, ScriptError, Step
from .links import Links

VALID_TOKEN = "jobcontract-cf-token"
NO_READ_SCOPE_TOKEN = "jobcontract-cf-token-without-read-scope"
USERNAME, PASSWORD = "admin", "admin"
CLIENT_ID, CLIENT_SECRET = "cf", ""
TOKEN_LIFETIME = 599  # seconds of the mock's clock, as UAA's default for the cf client
TOKEN_LIMIT = 10_000  # minted access and refresh tokens kept, the oldest forgotten first: logins in a loop stay bounded
READ, WRITE = "cloud_controller.read", "cloud_controller.write"
USER_SCOPES = frozenset({READ, WRITE, "openid", "uaa.user"})

DEFAULT_OPERATION = "app.delete"
DEFAULT_JOB_ERROR = {"code": 10008, "title": "CF-UnprocessableEntity", "detail": "something went wrong"}
# status -> (code, title, detail) of Cloud Controller's error for it
# (contracts/cf/NOTES.md: [CC-errors], [CC-jobs-controller], [CC-middleware])
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
# operation -> link key where Cloud Controller's resource_type is not the operation's first word
# (contracts/cf/NOTES.md [CC-job-classes])
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

SPACE_GUID = "2f35885d-0c9d-4423-83ad-fd05066f8576"  # the space every record is in (CC's docs example)
SERVICE_PLAN_GUID = "5358d122-638e-11ea-afca-bf6e756684ac"
# (collection, guid, name) of the records the mock starts with
SEEDED_RECORDS = (
    ("apps", "1cb006ee-fb05-47e1-b541-c34179ddc446", "my-app"),
    ("apps", "02b4ec9b-94c7-4468-9c23-4e906191a0f8", "my-worker"),
    ("service_instances", "c89b3280-fe8d-4aa0-a42e-44465bb1c61c", "my-db"),
)
LISTED_COLLECTIONS = ("apps", "service_instances")  # what `GET /v3` links to: the collections served
DELETABLE = {"apps": "app", "service_instances": "service_instance"}  # collection -> resource_type of its delete
# the collections jobs link to (contracts/cf/NOTES.md [CC-job-classes]): a record of one of them that does not
# exist is 404 CF-ResourceNotFound; any other collection is a route CC does not have (CF-NotFound)
LINK_COLLECTIONS = frozenset(
    {
        "apps",
        "spaces",
        "organizations",
        "buildpacks",
        "droplets",
        "packages",
        "domains",
        "routes",
        "roles",
        "users",
        "security_groups",
        "organization_quotas",
        "space_quotas",
        "service_brokers",
        "service_instances",
        "service_credential_bindings",
        "service_route_bindings",
    }
)
MAX_PER_PAGE = 5000  # CC's limit for per_page


def timestamp(moment: datetime) -> str:
    """CF v3 timestamps: `YYYY-MM-DDThh:mm:ssZ`, no sub-second precision (#timestamps)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=4096)  # a SHA-1 per poll otherwise; clients poll the same job again and again
def derived_guid(job_id: str) -> str:
    """The guid of the resource a job works on when the job's attributes name none: stable per job."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, job_id))


def plural(name: str) -> str:
    return name if name.endswith("s") else f"{name}s"


@dataclass
class Record:
    """A resource jobs act on: it exists from `created` until one of its delete jobs is COMPLETE."""

    collection: str
    guid: str
    name: str
    created: datetime
    delete_jobs: list[str] = field(default_factory=list)


def not_found_detail(collection: str) -> str:
    """CC's `resource_not_found!(:service_instance)` detail: 'Service instance not found'."""
    singular = collection.removesuffix("s") if collection.endswith("s") else collection
    return f"{singular.replace('_', ' ').capitalize()} not found"


@dataclass(frozen=True)
class Grant:
    """What an access token allows, and until when (seconds on the engine's clock; None: forever)."""

    scopes: frozenset[str]
    expires: float | None = None


class CfDialect(Dialect):
    api = "cf"
    poll_operation = "getJob"
    renewed_headers = ("X-VCAP-Request-ID",)
    states = ("PROCESSING", "POLLING", "COMPLETE", "FAILED")
    terminal_states = frozenset({"COMPLETE", "FAILED"})
    default_script = (Step("PROCESSING", seconds=2), Step("COMPLETE"))
    rules = (
        Rule("/v3/jobs/<path:guid>", endpoint="getJob", methods=["GET"]),
        Rule("/", endpoint="root", methods=["GET"]),
        Rule("/oauth/token", endpoint="token", methods=["POST"]),
        Rule("/v3", endpoint="v3Root", methods=["GET"]),
        Rule("/v3/<collection>", endpoint="listRecords", methods=["GET"]),
        Rule("/v3/<collection>/<path:guid>", endpoint="getRecord", methods=["GET"]),
        # explicit collections: a DELETE rule on any collection would add DELETE to every Allow, jobs' too
        Rule("/v3/<any(apps, service_instances):collection>/<path:guid>", endpoint="deleteRecord", methods=["DELETE"]),
    )

    def __init__(self, engine: Engine, links: Links) -> None:
        super().__init__(engine, links)
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {VALID_TOKEN: Grant(USER_SCOPES), NO_READ_SCOPE_TOKEN: Grant(frozenset())}
        self._refresh_tokens: dict[str, frozenset[str]] = {}
        self._records: dict[tuple[str, str], Record] = {}
        self._indexed_jobs: set[str] = set()  # jobs whose resource is already in _records
        self._indexed_up_to = -1  # the engine's `created` at the last look: no look while no job is new
        self._seed()

    def reset(self) -> None:
        """Forget every token minted at the token endpoint (the two known tokens stay), and every record but
        the seeded ones."""
        with self._lock:
            self._grants = {token: self._grants[token] for token in (VALID_TOKEN, NO_READ_SCOPE_TOKEN)}
            self._refresh_tokens.clear()
        self._seed()

    def _seed(self) -> None:
        now = self.engine.clock.now()
        with self._lock:
            self._indexed_jobs.clear()
            self._indexed_up_to = -1
            self._records = {
                (collection, guid): Record(collection, guid, name, now) for collection, guid, name in SEEDED_RECORDS
            }

    # -- operations ----------------------------------------------------------------------------------
    def getJob(self, request: Request, guid: str) -> Response | Answer:
        refused = self.authorize(request, READ)
        if refused is not None:
            return refused
        observation = self.poll(guid)
        if observation is None:
            return self.error(request, 404, "Job not found")
        grant = self.grant(request)
        expires = grant.expires if grant is not None and grant.expires is not None else math.inf
        return self.polled(
            observation, self.json(self.job(observation)), expires, replayable=not self.deletion_pending(observation)
        )

    def root(self, request: Request) -> Response:
        base = self.root_url(request)
        return self.json(
            {
                "links": {
                    "self": {"href": base},
                    "bits_service": None,
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

    def v3Root(self, request: Request) -> Response:
        base = self.root_url(request)
        links = {"self": {"href": f"{base}/v3"}}
        links.update({collection: {"href": f"{base}/v3/{collection}"} for collection in LISTED_COLLECTIONS})
        return self.json({"links": links})

    def listRecords(self, request: Request, collection: str) -> Response:
        if collection not in LISTED_COLLECTIONS:
            return self.error(request, 404, "Unknown request")
        refused = self.authorize(request, READ)
        if refused is not None:
            return refused
        query = request.args
        unknown = sorted(set(query) - {"page", "per_page", "names", "guids", "order_by"})
        if unknown:
            names = ", ".join(f"'{name}'" for name in unknown)
            return self.bad_query(request, f"The query parameter is invalid: Unknown query parameter(s): {names}.")
        try:
            page, per_page = int(query.get("page", "1")), int(query.get("per_page", "50"))
        except ValueError:
            page = per_page = 0
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            return self.bad_query(
                request, f"The query parameter is invalid: Page must be >= 1, per_page between 1 and {MAX_PER_PAGE}."
            )
        records = [record for record in self.records() if record.collection == collection]
        for name, key in (("names", "name"), ("guids", "guid")):
            if name in query:
                wanted = set(query[name].split(","))
                records = [record for record in records if getattr(record, key) in wanted]
        records.sort(key=lambda record: record.created)  # stable: then in order of creation
        if query.get("order_by", "created_at").startswith("-"):
            records.reverse()
        total_pages = max(1, -(-len(records) // per_page))

        def page_link(number: int) -> dict[str, str] | None:
            if not 1 <= number <= total_pages:
                return None
            kept = {k: v for k, v in query.items() if k not in ("page", "per_page")}
            parameters = urlencode({**kept, "page": number, "per_page": per_page})
            return {"href": f"{self.base_url}/v3/{collection}?{parameters}"}

        return self.json(
            {
                "pagination": {
                    "total_results": len(records),
                    "total_pages": total_pages,
                    "first": page_link(1),
                    "last": page_link(total_pages),
                    "next": page_link(page + 1),
                    "previous": page_link(min(page - 1, total_pages)),
                },
                "resources": [self.render(record) for record in records[(page - 1) * per_page : page * per_page]],
            }
        )

    def getRecord(self, request: Request, collection: str, guid: str) -> Response:
        found = self.find_record(request, collection, guid, READ)
        return found if isinstance(found, Response) else self.json(self.render(found))

    def deleteRecord(self, request: Request, collection: str, guid: str) -> Response:
        record = self.find_record(request, collection, guid, WRITE)
        if isinstance(record, Response):
            return record
        resource_type = DELETABLE[collection]
        job_id = self.create_job(
            operation=f"{resource_type}.delete", resource_type=resource_type, resource_guid=record.guid
        )
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
                while len(self._refresh_tokens) > TOKEN_LIMIT:
                    del self._refresh_tokens[next(iter(self._refresh_tokens))]
        elif grant_type == "refresh_token":
            refresh_token = request.form.get("refresh_token", "")
            with self._lock:
                known = refresh_token in self._refresh_tokens
            if not known:
                return self.uaa_error(401, "invalid_token", "Invalid refresh token (expired or revoked)")
        else:
            return self.uaa_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")
        return self.json(self.mint(refresh_token))

    # -- records -------------------------------------------------------------------------------------
    def resource_of(self, observation: Observation) -> tuple[str, str] | None:
        """(collection, guid) of the resource a job links to, as CC's JobPresenter names it; None: none."""
        attributes = observation.attributes
        operation = attributes.get("operation", DEFAULT_OPERATION)
        link_key = attributes.get("resource_type", LINK_KEYS.get(operation, operation.split(".", 1)[0]))
        if not link_key:
            return None
        return plural(link_key), attributes.get("resource_guid") or derived_guid(observation.job_id)

    def records(self) -> list[Record]:
        """Every record that exists now, after taking in the resources of jobs created since the last look."""
        self.take_in_new_jobs()
        with self._lock:
            records = list(self._records.values())
        return [record for record in records if not self.gone(record)]

    def take_in_new_jobs(self) -> None:
        """Index the resources of the jobs created since the last look (a delete job among them marks its record).
        Only a job made since the last look makes it read the engine's jobs: it runs whenever a poll is answered in
        full."""
        created = self.engine.created  # read first: a job made meanwhile is taken in now or at the next look
        if created == self._indexed_up_to:
            return
        job_ids = [job_id for job_id in self.engine.job_ids() if job_id not in self._indexed_jobs]
        observations = [observation for job_id in job_ids if (observation := self.engine.peek(job_id)) is not None]
        with self._lock:
            for observation in observations:
                if observation.job_id in self._indexed_jobs:  # another request took it in meanwhile
                    continue
                self._indexed_jobs.add(observation.job_id)
                resource = self.resource_of(observation)
                if resource is None:
                    continue
                record = self._records.setdefault(resource, Record(*resource, "", observation.created))
                if not record.name:
                    record.name = f"{resource[0].removesuffix('s')}-{resource[1][:8]}"
                if observation.attributes.get("operation", DEFAULT_OPERATION).endswith(".delete"):
                    record.delete_jobs.append(observation.job_id)
            self._indexed_up_to = max(self._indexed_up_to, created)

    def gone(self, record: Record) -> bool:
        for job_id in record.delete_jobs:
            observation = self.engine.peek(job_id)
            if observation is not None and observation.state == "COMPLETE":
                return True
        return False

    def find_record(self, request: Request, collection: str, guid: str, scope: str) -> Record | Response:
        """The record, or the answer that refuses it: 401/403 first, then 404 (CC checks the token first)."""
        refused = self.authorize(request, scope)
        if refused is not None:
            return refused
        record = next((r for r in self.records() if (r.collection, r.guid) == (collection, guid)), None)
        if record is not None:
            return record
        with self._lock:
            known = any(key[0] == collection for key in self._records)
        if not known and collection not in LINK_COLLECTIONS:
            return self.error(request, 404, "Unknown request")
        detail = not_found_detail(collection)
        return self.error(request, 404, detail, code=ERRORS[404][0], title=ERRORS[404][1])

    def render(self, record: Record) -> dict[str, Any]:
        """A small record in the shape CC's presenters give it (only the links this mock serves)."""
        created = timestamp(record.created)
        body: dict[str, Any] = {"guid": record.guid, "created_at": created, "updated_at": created, "name": record.name}
        space = {"space": {"data": {"guid": SPACE_GUID}}}
        if record.collection == "apps":
            body |= {
                "state": "STARTED",
                "lifecycle": {"type": "buildpack", "data": {"buildpacks": ["python_buildpack"], "stack": "cflinuxfs4"}},
                "relationships": space,
            }
        elif record.collection == "service_instances":
            deleting = any(
                (job := self.engine.peek(job_id)) is not None and not job.terminal for job_id in record.delete_jobs
            )
            body |= {
                "type": "managed",
                "tags": [],
                "maintenance_info": {},
                "upgrade_available": False,
                "dashboard_url": None,
                "last_operation": {
                    "type": "delete" if deleting else "create",
                    "state": "in progress" if deleting else "succeeded",
                    "description": "",
                    "created_at": created,
                    "updated_at": created,
                },
                "relationships": {**space, "service_plan": {"data": {"guid": SERVICE_PLAN_GUID}}},
            }
        href = f"{self.base_url}/v3/{record.collection}/{quote(record.guid, safe='')}"
        return body | {"metadata": {"labels": {}, "annotations": {}}, "links": {"self": {"href": href}}}

    def bad_query(self, request: Request, detail: str) -> Response:
        return self.error(request, 400, detail, code=ERRORS[400][0], title=ERRORS[400][1])

    # -- auth ----------------------------------------------------------------------------------------
    def mint(self, refresh_token: str) -> dict[str, Any]:
        access_token = uuid.uuid4().hex
        with self._lock:
            scopes = self._refresh_tokens[refresh_token]
            self._grants[access_token] = Grant(scopes, self.engine.clock.seconds() + TOKEN_LIFETIME)
            while len(self._grants) > TOKEN_LIMIT + 2:  # the two known tokens come first, and stay
                del self._grants[next(t for t in self._grants if t not in (VALID_TOKEN, NO_READ_SCOPE_TOKEN))]
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
        grant = self.grant(request)
        if grant is None or (grant.expires is not None and self.engine.clock.seconds() >= grant.expires):
            return self.error(request, 401, INVALID_TOKEN[2], code=INVALID_TOKEN[0], title=INVALID_TOKEN[1])
        if scope not in grant.scopes:
            return self.error(request, 403, ERRORS[403][2])
        return None

    def grant(self, request: Request) -> Grant | None:
        """What the request's `Authorization: Bearer` token allows, if the mock minted or knows it."""
        scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
        with self._lock:
            return self._grants.get(token.strip()) if scheme.lower() == "bearer" else None

    # -- bodies ----------------------------------------------------------------------------------------
    def root_url(self, request: Request) -> str:
        return self.base_url or request.host_url.rstrip("/")

    def status_url(self, job_id: str) -> str:
        return f"{self.base_url}/v3/jobs/{quote(job_id, safe='')}"

    def job(self, observation: Observation) -> dict[str, Any]:
        """The job object (#the-job-object) as Cloud Controller's JobPresenter renders it."""
        attributes = observation.attributes
        operation = attributes.get("operation", DEFAULT_OPERATION)
        links: dict[str, Any] = {"self": {"href": self.status_url(observation.job_id)}}
        resource = self.resource_of(observation)
        if resource is not None and not self.deleted(observation, resource):  # a link only while it exists
            link_key = attributes.get("resource_type", LINK_KEYS.get(operation, operation.split(".", 1)[0]))
            links[link_key] = {"href": f"{self.base_url}/v3/{resource[0]}/{quote(resource[1], safe='')}"}
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

    def deleted(self, observation: Observation, resource: tuple[str, str]) -> bool:
        """This job deleted the resource, or another delete job did: the records take in the jobs made since
        their last look first."""
        operation = observation.attributes.get("operation", DEFAULT_OPERATION)
        if operation.endswith(".delete") and observation.state == "COMPLETE":
            return True
        self.take_in_new_jobs()  # a delete job made since the last look counts at once: a link never outlives its app
        with self._lock:
            record = self._records.get(resource)
        return record is not None and self.gone(record)

    def deletion_pending(self, observation: Observation) -> bool:
        """Whether another job deleting the job's resource has not completed yet: the job's link goes when that
        job completes, with no change to this one, so a poll of this one is not answered from before (`polled`)."""
        resource = self.resource_of(observation)
        with self._lock:
            record = self._records.get(resource) if resource is not None else None
        if record is None or self.gone(record):
            return False
        return any(job_id != observation.job_id for job_id in record.delete_jobs)

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

    def over_limit(self, request: Request, error: OverLimit) -> Response:
        """Cloud Controller's 503 CF-ServiceUnavailable (documented for jobs), saying which limit."""
        code, title, _ = ERRORS[503]
        return self.error(request, 503, f"the mock cannot take this job: {error}", code=code, title=title)

    def uaa_error(self, status: int, error: str, description: str) -> Response:
        return self.json({"error": error, "error_description": description}, status)

    def json(self, body: Any, status: int = 200, content_type: str = "application/json", **headers: str) -> Response:
        return super().json(body, status, content_type, **self.request_id(), **headers)

    @staticmethod
    def request_id() -> dict[str, str]:
        """Cloud Controller tags every response with X-VCAP-Request-ID (clients log it)."""
        return {"X-VCAP-Request-ID": str(uuid.uuid4())}

    def renewed(self) -> dict[str, str]:
        return self.request_id()
