"""The Cloud Foundry v3 jobs suite's target, credentials, jobs, and the checks every job body gets."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests

import contracts
from conftest import option_value
from mocks import MockApp
from mocks.cf import VALID_TOKEN
from suites.common import Target, check_response, target, violation

DOC = contracts.load("cf").document_name
JOB_OBJECT = f"{DOC} The job object (#the-job-object)"
ASYNC = f"{DOC} Upgrade guide: asynchronous operations (a FAILED job's errors hold its errors)"
TIMESTAMPS = f"{DOC} Timestamps (#timestamps)"
LINKS = f"{DOC} Links (#links)"
GET_JOB = contracts.load("cf").response("getJob", 200).requirement
TERMINAL = frozenset({"COMPLETE", "FAILED"})
# A job in each state on the mock, with what a real Cloud Controller job carries in that state.
STATE_SCRIPTS: dict[str, dict[str, Any]] = {
    "PROCESSING": {"script": ["PROCESSING"], "attributes": {"operation": "app.delete"}},
    "POLLING": {
        "script": ["POLLING"],
        "attributes": {"operation": "service_instance.create", "warnings": ["the broker is slow"]},
    },
    "COMPLETE": {"script": ["COMPLETE"], "attributes": {"operation": "space.apply_manifest"}},
    "FAILED": {"script": ["FAILED"], "attributes": {"operation": "app.delete", "warnings": ["warning! warning!"]}},
}


@pytest.fixture(scope="session")
def cf(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> Iterator[Target]:
    yield from target(pytestconfig, "cf", "cf_mock_server", request)


@pytest.fixture(autouse=True)
def _fresh_mock(cf: Target) -> Iterator[None]:
    """Every test starts with an empty mock (no jobs, no faults); a real server is left alone."""
    yield
    if cf.server is not None:
        cf.server.app.reset()


@pytest.fixture
def control(cf: Target) -> MockApp:
    """The mock's control API; the test skips against a real server (Target.control). Ask for it
    before `auth`, so that such a test skips for this reason."""
    return cf.control


@pytest.fixture(scope="session")
def cf_token(cf: Target, pytestconfig: pytest.Config) -> str | None:
    """The bearer token: --cf-token for a real server, the mock's own valid token otherwise."""
    if cf.embedded:
        return VALID_TOKEN
    given = option_value(pytestconfig, "cf_token")
    return str(given) if given else None


@pytest.fixture
def auth(cf_token: str | None) -> dict[str, str]:
    if cf_token is None:
        pytest.skip("needs a bearer token for the real server: give --cf-token (or JOBCONTRACT_CF_TOKEN)")
    return {"Authorization": f"Bearer {cf_token}"}


@pytest.fixture
def named_jobs(pytestconfig: pytest.Config) -> list[str]:
    jobs = option_value(pytestconfig, "cf_job")
    assert isinstance(jobs, list)
    return jobs


@pytest.fixture
def live_jobs(cf: Target, named_jobs: list[str]) -> list[str]:
    """The jobs to check: one in each state on the mock, the --cf-job guids on a real server."""
    if cf.server is not None:
        return [create(cf, state) for state in STATE_SCRIPTS]
    if not named_jobs:
        pytest.skip("no --cf-job given: name jobs of the real server to check them (a suite never creates any)")
    return named_jobs


@pytest.fixture
def any_job(cf: Target, named_jobs: list[str]) -> str:
    """A job that exists if the suite can name one (a fresh guid otherwise)."""
    if cf.server is not None:
        return create(cf, "PROCESSING")
    return named_jobs[0] if named_jobs else str(uuid.uuid4())


def create(cf: Target, state: str) -> str:
    """A job in `state` on the mock (through the control API)."""
    scripted = STATE_SCRIPTS[state]
    return cf.control.create_job(scripted["script"], **scripted["attributes"])


def get_job(cf: Target, guid: str, headers: dict[str, str] | None = None) -> requests.Response:
    return cf.request("GET", f"/v3/jobs/{guid}", headers=headers or {})


def poll(cf: Target, guid: str, auth: dict[str, str]) -> dict[str, Any]:
    """One poll of a live job: a documented 200 whose body keeps every rule of check_job."""
    response = get_job(cf, guid, auth)
    body = check_response("cf", "getJob", response)
    if response.status_code != 200:
        raise violation(GET_JOB, f"GET /v3/jobs/{guid} of a live job answered {response.status_code}: {body}")
    check_job(body, guid)
    return body  # type: ignore[no-any-return]


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def check_job(body: dict[str, Any], guid: str | None = None) -> None:
    """What one schema-valid job body must also show: the rules JSON Schema cannot say."""
    state, errors = body["state"], body["errors"]
    if guid is not None and body["guid"] != guid:
        raise violation(GET_JOB, f"GET /v3/jobs/{guid} shows the job {body['guid']!r}")
    if state == "COMPLETE" and errors:
        raise violation(JOB_OBJECT, f"a COMPLETE job has errors {errors} (Cloud Controller empties them)")
    if state == "FAILED" and not errors:
        raise violation(ASYNC, "a FAILED job has no errors (cloud_controller_ng#1959; clients panic on it, cli#2088)")
    if moment(body["created_at"]) > moment(body["updated_at"]):
        raise violation(TIMESTAMPS, f"created_at {body['created_at']} is after updated_at {body['updated_at']}")
    self_path = unquote(urlsplit(body["links"]["self"]["href"]).path)
    if not self_path.endswith(f"/v3/jobs/{body['guid']}"):
        raise violation(LINKS, f"links.self {body['links']['self']['href']!r} is not job {body['guid']!r}")
