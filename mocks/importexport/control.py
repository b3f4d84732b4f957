"""The HTTP control API of the Import/Export mock, under `/__jobcontract` like the other three mocks': the
same `ControlApi` (mocks/control.py: verbs, bodies, answers, errors), driving moto's default account
(`mocks.importexport.backend()`) through `ImportExportControl`.

What differs is the job: it is created as a scenario file's Import/Export job is (`script` a name in SCRIPTS
or steps `<LocationCode>/<ProgressCode>`, faults a delay, drop or dribble by GetStatus poll, `type`,
`manifest`, `error_count`, also accepted in `attributes`, where the common control client sends a job's
attributes); `describe` lists the named scripts too; `reset` forgets every account's jobs, labels and
journal, and clocks start again. Creating a job answers `{"id", "url"}`, the url a GetStatus GET of it.

moto routes these requests here (urls.py), on its server and in-process (`mock_aws`) alike. The guards are
the other mocks' (`ControlPolicy`: JSON only, no cross-site request, the token or the Host), one policy for the
process as moto's backends are: `set_policy` sets it (`jobcontract serve` does, from its flags). A job
over the mock's limits is refused as on the other mocks (409 too many jobs, 400 a manifest too big); through
CreateJob it is AWS's 503 `ServiceUnavailable` (models.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..control import ControlApi, ControlPolicy
from ..engine import Fault, Observation, ScriptError
from ..workbench import DEFAULT_MANIFESTS
from .exceptions import ImportExportError, ServiceUnavailableException
from .models import (
    DEFAULT_ERROR_COUNT,
    DEFAULT_SCRIPT,
    JOB_TYPES,
    SCRIPTS,
    STATES,
    ImportExportBackend,
    importexport_backends,
)

API = "importexport"
API_VERSION = "2010-06-01"
JOB_FIELDS = ("script", "id", "faults", "type", "manifest", "error_count")
ATTRIBUTES = ("type", "manifest", "error_count")

#: who may drive the mock (mocks/control.py): one policy for the process, as moto's backends are
_policy = ControlPolicy()


def set_policy(policy: ControlPolicy) -> None:
    """Guard the control API with `policy` from now on (`jobcontract serve` sets its flags' policy)."""
    global _policy
    _policy = policy


def answer(request: Request, full_url: str, headers: Any) -> tuple[int, dict[str, str], bytes]:
    """moto's entry point for every request under the control prefix (urls.py)."""
    from . import backend

    answered = ControlApi(ImportExportControl(backend(), request), _policy).answer(request)
    return answered.status_code, dict(answered.headers), answered.get_data()


def status_url(request: Request, job_id: str) -> str:
    """Where a client polls the job: GetStatus as a query-protocol GET on the endpoint the request reached."""
    return f"{request.host_url}?Action=GetStatus&Version={API_VERSION}&JobId={quote(job_id, safe='')}"


class ImportExportControl:
    """The control API's target (mocks.control.Controlled) for one request: the default account's backend."""

    control_rules: tuple[Rule, ...] = ()
    public_url = ""  # links follow each request's Host: the control API allows the mock's own addresses

    def __init__(self, backend: ImportExportBackend, request: Request) -> None:
        self.backend = backend
        self.request = request

    def describe(self) -> dict[str, Any]:
        return {
            "api": API,
            "states": list(STATES),
            "default_script": [vars(step) for step in DEFAULT_SCRIPT],
            "scripts": {name: [vars(step) for step in steps] for name, steps in SCRIPTS.items()},
        }

    def create_job_from(self, body: dict[str, Any]) -> tuple[str, str]:
        fields = _job_fields(body)
        script = fields.get("script")
        if script is not None and not isinstance(script, str | list):
            raise ScriptError("script must be the name of a script or a list of steps")
        job_id = fields.get("id")
        if job_id is not None and (not isinstance(job_id, str) or not job_id):
            raise ScriptError(f"id must be a non-empty string, not {job_id!r}")
        faults = fields.get("faults") or {}
        if not isinstance(faults, dict):
            raise ScriptError("faults must be an object keyed by poll number")
        job_type = fields.get("type", "Import")
        if job_type not in JOB_TYPES:
            raise ScriptError(f"type must be one of {', '.join(JOB_TYPES)}, not {job_type!r}")
        manifest = fields.get("manifest", DEFAULT_MANIFESTS[job_type])
        if not isinstance(manifest, str):
            raise ScriptError("manifest must be a string (the job's manifest)")
        error_count = fields.get("error_count", DEFAULT_ERROR_COUNT)
        if not isinstance(error_count, int) or isinstance(error_count, bool) or error_count < 0:
            raise ScriptError(f"error_count must be an integer >= 0, not {error_count!r}")
        try:
            job = self.backend.create_job(
                job_type, manifest, script=script, job_id=job_id, error_count=error_count, faults=faults
            )
        except ServiceUnavailableException as error:  # over a limit: the control API answers the engine's error
            raise error.limit from None
        except ImportExportError as error:  # the manifest breaks the service's rules
            raise ScriptError(f"manifest: {error.message}") from None
        return job.job_id, status_url(self.request, job.job_id)

    def job(self, job_id: str) -> Observation | None:
        return self.backend.engine.peek(job_id) if job_id in self.backend.jobs else None

    def job_ids(self) -> list[str]:
        return list(self.backend.jobs)

    def inject_fault(self, job_id: str, fault: Fault | Mapping[str, Any], poll: int | None = None) -> int:
        return self.backend.inject_fault(job_id, fault, poll)

    def advance(self, seconds: float) -> float:
        return self.backend.advance(seconds)

    def now(self) -> tuple[datetime, float]:
        seconds = self.backend.engine.clock.seconds()
        return self.backend.engine.clock.at(seconds), seconds

    def reset(self) -> None:
        """Every account's jobs, labels and journal (moto's way: in place)."""
        for account in list(importexport_backends.values()):
            account.reset()

    def journal(self) -> list[dict[str, Any]]:
        return self.backend.engine.journal()

    def control_verb(self, name: str) -> Callable[..., Response]:
        raise KeyError(name)  # no verbs of its own


def _job_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The job's fields, those of the scenario format at the top level or `type`, `manifest`, `error_count`
    in `attributes` (where the common control client puts a job's attributes)."""
    unknown = set(body) - {*JOB_FIELDS, "attributes"}
    if unknown:
        raise ScriptError(f"unknown field(s) {sorted(unknown)}; a job has {', '.join(JOB_FIELDS)}")
    attributes = body.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise ScriptError("attributes must be an object")
    unknown = set(attributes) - set(ATTRIBUTES)
    if unknown:
        raise ScriptError(f"unknown attribute(s) {sorted(unknown)}; an Import/Export job has {', '.join(ATTRIBUTES)}")
    twice = sorted(set(attributes) & set(body))
    if twice:
        raise ScriptError(f"{', '.join(twice)} given both in attributes and on its own: give it once")
    return {**{k: v for k, v in body.items() if k != "attributes"}, **attributes}
