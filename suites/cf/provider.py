"""The Cloud Foundry v3 jobs suite's target, credentials and jobs.

A suite never creates a job on a real Cloud Controller (only operations with side effects do), so the jobs
it checks are the provider's: `--cf-job` (any jobs) and `--cf-failed-job` (one in state FAILED). On the
embedded mock the same jobs are provisioned through its Python control API (`Target.mock`)."""

from __future__ import annotations

import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from jobcontract.mocks.cf import NO_READ_SCOPE_TOKEN, VALID_TOKEN
from jobcontract.suites.cf.rules import History, Poll
from jobcontract.suites.common import Target, not_verified, target
from jobcontract.suites.options import option_value

# Fixed, so that test ids are the same in every process (pytest-xdist); no server issues these.
UNKNOWN_GUID = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://jobcontract.invalid/cf/unknown-job"))
JOB_ERROR = {"code": 10008, "title": "CF-UnprocessableEntity", "detail": "something went wrong"}
# What the embedded mock provides as `--cf-job`: a job that lives (PROCESSING, POLLING, then COMPLETE), one
# that fails, one that is over; and as `--cf-failed-job`, the docs' "Failed Job".
MOCK_JOBS: tuple[tuple[list[Any], dict[str, Any]], ...] = (
    (
        [{"state": "PROCESSING", "seconds": 1}, {"state": "POLLING", "seconds": 3}, "COMPLETE"],
        {"operation": "service_instance.create", "warnings": ["the broker is slow"]},
    ),
    ([{"state": "PROCESSING", "seconds": 1}, "FAILED"], {"operation": "app.delete", "errors": [JOB_ERROR]}),
    (["COMPLETE"], {"operation": "space.apply_manifest"}),
)
MOCK_FAILED_JOB: tuple[list[Any], dict[str, Any]] = (
    ["FAILED"],
    {"operation": "app.delete", "warnings": ["warning! warning!"], "errors": [JOB_ERROR]},
)
JOB_OPTIONS = ("cf_job",)  # or --cf-failed-job: any job of the server will do
MIN_ROUNDS = 4  # polls of every job
MAX_ROUNDS = 12  # more only to re-poll an end (RE_POLLS times)
POLL_INTERVAL = 0.5  # real seconds between rounds on a real server; the embedded mock's clock moves 1 s


@pytest.fixture(scope="session")
def cf(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> Iterator[Target]:
    yield from target(pytestconfig, "cf", "cf_mock_server", request)


@pytest.fixture(autouse=True)
def _fresh_mock(cf: Target) -> Iterator[None]:
    """Every test starts with an empty mock (no jobs); a real server is left alone."""
    yield
    if cf.mock is not None:
        cf.mock.reset()


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
        not_verified("needs a bearer token for the real server", "cf_token")
    return {"Authorization": f"Bearer {cf_token}"}


@pytest.fixture
def token_without_read_scope(cf: Target, pytestconfig: pytest.Config) -> str:
    if cf.embedded:
        return NO_READ_SCOPE_TOKEN
    given = option_value(pytestconfig, "cf_token_without_read_scope")
    if not given:
        not_verified("needs a valid token without the cloud_controller.read scope", "cf_token_without_read_scope")
    return str(given)


@dataclass(frozen=True)
class GivenJobs:
    """The jobs to check: `--cf-job`, and `--cf-failed-job` when given."""

    jobs: tuple[str, ...]
    failed_job: str | None

    @property
    def all(self) -> list[str]:
        return list(dict.fromkeys([*self.jobs, *([self.failed_job] if self.failed_job else [])]))


def provision(cf: Target) -> GivenJobs:
    """On the embedded mock, the jobs a provider would name (a real server is never asked to make one)."""
    assert cf.mock is not None
    jobs = tuple(cf.mock.create_job(script, **attributes) for script, attributes in MOCK_JOBS)
    script, attributes = MOCK_FAILED_JOB
    return GivenJobs(jobs, cf.mock.create_job(script, **attributes))


def given(cf: Target, config: pytest.Config) -> GivenJobs:
    if cf.mock is not None:
        return provision(cf)
    jobs = option_value(config, "cf_job")
    failed = option_value(config, "cf_failed_job")
    assert isinstance(jobs, list)
    return GivenJobs(tuple(str(job) for job in jobs), str(failed) if failed else None)


@pytest.fixture
def given_jobs(cf: Target, pytestconfig: pytest.Config) -> GivenJobs:
    return given(cf, pytestconfig)


@pytest.fixture
def any_job(cf: Target, given_jobs: GivenJobs) -> str:
    """A job of the server if one is given, else a guid it does not know: for checks that hold for both."""
    return next(iter(given_jobs.all), UNKNOWN_GUID)


def get_job(cf: Target, guid: str, headers: dict[str, str] | None = None) -> requests.Response:
    return cf.request("GET", f"/v3/jobs/{guid}", headers=headers or {})


def poll_jobs(cf: Target, guids: list[str], headers: dict[str, str]) -> dict[str, History]:
    """Poll every job MIN_ROUNDS times, and on until each end seen has been re-polled RE_POLLS times. Only
    answers are recorded here: what they must say is each rule's test's to judge (no cascade)."""
    histories = {guid: History(guid) for guid in guids}
    for round_number in range(MAX_ROUNDS if guids else 0):
        if round_number:
            if cf.mock is not None:
                cf.mock.advance(1)
            else:
                time.sleep(POLL_INTERVAL)
        for history in histories.values():
            history.polls.append(Poll.of(get_job(cf, history.guid, {**headers, "Accept": "application/json"})))
        if round_number + 1 >= MIN_ROUNDS and all(history.settled for history in histories.values()):
            break
    return histories


@dataclass(frozen=True)
class Lives:
    """What the polls of the given jobs showed."""

    given: GivenJobs
    histories: dict[str, History]

    def found(self) -> list[History]:
        """The histories of the jobs the server knew; not verified (naming the options) if it knew none."""
        if not self.given.all:
            not_verified(
                "needs jobs of the server (a suite never creates one; --cf-failed-job also counts)", *JOB_OPTIONS
            )
        found = [history for history in self.histories.values() if history.found]
        unknown = [guid for guid, history in self.histories.items() if not history.found]
        if unknown and found:
            warnings.warn(f"the server does not know the given job(s) {', '.join(unknown)} (404)", stacklevel=2)
        if not found:
            not_verified(
                f"the server does not know the given job(s) {', '.join(unknown)} (404; jobs are deleted after 90 days)",
                *JOB_OPTIONS,
            )
        return found

    def answered(self) -> list[History]:
        """The found jobs that answered 200 at least once (a job that never did is the Get a job check's)."""
        answered = [history for history in self.found() if history.jobs]
        if not answered:
            not_verified("no given job answered 200 (see the Get a job check)", *JOB_OPTIONS)
        return answered


@pytest.fixture(scope="session")
def lives(cf: Target, cf_token: str | None, pytestconfig: pytest.Config) -> Lives:
    """The given jobs, polled once for the whole run (the lifecycle checks all read these answers)."""
    if cf_token is None:
        not_verified("needs a bearer token for the real server", "cf_token")
    jobs = given(cf, pytestconfig)
    return Lives(jobs, poll_jobs(cf, jobs.all, {"Authorization": f"Bearer {cf_token}"}))
