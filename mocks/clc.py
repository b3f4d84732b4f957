"""CenturyLink Cloud API v2: login, operation status ("Get Status"), and the server power operations
that queue work and hand out status links.

Accounts: the mock knows two users (`USERS`): `user@company.com` / `mypassword` (the login document's
example user) in account `ALIAS` at `WA1`, and `other@company.com` / `otherpassword` in account
`OTHR` at `UC1`. Login accepts JSON and form bodies and answers a signed bearer token that lasts
two weeks on the mock's clock; wrong credentials answer login's documented 400.

Status: `GET /v2/operations/{accountAlias}/status/{statusId}` answers 401 without a valid token, 403
for an alias that is not the caller's account, 404 for a status id the caller's account does not own,
and otherwise `{"status": ...}` from the shared engine (a scripted fault status instead, if any).

States: notStarted, executing, succeeded, failed, resumed, unknown, plus the script-only state
`paused`, which the wire shows as `executing` (the documents name no paused value, and a paused job
has started, so showing `notStarted` would send the job backwards). Scripts keep the order a client
can rely on: `notStarted` only before the job starts, `paused` only after `executing` or `resumed`,
`resumed` only right after `paused`, `succeeded` and `failed` only last; `unknown` may appear
anywhere. The default script is notStarted (1 s) -> executing (5 s) -> succeeded.

Queueing: `POST /v2/operations/{accountAlias}/servers/{operation}` (powerOn, powerOff, pause, ...)
takes a JSON list of server names and answers 202 (api-v20-overview.md: "Sent when requests result
in a scheduled activity") with one entity per server in the shape of APIDocs
`Power Operations/power-on-server.md`: `{"server", "isQueued": true, "links": [{"rel": "status",
"href": "/v2/operations/ALIAS/status/wa1-12345", "id": "wa1-12345"}]}`. Each server gets a job that
follows `queue_script` (default: the default script); set `app.dialect.queue_script` to script them,
or over HTTP (any language):

    PUT /__jobcontract/queue {"script": [{"state": "executing", "polls": 2}, "failed"]}   -> 200 {"script": [...]}
    GET /__jobcontract/queue                                                          -> 200 {"script": [...] | null}
    PUT /__jobcontract/queue {"script": null}                                         -> back to the default script

A bad script answers 400 `{"error": ...}` and leaves the queue script as it was; a reset forgets it.
This route is not in the contract (a mock convenience to drive a whole flow).

Servers: `GET /v2/servers/{accountAlias}/{serverId}` answers the server in the shape of APIDocs
`Servers/get-server.md`, as clc-sdk's `clc.v2.Server("WA1ALIASWB01")` reads it (`name`, `groupId`,
`status`, `details` with `powerState`, `memoryMB`, `cpu`, `ipAddresses`, `disks`..., `changeInfo` dates,
and a `self` link). The servers of an account are `SERVERS` (`WA1ALIASWB01` and `WA1ALIASWB02` in
`ALIAS`, `UC1OTHRWB01` in `OTHR`) and every server a power operation of the account has named. Its
`powerState` follows the last of its power operations that succeeded (powerOn, reboot, reset: started;
powerOff, shutDown: stopped; pause: paused), and `inMaintenanceMode` its maintenance operations. 401, 403
and 404 (an unknown server: `{"message": ...}`) as for Get Status.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import itertools
import json
import math
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from jobcontract.contracts import loads_json

from .answer import Answer
from .dialect import Dialect
from .engine import Engine, Observation, ScriptError, Step, parse_step
from .links import Links

JSON_UTF8 = "application/json; charset=utf-8"  # what the login document shows for its answers
TOKEN_LIFETIME = 14 * 24 * 3600  # "reusable for up to 2 weeks" (api-v20-authentication-overview.md)
BAD_CREDENTIALS = "We didn't recognize the username or password you entered. Please try again."
UNAUTHORIZED = "Authorization has been denied for this request."
NOT_SERVER_NAMES = 'The request body must be a JSON list of server names, e.g. ["WA1ALIASWB01"].'
SERVER_OPERATIONS = (
    "powerOn",
    "powerOff",
    "pause",
    "shutDown",
    "reboot",
    "reset",
    "archive",
    "startMaintenance",
    "stopMaintenance",
)


@dataclass(frozen=True)
class Account:
    """A Control Portal user and the account it belongs to."""

    username: str
    password: str
    alias: str
    location: str
    roles: tuple[str, ...] = ("ServerAdmin", "AccountAdmin")


DEFAULT_USER = Account("user@company.com", "mypassword", "ALIAS", "WA1")
OTHER_USER = Account("other@company.com", "otherpassword", "OTHR", "UC1", ("ServerAdmin",))


# the servers each account starts with (server names are upper case; URLs show either case)
SERVERS: Mapping[str, tuple[str, ...]] = {"ALIAS": ("WA1ALIASWB01", "WA1ALIASWB02"), "OTHR": ("UC1OTHRWB01",)}
# a power operation that succeeded -> the server's powerState after it
POWER_STATES = {
    "powerOn": "started",
    "reboot": "started",
    "reset": "started",
    "powerOff": "stopped",
    "shutDown": "stopped",
    "pause": "paused",
}
SERVER_CREATED = "2026-01-05T09:00:00Z"  # every server's changeInfo dates: the mock has no server history


def same_alias(first: str, second: str) -> bool:
    return first.upper() == second.upper()  # aliases are short upper-case codes; URLs show either case


class ClcDialect(Dialect):
    api = "clc"
    poll_operation = "getStatus"
    states = ("notStarted", "executing", "paused", "resumed", "succeeded", "failed", "unknown")
    terminal_states = frozenset({"succeeded", "failed"})
    default_script = (Step("notStarted", seconds=1), Step("executing", seconds=5), Step("succeeded"))
    #: how a script-only state shows on the wire
    wire_states: ClassVar[Mapping[str, str]] = {"paused": "executing"}
    users: ClassVar[tuple[Account, ...]] = (DEFAULT_USER, OTHER_USER)
    token_lifetime: ClassVar[float] = TOKEN_LIFETIME
    rules = (
        Rule("/v2/authentication/login", endpoint="login", methods=["POST"]),
        Rule("/v2/operations/<accountAlias>/status/<path:statusId>", endpoint="getStatus", methods=["GET"]),
        Rule("/v2/operations/<accountAlias>/servers/<operation>", endpoint="serverOperation", methods=["POST"]),
        Rule("/v2/servers/<accountAlias>/<serverId>", endpoint="getServer", methods=["GET"]),
    )
    control_rules = (Rule("/queue", endpoint="queue", methods=["GET", "PUT"]),)

    def __init__(self, engine: Engine, links: Links) -> None:
        super().__init__(engine, links)
        self._secret = secrets.token_bytes(32)  # tokens are valid for this app only, and survive reset()
        # a token's signature is checked once, not on every poll; its expiry is checked every time
        self._claims = functools.lru_cache(maxsize=4096)(self._verified_claims)
        self._status_numbers = itertools.count(12345)
        self._queue_script: tuple[Step, ...] | None = None
        # (alias, server) -> the status ids of the operations queued for it, oldest first
        self._server_jobs: dict[tuple[str, str], list[str]] = {}
        self._servers_lock = threading.Lock()

    @property
    def queue_script(self) -> tuple[Step, ...] | None:
        """The script of every job a server operation queues (None: the default script)."""
        return self._queue_script

    @queue_script.setter
    def queue_script(self, script: Iterable[Any] | None) -> None:
        steps = None if script is None else tuple(parse_step(raw) for raw in script)
        if steps is not None:
            self.check_script(steps)  # a bad script fails here, not in a client's request
        self._queue_script = steps

    # -- operations ----------------------------------------------------------------------------------
    def login(self, request: Request) -> Response:
        # MockApp has already checked the body against LoginRequest.json (JSON or form)
        fields = self.login_fields(request)
        account = next((user for user in self.users if user.username == fields.get("username")), None)
        if account is None or not hmac.compare_digest(account.password.encode(), fields["password"].encode()):
            return self.error(request, 400, BAD_CREDENTIALS)
        return self.json(self.login_body(account), content_type=JSON_UTF8)

    def getStatus(self, request: Request, accountAlias: str, statusId: str) -> Response | Answer:
        account = self.authenticated(request)
        if account is None:
            return self.error(request, 401, UNAUTHORIZED)
        if not same_alias(accountAlias, account.alias):
            return self.error(request, 403, f"You do not have access to account alias {accountAlias}.")
        observation = self.poll(statusId) if self.owns(account, statusId) else None
        if observation is None:
            return self.error(request, 404, f"Status {statusId} was not found for account {account.alias}.")
        return self.polled(
            observation, self.json(self.status_body(observation), 200, JSON_UTF8), self.token_expiry(request)
        )

    def serverOperation(self, request: Request, accountAlias: str, operation: str) -> Response:
        account = self.authenticated(request)
        if account is None:
            return self.error(request, 401, UNAUTHORIZED)
        if not same_alias(accountAlias, account.alias):
            return self.error(request, 403, f"You do not have access to account alias {accountAlias}.")
        if operation not in SERVER_OPERATIONS:
            known = ", ".join(SERVER_OPERATIONS)
            return self.error(request, 404, f"There is no server operation {operation!r} (operations: {known}).")
        try:
            servers = loads_json(request.get_data() or b"null")
        except ValueError:
            servers = None
        if not isinstance(servers, list) or not servers or not all(isinstance(s, str) and s.strip() for s in servers):
            return self.error(request, 400, NOT_SERVER_NAMES)
        queued = []
        for server in servers:
            status_id = self.create_job(
                self.queue_script,
                self.next_status_id(account),
                accountAlias=account.alias,
                server=server,
                operation=operation,
            )
            with self._servers_lock:
                self._server_jobs.setdefault((account.alias, server.upper()), []).append(status_id)
            href = self.path(f"/v2/operations/{account.alias}/status/{status_id}")
            link = {"rel": "status", "href": href, "id": status_id}
            queued.append({"server": server, "isQueued": True, "links": [link]})
        return self.json(queued, 202, JSON_UTF8)

    def getServer(self, request: Request, accountAlias: str, serverId: str) -> Response:
        account = self.authenticated(request)
        if account is None:
            return self.error(request, 401, UNAUTHORIZED)
        if not same_alias(accountAlias, account.alias):
            return self.error(request, 403, f"You do not have access to account alias {accountAlias}.")
        server = serverId.upper()
        with self._servers_lock:
            status_ids = list(self._server_jobs.get((account.alias, server), ()))
        if not status_ids and server not in SERVERS.get(account.alias, ()):
            return self.error(request, 404, f"Server {serverId} was not found for account {account.alias}.")
        return self.json(self.server_body(account, server, status_ids), 200, JSON_UTF8)

    def control_queue(self, request: Request, body: dict[str, Any]) -> Response:
        """`GET` or `PUT /__jobcontract/queue {"script": [...] | null}`: the script of queued operations."""
        if request.method == "PUT":
            if set(body) != {"script"} or not isinstance(body["script"], list | None):
                raise ScriptError('set the queue script with {"script": [steps]}, or {"script": null} for the default')
            self.queue_script = body["script"]
        script = None if self.queue_script is None else [vars(step) for step in self.queue_script]
        return Response(json.dumps({"script": script}), content_type="application/json")

    def reset(self) -> None:
        self.queue_script = None
        with self._servers_lock:
            self._server_jobs.clear()

    # -- accounts and tokens ---------------------------------------------------------------------------
    @staticmethod
    def login_fields(request: Request) -> dict[str, str]:
        body = request.get_data()
        if request.mimetype == "application/x-www-form-urlencoded":
            return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return {k: v for k, v in loads_json(body).items() if isinstance(v, str)}

    def login_body(self, account: Account) -> dict[str, Any]:
        return {
            "userName": account.username,
            "accountAlias": account.alias,
            "locationAlias": account.location,
            "roles": list(account.roles),
            "bearerToken": self.issue_token(account),
        }

    def issue_token(self, account: Account) -> str:
        claims = json.dumps({"sub": account.username, "iat": self.engine.clock.seconds()}).encode()
        encoded = base64.urlsafe_b64encode(claims).decode().rstrip("=")
        return f"{encoded}.{self._sign(encoded)}"

    def _sign(self, encoded: str) -> str:
        return hmac.new(self._secret, encoded.encode(), hashlib.sha256).hexdigest()

    def authenticated(self, request: Request) -> Account | None:
        """The account of a valid, unexpired `Authorization: Bearer` token, else None."""
        claims = self.claims(request)
        if claims is None:
            return None
        username, issued = claims
        if not 0 <= self.engine.clock.seconds() - issued <= self.token_lifetime:
            return None
        return next((user for user in self.users if user.username == username), None)

    def claims(self, request: Request) -> tuple[str, float] | None:
        """(user name, issued at) of the request's `Authorization: Bearer` token, if this mock signed it."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return self._claims(token.strip()) if scheme.lower() == "bearer" else None

    def token_expiry(self, request: Request) -> float:
        """When the request's token stops being valid, in seconds on the engine's clock."""
        claims = self.claims(request)
        return claims[1] + self.token_lifetime if claims is not None else -math.inf

    def _verified_claims(self, token: str) -> tuple[str, float] | None:
        """(user name, issued at) of a token this mock signed, else None (`_claims` caches it)."""
        encoded, _, signature = token.partition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(encoded).encode()):
            return None
        claims = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        return claims["sub"], claims["iat"]

    def owns(self, account: Account, status_id: str) -> bool:
        observation = self.engine.peek(status_id)
        return observation is not None and same_alias(self.account_alias(observation), account.alias)

    @staticmethod
    def account_alias(observation: Observation) -> str:
        return str(observation.attributes.get("accountAlias", DEFAULT_USER.alias))

    def next_status_id(self, account: Account) -> str:
        """Ids in the documents' form, `wa1-12345`: the location and a number."""
        while True:
            status_id = f"{account.location.lower()}-{next(self._status_numbers)}"
            if not self.engine.exists(status_id):
                return status_id

    # -- scripts -------------------------------------------------------------------------------------
    def check_script(self, script: Iterable[Step]) -> None:
        steps = list(script)
        super().check_script(steps)
        previous: str | None = None  # the last step that is not `unknown`
        started = False
        for index, step in enumerate(steps):
            state = step.state
            if state in self.terminal_states and index != len(steps) - 1:
                raise ScriptError(f"{state!r} is terminal: it can only be the last step of a script")
            if state == "resumed" and previous != "paused":
                raise ScriptError("'resumed' only follows a pause: put a 'paused' step right before it")
            if state == "paused" and previous not in ("executing", "resumed"):
                raise ScriptError("'paused' pauses a running job: put it after 'executing' or 'resumed'")
            if state == "notStarted" and started:
                raise ScriptError("'notStarted' cannot follow a step in which the job had started")
            if state != "unknown":
                previous = state
            started = started or state in ("executing", "paused", "resumed")

    def check_attributes(self, attributes: Mapping[str, Any]) -> None:
        alias = attributes.get("accountAlias", DEFAULT_USER.alias)
        if not isinstance(alias, str) or not alias or "/" in alias:
            raise ScriptError(f"accountAlias must be an account alias such as 'ALIAS', not {alias!r}")

    # -- bodies ----------------------------------------------------------------------------------------
    def wire_state(self, observation: Observation) -> str:
        return self.wire_states.get(observation.state, observation.state)

    def status_body(self, observation: Observation) -> dict[str, Any]:
        return {"status": self.wire_state(observation)}

    def path(self, path: str) -> str:
        """A root-relative href, as the API hands them out, under the path the mock is reached at (a public
        URL behind a proxy may have one: `https://example.test/clc` makes `/clc/v2/...`)."""
        return urlsplit(self.base_url).path.rstrip("/") + path

    def status_url(self, job_id: str) -> str:
        observation = self.engine.peek(job_id)
        alias = DEFAULT_USER.alias if observation is None else self.account_alias(observation)
        return f"{self.base_url}/v2/operations/{alias}/status/{job_id}"

    def server_body(self, account: Account, server: str, status_ids: list[str]) -> dict[str, Any]:
        """Get Server's body; the power state and maintenance mode follow the operations that succeeded."""
        power_state, maintenance = "started", False
        for status_id in status_ids:
            observation = self.engine.peek(status_id)
            if observation is None or observation.state != "succeeded":
                continue
            operation = str(observation.attributes.get("operation"))
            power_state = POWER_STATES.get(operation, power_state)
            maintenance = {"startMaintenance": True, "stopMaintenance": False}.get(operation, maintenance)
        group_id = f"{account.location.lower()}-837"
        return {
            "id": server,
            "name": server,
            "description": "",
            "groupId": group_id,
            "isTemplate": False,
            "locationId": account.location,
            "osType": "Ubuntu 22 64-bit",
            "os": "ubuntu22_64Bit",
            "status": "active",
            "details": {
                "ipAddresses": [{"internal": "10.82.131.44"}],
                "alertPolicies": [],
                "cpu": 2,
                "diskCount": 1,
                "hostName": server.lower(),
                "inMaintenanceMode": maintenance,
                "memoryMB": 4096,
                "powerState": power_state,
                "storageGB": 60,
                "disks": [{"id": "0:0", "sizeGB": 60, "partitionPaths": []}],
                "partitions": [],
                "snapshots": [],
                "customFields": [],
            },
            "type": "standard",
            "storageType": "standard",
            "changeInfo": {
                "createdDate": SERVER_CREATED,
                "createdBy": account.username,
                "modifiedDate": SERVER_CREATED,
                "modifiedBy": account.username,
            },
            # only the links this mock serves (the real API adds group, billing, statistics and more)
            "links": [
                {
                    "rel": "self",
                    "href": self.path(f"/v2/servers/{account.alias.lower()}/{server.lower()}"),
                    "id": server,
                    "verbs": ["GET"],
                }
            ],
        }

    def error(self, request: Request, status: int, detail: str, **extra: Any) -> Response:
        return self.json({"message": detail}, status, JSON_UTF8)
