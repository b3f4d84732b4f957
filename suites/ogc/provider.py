"""The OGC API - Processes suite's target and jobs. Every job is created through the API (execute
asynchronously, `--ogc-process` with `--ogc-inputs`; a failing one with `--ogc-failing-process` and
`--ogc-failing-inputs`), so every check runs against any server. On the embedded mock a failing job comes
from the mock's own `fail` process, and a named job (`--ogc-job`) is provisioned through `target.mock`."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
import requests

from jobcontract.suites.common import Target, not_applicable, not_verified, target
from jobcontract.suites.ogc.jobs import Execution, History, created_job, execute, job_path, json_object, watch
from jobcontract.suites.options import option_value

CONFORMANCE_CLASSES = "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf"
DISMISS_CLASS = f"{CONFORMANCE_CLASSES}/dismiss"
JSON_CLASS = f"{CONFORMANCE_CLASSES}/json"
HTML_CLASS = f"{CONFORMANCE_CLASSES}/html"
JOB_LIST_CLASS = f"{CONFORMANCE_CLASSES}/job-list"
CORE_CLASS = f"{CONFORMANCE_CLASSES}/core"
MOCK_FAILING_PROCESS = "fail"  # the embedded mock's process whose job ends in failed (mocks/ogc.py)


@pytest.fixture(scope="session")
def ogc(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> Iterator[Target]:
    yield from target(pytestconfig, "ogc", "ogc_mock_server", request)


def process_and_inputs(config: pytest.Config) -> tuple[str, dict[str, Any]]:
    return str(option_value(config, "ogc_process")), json.loads(str(option_value(config, "ogc_inputs")))


@pytest.fixture
def execution(ogc: Target, pytestconfig: pytest.Config) -> Execution:
    """A fresh asynchronous execution of --ogc-process, whatever it answered (the execute tests judge it)."""
    process, inputs = process_and_inputs(pytestconfig)
    found = execute(ogc, process, inputs)
    if found.response.status_code == 404:
        not_verified(f"the server has no process {process!r}", "ogc_process", "ogc_inputs")
    return found


@pytest.fixture
def new_job(ogc: Target, pytestconfig: pytest.Config) -> str:
    """A job just created by executing --ogc-process (its id from the Location header)."""
    job_id = created_job(ogc, *process_and_inputs(pytestconfig), "ogc_process", "ogc_inputs").job_id
    assert job_id is not None
    return job_id


def watch_executed(ogc: Target, config: pytest.Config) -> History:
    """The life of one --ogc-process job: polled to its end and REPOLLS times more, every answer kept."""
    return watch(ogc, created_job(ogc, *process_and_inputs(config), "ogc_process", "ogc_inputs"))


def watch_failing(ogc: Target, config: pytest.Config) -> History:
    """The life of one job of --ogc-failing-process (the mock's `fail` process on the embedded mock)."""
    process = option_value(config, "ogc_failing_process")
    raw_inputs = option_value(config, "ogc_failing_inputs")
    if not process:
        if ogc.mock is None:
            not_verified(
                "needs a process and inputs whose job ends in failed", "ogc_failing_process", "ogc_failing_inputs"
            )
        process = MOCK_FAILING_PROCESS
    inputs = json.loads(str(raw_inputs)) if raw_inputs else {}
    return watch(ogc, created_job(ogc, str(process), inputs, "ogc_failing_process", "ogc_failing_inputs"))


WATCHERS = {"executed": watch_executed, "failing": watch_failing}


class JobLives:
    """The watched jobs of the run, each watched once. On a real server every job is watched as soon as one
    is wanted, each in its own thread, so their real times overlap; the embedded mock's moved clock is shared,
    so there they are watched one at a time."""

    def __init__(self, ogc: Target, config: pytest.Config, pool: ThreadPoolExecutor) -> None:
        self.ogc, self.config, self.pool = ogc, config, pool
        self.futures: dict[str, Future[History]] = {}

    def get(self, name: str) -> History:
        if name not in self.futures:
            if self.ogc.mock is None:
                for each, watcher in WATCHERS.items():
                    self.futures.setdefault(each, self.pool.submit(watcher, self.ogc, self.config))
            else:
                future: Future[History] = Future()
                try:
                    future.set_result(WATCHERS[name](self.ogc, self.config))
                except BaseException as error:  # not verified (a skip) included: kept for every test that asks
                    future.set_exception(error)
                self.futures[name] = future
        return self.futures[name].result()


@pytest.fixture(scope="session")
def job_lives(ogc: Target, pytestconfig: pytest.Config) -> Iterator[JobLives]:
    with ThreadPoolExecutor(max_workers=len(WATCHERS)) as pool:
        yield JobLives(ogc, pytestconfig, pool)


@pytest.fixture(scope="session")
def executed_job(job_lives: JobLives) -> History:
    return job_lives.get("executed")


@pytest.fixture(scope="session")
def failing_job(job_lives: JobLives) -> History:
    return job_lives.get("failing")


@pytest.fixture
def histories(executed_job: History, request: pytest.FixtureRequest) -> list[History]:
    """Every job life the run can watch: the --ogc-process job, and the failing job when there is one (its
    absence is reported by the failed-job checks, so a rule checked here on one job is still verified)."""
    found = [executed_job]
    with contextlib.suppress(pytest.skip.Exception):
        found.append(request.getfixturevalue("failing_job"))
    return found


@pytest.fixture(scope="session")
def named_jobs(ogc: Target, pytestconfig: pytest.Config) -> list[str]:
    """--ogc-job; on the embedded mock, a running job provisioned through its Python control API."""
    job_ids = option_value(pytestconfig, "ogc_job")
    assert isinstance(job_ids, list)
    if job_ids:
        return [str(job_id) for job_id in job_ids]
    if ogc.mock is not None:
        return [ogc.mock.create_job(["running"], processID="echo")]
    not_verified("needs the id of an existing job", "ogc_job")


@pytest.fixture(scope="session")
def conformance(ogc: Target) -> set[str] | None:
    """The conformance classes /conformance declares; None when it declares none readable (the Schemathesis
    test reports a broken /conformance)."""
    body = json_object(ogc.request("GET", "/conformance", headers={"Accept": "application/json"}))
    classes = body.get("conformsTo") if body is not None else None
    return {str(c) for c in classes} if isinstance(classes, list) else None


def require_class(conformance: set[str] | None, conformance_class: str) -> None:
    """Stop a check whose requirements class the server does not declare."""
    if conformance is None:
        not_verified(f"GET /conformance gave no conformance declaration, so {conformance_class} is unknown")
    if conformance_class not in conformance:
        not_applicable(f"the server does not declare {conformance_class} in /conformance")


@pytest.fixture
def requires_dismiss(conformance: set[str] | None) -> None:
    require_class(conformance, DISMISS_CLASS)


@pytest.fixture
def requires_job_list(conformance: set[str] | None) -> None:
    require_class(conformance, JOB_LIST_CLASS)


@pytest.fixture
def unknown_job_id() -> str:
    return f"invalid-job-{uuid.uuid4()}"  # the form the OGC executable test suite uses


def get_job(ogc: Target, job_id: str, accept: str = "application/json") -> requests.Response:
    return ogc.request("GET", job_path(job_id), headers={"Accept": accept})
