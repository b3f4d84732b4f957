"""The HTTP control API of the Import/Export mock, under `/__jobcontract` like the other three mocks'
(`mocks/app.py`: the same verbs, bodies, answers and errors), over the Python control of moto's default
account (`mocks.importexport.backend()`):

| verb | request | answer |
| --- | --- | --- |
| describe | `GET /__jobcontract` | API, states, default script, named scripts, clock |
| list jobs | `GET /__jobcontract/jobs` | `{"jobs": [...]}` |
| create a job | `POST /__jobcontract/jobs` `{"script", "id", "faults", "type", "manifest", "error_count"}` | 201 |
| show a job | `GET /__jobcontract/jobs/{id}` | state, history, polls |
| inject a fault | `POST /__jobcontract/jobs/{id}/faults` `{"fault": {"delay": 2}, "poll": 3}` | 201 `{"poll"}` |
| clock | `GET`, or `POST /__jobcontract/clock` `{"advance": 3600}` | `{"now", "seconds"}` |
| reset | `POST /__jobcontract/reset` | 204: every account's jobs, clock and journal |
| journal | `GET /__jobcontract/journal` | `{"requests": [...]}` |

Creating a job answers `{"id", "url"}`, the url a GetStatus GET of it. A job is created as a scenario
file's Import/Export job is (`script` a name in SCRIPTS or steps `<LocationCode>/<ProgressCode>`, faults a
delay, drop or dribble by GetStatus poll); `type`, `manifest` and `error_count` may also come in
`attributes`, as the common control client sends a job's attributes. A malformed request answers 400
`{"error": "..."}` saying what is wrong, an unknown job 404.

moto routes these requests here (urls.py), on its server and in-process (`mock_aws`) alike.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.wrappers import Request

from ..app import CONTROL_INDEX, control_verbs, observation_json
from ..engine import ScriptError, UnknownJob, parse_fault
from ..workbench import DEFAULT_MANIFESTS
from .exceptions import ImportExportError
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
ROUTES = Map(control_verbs(), strict_slashes=False)

Answer = tuple[int, dict[str, str], str]


def answer(request: Request, full_url: str, headers: Any) -> Answer:
    """moto's entry point for every request under the control prefix (urls.py)."""
    from . import backend

    try:
        endpoint, params = ROUTES.bind("mock", path_info=request.path).match(method=request.method)
        body = _body(request)
        verb = VERBS[endpoint]
        return verb(backend(), request, body, **params)
    except ScriptError as error:
        return _json({"error": str(error)}, 400)
    except UnknownJob as error:
        return _json({"error": f"no job {error.args[0]!r}"}, 404)
    except HTTPException as error:  # an unknown control path (404) or a method it does not take (405)
        answered = _json({"error": error.description or error.name}, error.code or 400)
        allowed = getattr(error, "valid_methods", None)
        if allowed:
            answered[1]["Allow"] = ", ".join(sorted(allowed))
        return answered


def _json(body: Any, status: int = 200) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(body)


def _body(request: Request) -> dict[str, Any]:
    if request.method != "POST" or not request.get_data():
        return {}
    try:
        body = json.loads(request.get_data())
    except ValueError as error:
        raise ScriptError(f"the control API takes a JSON object: {error}") from None
    if not isinstance(body, dict):
        raise ScriptError("the control API takes a JSON object")
    return body


def status_url(request: Request, job_id: str) -> str:
    """Where a client polls the job: GetStatus as a query-protocol GET on the endpoint the request reached."""
    return f"{request.host_url}?Action=GetStatus&Version={API_VERSION}&JobId={quote(job_id, safe='')}"


# -- the verbs -----------------------------------------------------------------------------------------
def describe(backend: ImportExportBackend, request: Request, body: dict[str, Any]) -> Answer:
    return _json(
        {
            "api": API,
            "states": list(STATES),
            "default_script": [vars(step) for step in DEFAULT_SCRIPT],
            "scripts": {name: [vars(step) for step in steps] for name, steps in SCRIPTS.items()},
            "clock": backend.now().isoformat(),
            "control": CONTROL_INDEX,
        }
    )


def list_jobs(backend: ImportExportBackend, request: Request, body: dict[str, Any]) -> Answer:
    return _json({"jobs": list(backend.jobs)})


def create_job(backend: ImportExportBackend, request: Request, body: dict[str, Any]) -> Answer:
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
        job = backend.create_job(
            job_type, manifest, script=script, job_id=job_id, error_count=error_count, faults=faults
        )
    except ImportExportError as error:  # the manifest breaks the service's rules
        raise ScriptError(f"manifest: {error.message}") from None
    return _json({"id": job.job_id, "url": status_url(request, job.job_id)}, 201)


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


def show_job(backend: ImportExportBackend, request: Request, body: dict[str, Any], job_id: str) -> Answer:
    observation = backend.engine.peek(job_id) if job_id in backend.jobs else None
    if observation is None:
        raise UnknownJob(job_id)
    return _json(observation_json(observation))


def inject_fault(backend: ImportExportBackend, request: Request, body: dict[str, Any], job_id: str) -> Answer:
    fault = parse_fault(body.get("fault", {}))
    return _json({"poll": backend.inject_fault(job_id, fault, body.get("poll"))}, 201)


def clock(backend: ImportExportBackend, request: Request, body: dict[str, Any]) -> Answer:
    if request.method == "POST":
        if set(body) != {"advance"}:
            raise ScriptError('advance the clock with {"advance": seconds}')
        backend.advance(body["advance"])
    return _json({"now": backend.now().isoformat(), "seconds": backend.engine.clock.seconds()})


def reset(backend: ImportExportBackend, request: Request, body: dict[str, Any]) -> Answer:
    """Forget every account's jobs, labels and journal; clocks start again (moto's way: in place)."""
    for account in list(importexport_backends.values()):
        account.reset()
    return 204, {}, ""


def journal(backend: ImportExportBackend, request: Request, body: dict[str, Any]) -> Answer:
    return _json({"requests": backend.engine.journal()})


VERBS = {
    "describe": describe,
    "list_jobs": list_jobs,
    "create_job": create_job,
    "show_job": show_job,
    "inject_fault": inject_fault,
    "clock": clock,
    "reset": reset,
    "journal": journal,
}
