"""Jobs driven through the API alone: execute a process asynchronously, poll its job to the end and a few
times more, and keep every answer. Nothing here checks the contract: a broken answer is recorded for the
test of its own requirement, so one deviation never stops the checks of the others."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import requests

from jobcontract.suites.common import Target, not_verified

TERMINAL = frozenset({"successful", "failed", "dismissed"})
REPOLLS = 3  # answers after the first terminal one: the end must stay the end
LIFECYCLE_BUDGET = 120.0  # real seconds a job may take to end before its end is "not verified"
MAX_POLLS = 200  # on the embedded mock, where the clock is advanced rather than waited for
MOCK_STEP = 1.5  # seconds the embedded mock's clock moves between polls (its default job ends after 10)


def job_path(job_id: str) -> str:
    return f"/jobs/{quote(job_id, safe='')}"


def json_object(response: requests.Response) -> dict[str, Any] | None:
    """The body as a JSON object, or None (not JSON, not an object, or not JSON at all)."""
    if "json" not in response.headers.get("Content-Type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


@dataclass(frozen=True)
class Poll:
    """One answer of `GET /jobs/{jobId}` (Accept: application/json) and its statusInfo, if it has one."""

    response: requests.Response
    body: dict[str, Any] | None

    @classmethod
    def of(cls, response: requests.Response) -> Poll:
        body = json_object(response) if response.status_code == 200 else None
        return cls(response, body if body is not None and isinstance(body.get("status"), str) else None)

    @property
    def status(self) -> str | None:
        return str(self.body["status"]) if self.body is not None else None


@dataclass
class Execution:
    """The answer to `POST /processes/{process}/execution` with `Prefer: respond-async`, and the job it created
    as its `Location` names it (the body's `jobID` only when there is no usable Location)."""

    process: str
    inputs: dict[str, Any]
    response: requests.Response
    location: str | None
    job_id: str | None


def job_id_at(base_url: str, location: str) -> str | None:
    """The job id of a status URL `.../jobs/{jobId}` (absolute or relative to the server)."""
    path = urlsplit(urljoin(base_url.rstrip("/") + "/", location)).path
    _, found, tail = path.rpartition("/jobs/")
    return unquote(tail.rstrip("/")) if found and tail.rstrip("/") else None


def execute(ogc: Target, process: str, inputs: dict[str, Any]) -> Execution:
    """Execute `process` asynchronously as any client does. Never fails on what the answer says."""
    response = ogc.request(
        "POST",
        f"/processes/{quote(process, safe='')}/execution",
        json={"inputs": inputs},
        headers={"Prefer": "respond-async", "Accept": "application/json"},
    )
    location = response.headers.get("Location")
    job_id = job_id_at(ogc.base_url, location) if location else None
    if job_id is None and response.status_code == 201:
        body = json_object(response) or {}
        job_id = body["jobID"] if isinstance(body.get("jobID"), str) and body["jobID"] else None
    return Execution(process, inputs, response, location, job_id)


def created_job(ogc: Target, process: str, inputs: dict[str, Any], *options: str) -> Execution:
    """An execution that created a job; without one, what needs the job is not verified (the execute test
    reports the server's own failure), and the options that name another process are named."""
    execution = execute(ogc, process, inputs)
    if execution.response.status_code == 404:
        not_verified(f"the server has no process {process!r}", *options)
    if execution.job_id is None:
        not_verified(
            f"executing {process!r} asynchronously created no job (answered {execution.response.status_code}"
            f" without a Location to a job; the execute test reports it)",
            *options,
        )
    return execution


def poll(ogc: Target, job_id: str, accept: str = "application/json") -> Poll:
    return Poll.of(ogc.request("GET", job_path(job_id), headers={"Accept": accept}))


def wait(ogc: Target, seconds: float) -> None:
    """Let a job's time pass: the embedded mock's clock is moved (a speed-up), a real server is waited for."""
    if ogc.mock is not None:
        ogc.mock.advance(seconds)
    else:
        time.sleep(seconds)


@dataclass
class History:
    """Every answer a job gave while it was polled to its end, then REPOLLS more times."""

    execution: Execution
    polls: list[Poll] = field(default_factory=list)
    end: int | None = None  # index of the first answer in a terminal state
    seconds: float = 0.0
    results: requests.Response | None = None  # GET .../results once the job ended (before anyone dismisses it)

    @property
    def job_id(self) -> str:
        assert self.execution.job_id is not None
        return self.execution.job_id

    @property
    def label(self) -> str:
        return f"the job {self.job_id!r} of process {self.execution.process!r}"

    @property
    def until_end(self) -> list[Poll]:
        """The answers up to and including the first terminal one."""
        return self.polls if self.end is None else self.polls[: self.end + 1]

    @property
    def final_state(self) -> str | None:
        return None if self.end is None else self.polls[self.end].status

    def require_end(self, *options: str) -> Poll:
        """The first terminal answer; a job that never ended leaves the check not verified."""
        if self.end is None:
            not_verified(
                f"{self.label} did not reach a terminal state within {LIFECYCLE_BUDGET:.0f} s"
                f" ({len(self.polls)} polls)",
                *options,
            )
        return self.polls[self.end]


def watch(ogc: Target, execution: Execution) -> History:
    """Poll the job to its first terminal answer (bounded), then REPOLLS more times."""
    history = History(execution)
    started = time.monotonic()
    job_id = history.job_id
    history.polls.append(poll(ogc, job_id))
    while history.end is None:
        if history.polls[-1].status in TERMINAL:
            history.end = len(history.polls) - 1
            break
        elapsed = time.monotonic() - started
        if elapsed > LIFECYCLE_BUDGET or len(history.polls) >= MAX_POLLS:
            break
        wait(ogc, MOCK_STEP if ogc.mock is not None else 0.5 if elapsed < 20 else 2.0)
        history.polls.append(poll(ogc, job_id))
    if history.end is not None:
        history.results = ogc.request("GET", f"{job_path(job_id)}/results", headers={"Accept": "application/json"})
        for _ in range(REPOLLS):
            wait(ogc, 60 if ogc.mock is not None else 0.5)
            history.polls.append(poll(ogc, job_id))
    history.seconds = time.monotonic() - started
    return history
