"""Scenario files: jobs with scripted lives and faults, seeded into the mocks before they serve.

    jobcontract serve --api all --scenario fixtures/scenarios/ogc.yaml

A scenario (YAML or JSON, described by `contracts/scenario.schema.json`) maps an API to its jobs:

    ogc:
      jobs:
        - id: fails-after-two-polls
          script: [{state: accepted, polls: 1}, {state: running, polls: 1}, failed]
          faults: {2: {status: 500}}       # by poll number: status, delay (seconds) or drop
          attributes: {message: ...}       # the API's job attributes (see its mock's docstring)
    importexport:
      jobs:
        - {id: DEVER, type: Import, script: device-error, error_count: 0}

The HTTP mocks' jobs are made with `MockApp.create_job`; Import/Export's with its moto backend's
`create_job(script=..., faults=...)`, whose faults are delays, drops and dribbles only (the service's
errors come from their own conditions, so a fault with a status is refused). Every
problem is a `ScenarioError` naming the file, the API, the job and the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from jobcontract import contracts

from .app import MockApp
from .engine import ScriptError, parse_step, poll_number

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

SCHEMA_PATH = contracts.CONTRACTS_DIR / "scenario.schema.json"
# The manifests a scenario's Import/Export job gets unless it gives its own (the Developer Guide's minimal fields).
DEFAULT_MANIFESTS = {
    "Import": "manifestVersion:2.0\ngenerator:jobcontract\nbucket:jobcontract-import\ndeviceId:49382\n",
    "Export": "manifestVersion:2.0\ngenerator:jobcontract\nfileExport:\n  - prefix: exports/\ndeviceId:49382\n",
}


class ScenarioError(ValueError):
    """A scenario file that cannot be loaded or seeded; the message names the file, API, job and field."""


@cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator  # only when a scenario is read: `serve` starts without it

    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def _job_label(jobs: Any, index: int) -> str:
    job = jobs[index] if isinstance(jobs, list) and index < len(jobs) else None
    if isinstance(job, Mapping) and isinstance(job.get("id"), str):
        return f"job {job['id']!r} (jobs[{index}])"
    return f"job jobs[{index}]"


def _where(source: str, api: str, job: str | None = None, field: str | None = None) -> str:
    return ": ".join(part for part in (source, api, job, f"field {field}" if field else None) if part)


def _normalized(data: Any) -> Any:
    """Fault keys as strings: YAML reads `2:` as an int, JSON always has strings; the schema checks strings."""
    if not isinstance(data, Mapping):
        return data
    for section in data.values():
        for job in section.get("jobs", []) if isinstance(section, Mapping) else []:
            if isinstance(job, dict) and isinstance(job.get("faults"), Mapping):
                job["faults"] = {str(poll): fault for poll, fault in job["faults"].items()}
    return data


def parse_scenario(data: Any, source: str = "scenario") -> dict[str, list[dict[str, Any]]]:
    """The jobs by API of a decoded scenario, checked against the schema (states are checked when seeding)."""
    if not isinstance(data, Mapping) or not data:
        raise ScenarioError(f"{source}: a scenario is an object of APIs ({', '.join(contracts.APIS)}) with their jobs")
    unknown = sorted(str(api) for api in data if api not in contracts.APIS)
    if unknown:
        raise ScenarioError(f"{source}: {', '.join(unknown)} is not an API; the APIs are {', '.join(contracts.APIS)}")
    section = data.get("importexport")
    if isinstance(section, Mapping) and isinstance(section.get("jobs"), list):
        for index, job in enumerate(section["jobs"]):
            faults = job.get("faults") if isinstance(job, Mapping) else None
            if isinstance(faults, Mapping) and any(isinstance(f, Mapping) and "status" in f for f in faults.values()):
                raise ScenarioError(
                    _where(source, "importexport", _job_label(section["jobs"], index), "faults")
                    + ": an Import/Export fault has a delay, a drop or a dribble, not a status; the service's"
                    " errors come from their own conditions (script the job's states instead)"
                )
    data = _normalized(data)
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(data))
    if error is not None:
        path = list(error.absolute_path)
        api = str(path[0]) if path else None
        job = None
        rest = path[1:]
        if len(path) >= 3 and path[1] == "jobs" and isinstance(path[2], int):
            job, rest = _job_label(data[api]["jobs"], path[2]), path[3:]
        field = ".".join(str(part) for part in rest) or None
        raise ScenarioError(f"{_where(source, api or '', job, field)}: {error.message}")
    return {api: list(section["jobs"]) for api, section in data.items()}


def load_scenario(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Read and check a scenario file (`.json` is JSON, anything else YAML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read the scenario: {error.strerror}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        kind = "JSON" if path.suffix == ".json" else "YAML"
        raise ScenarioError(f"{path}: not valid {kind}: {error}") from None
    return parse_scenario(data, str(path))


def seed_app(app: MockApp, jobs: Sequence[Mapping[str, Any]], source: str = "scenario") -> list[str]:
    """Create `jobs` in an HTTP mock; returns their ids. Checks each field before creating anything."""
    api = app.dialect.api
    planned = []
    for index, job in enumerate(jobs):
        label = _job_label(list(jobs), index)
        field = "script"
        try:
            script = None
            if "script" in job:
                script = [parse_step(raw) for raw in job["script"]]
                app.dialect.check_script(script)
            field = "faults"
            # each fault's status must be one the API documents for a poll, as the control API checks
            faults = {
                poll_number(poll): app.dialect.check_fault(fault) for poll, fault in job.get("faults", {}).items()
            }
            field = "attributes"
            attributes = dict(job.get("attributes", {}))
            app.dialect.check_attributes(attributes)
            app.engine.limits.check_attributes(attributes)
        except ScriptError as error:
            raise ScenarioError(f"{_where(source, api, label, field)}: {error}") from None
        job_id = job.get("id")
        if job_id is not None and (
            app.engine.exists(job_id) or job_id in [planned_id for _, planned_id, *_ in planned]
        ):
            raise ScenarioError(f"{_where(source, api, label, 'id')}: job {job_id!r} already exists")
        planned.append((label, job_id, script, faults, attributes))
    created = []
    for label, job_id, script, faults, attributes in planned:
        try:
            created.append(app.create_job(script, job_id, faults=faults, **attributes))
        except ScriptError as error:  # what only making the job finds: the mock holds as many jobs as it may
            raise ScenarioError(f"{_where(source, api, label)}: {error}") from None
    return created


def seed_importexport(jobs: Sequence[Mapping[str, Any]], source: str = "scenario") -> list[str]:
    """Create `jobs` through the Import/Export backend of moto's default account; returns their ids."""
    from . import importexport
    from .importexport.exceptions import ImportExportError
    from .importexport.models import DEFAULT_ERROR_COUNT, ServiceUnavailableException

    backend = importexport.backend()
    created = []
    for index, job in enumerate(jobs):
        label = _job_label(list(jobs), index)
        job_type = job.get("type", "Import")
        try:
            backend._script(job.get("script"))  # the states, checked apart from the rest to name the field
        except ScriptError as error:
            raise ScenarioError(f"{_where(source, 'importexport', label, 'script')}: {error}") from None
        try:
            for poll, fault in (job.get("faults") or {}).items():
                poll_number(poll)
                backend._check_fault(fault)
        except ScriptError as error:
            raise ScenarioError(f"{_where(source, 'importexport', label, 'faults')}: {error}") from None
        try:
            made = backend.create_job(
                job_type,
                job.get("manifest", DEFAULT_MANIFESTS[job_type]),
                script=job.get("script"),
                job_id=job.get("id"),
                error_count=job.get("error_count", DEFAULT_ERROR_COUNT),
                faults=job.get("faults"),
            )
        except ScriptError as error:  # the id is taken
            raise ScenarioError(f"{_where(source, 'importexport', label, 'id')}: {error}") from None
        except ServiceUnavailableException as error:  # over the mock's limits: too many jobs, a manifest too big
            raise ScenarioError(f"{_where(source, 'importexport', label)}: {error.limit}") from None
        except ImportExportError as error:
            raise ScenarioError(f"{_where(source, 'importexport', label, 'manifest')}: {error.message}") from None
        created.append(made.job_id)
    return created
