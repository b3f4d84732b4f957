"""The OGC API - Processes suite's target, schema and jobs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from conftest import option_value
from suites.common import Target, check_response, target

DISMISS_CLASS = "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/dismiss"


@pytest.fixture(scope="session")
def ogc(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> Iterator[Target]:
    yield from target(pytestconfig, "ogc", "ogc_mock_server", request)


@pytest.fixture(autouse=True)
def _fresh_mock(ogc: Target) -> Iterator[None]:
    """Every test starts with an empty mock (no jobs, no faults); a real server is left alone."""
    yield
    if ogc.server is not None:
        ogc.server.app.reset()


def execute(ogc: Target, config: pytest.Config) -> tuple[str, str]:
    """Create a job the way any client does: execute --ogc-process asynchronously.
    Returns the job id and the Location header."""
    process = option_value(config, "ogc_process")
    inputs = json.loads(str(option_value(config, "ogc_inputs")))
    response = ogc.request(
        "POST", f"/processes/{process}/execution", json={"inputs": inputs}, headers={"Prefer": "respond-async"}
    )
    if response.status_code == 404:
        pytest.skip(f"the server has no process {process!r}: name one with --ogc-process and --ogc-inputs")
    body = check_response("ogc", "execute", response)
    assert response.status_code == 201, (
        f"OGC 18-062r2 /req/core/process-execute-success-async: Prefer: respond-async got"
        f" {response.status_code}, not 201"
    )
    return str(body["jobID"]), response.headers["Location"]


@pytest.fixture
def new_job(ogc: Target, pytestconfig: pytest.Config) -> str:
    return execute(ogc, pytestconfig)[0]


@pytest.fixture(scope="session")
def dismiss_declared(ogc: Target) -> bool:
    response = ogc.request("GET", "/conformance", headers={"Accept": "application/json"})
    body = check_response("ogc", "getConformanceClasses", response)
    return response.status_code == 200 and DISMISS_CLASS in body.get("conformsTo", [])


@pytest.fixture
def requires_dismiss(dismiss_declared: bool) -> None:
    if not dismiss_declared:
        pytest.skip(f"the server does not declare {DISMISS_CLASS} in /conformance")


@pytest.fixture
def unknown_job_id() -> str:
    return f"invalid-job-{uuid.uuid4()}"  # the form the OGC executable test suite uses
