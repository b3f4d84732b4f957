"""The CLC suite's target, logins, status ids and the polls of their lives.

Against the embedded mock the suite logs in as the mock's documented example user and provisions what
a provider names (a queued operation's status id, a second account) through `target.mock`; against a
real server (`--clc-url`) it logs in with `--clc-username`/`--clc-password`, follows the status ids
named by `--clc-status-id`, and reads across accounts as `--clc-other-username`. A check that needs
what was not named is *not verified*, naming the option that would verify it.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from jobcontract.mocks.clc import DEFAULT_USER, OTHER_USER
from jobcontract.suites.common import Target, not_verified, target, violation
from jobcontract.suites.options import option_value

DOCUMENT = "CLC API v2"
LOGIN = f"{DOCUMENT} Login, Response"
WIRE_STATES = ("notStarted", "executing", "succeeded", "failed", "resumed", "unknown")
TERMINAL = frozenset({"succeeded", "failed"})
POLL_INTERVAL = 0.5  # real seconds between two polls of a real server
POLL_SECONDS = 20.0  # how long a named status id is followed, at most, before its end is given up on
REPOLLS = 3  # polls after the first succeeded or failed answer: the end is the end
EMBEDDED_STEP = 1.5  # mock seconds the embedded mock's clock moves between polls (a speed-up, nothing else)


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class Login:
    """What a successful login hands a client."""

    token: str
    account_alias: str
    location_alias: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}


@pytest.fixture(scope="session")
def clc(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> Iterator[Target]:
    yield from target(pytestconfig, "clc", "clc_mock_server", request)


@pytest.fixture(autouse=True)
def _fresh_mock(clc: Target) -> Iterator[None]:
    """Every test starts with an empty mock (no jobs, no faults); a real server is left alone.
    Tokens survive the reset, so a session's login stays valid."""
    yield
    if clc.mock is not None:
        clc.mock.reset()


def named_credentials(
    clc: Target, config: pytest.Config, username_option: str, password_option: str, embedded_user: Credentials
) -> Credentials:
    username, password = option_value(config, username_option), option_value(config, password_option)
    if username and password:
        return Credentials(str(username), str(password))
    if clc.embedded:
        return embedded_user
    not_verified(f"needs a login of a user to {clc.base_url}", username_option, password_option)


@pytest.fixture(scope="session")
def credentials(clc: Target, pytestconfig: pytest.Config) -> Credentials:
    return named_credentials(
        clc, pytestconfig, "clc_username", "clc_password", Credentials(DEFAULT_USER.username, DEFAULT_USER.password)
    )


@pytest.fixture(scope="session")
def other_credentials(clc: Target, pytestconfig: pytest.Config) -> Credentials:
    """A user of a second account (on the embedded mock, its second user)."""
    return named_credentials(
        clc,
        pytestconfig,
        "clc_other_username",
        "clc_other_password",
        Credentials(OTHER_USER.username, OTHER_USER.password),
    )


def login_response(clc: Target, credentials: Credentials, *, form: bool = False) -> requests.Response:
    """POST /v2/authentication/login as a client does (JSON, or form-encoded as clc-sdk's get_session)."""
    fields = {"username": credentials.username, "password": credentials.password}
    body = {"data": fields} if form else {"json": fields}
    return clc.request("POST", "/v2/authentication/login", headers={"Accept": "application/json"}, **body)


def log_in(clc: Target, credentials: Credentials, *, form: bool = False) -> Login:
    """Log in and take what a client needs from the answer. Only what a client cannot do without fails
    here (no token, no alias); the rest of the answer is its own checks' business."""
    response = login_response(clc, credentials, form=form)
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        kind = "form" if form else "JSON"
        raise violation(LOGIN, f"a login with a {kind} body answered {response.status_code}", response=response)
    token, alias = body.get("bearerToken"), body.get("accountAlias")
    if not isinstance(token, str) or not token or not isinstance(alias, str) or not alias:
        raise violation(LOGIN, "the login answer has no bearerToken or accountAlias to call on", response=response)
    location = body.get("locationAlias")
    return Login(token, alias, location if isinstance(location, str) else "")


@pytest.fixture(scope="session")
def login(clc: Target, credentials: Credentials) -> Login:
    return log_in(clc, credentials)


@pytest.fixture(scope="session")
def other_login(clc: Target, login: Login, other_credentials: Credentials) -> Login:
    other = log_in(clc, other_credentials)
    if other.account_alias.upper() == login.account_alias.upper():  # the user's mistake, not the server's
        not_verified(
            f"the second user is in the caller's own account {login.account_alias}: name a user of another account",
            "clc_other_username",
            "clc_other_password",
        )
    return other


@pytest.fixture
def status_ids(clc: Target, login: Login, pytestconfig: pytest.Config) -> list[str]:
    """Status ids of queued operations of the caller's account: the named ones, or on the embedded
    mock one queued operation with the mock's realistic default life (notStarted, executing, succeeded)."""
    named = option_value(pytestconfig, "clc_status_id")
    assert isinstance(named, list)
    if named:
        return [str(status_id) for status_id in named]
    if clc.mock is not None:
        return [clc.mock.create_job(accountAlias=login.account_alias)]
    not_verified("needs the status id of a queued operation of the account", "clc_status_id")


@pytest.fixture
def across_accounts(clc: Target, pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> tuple[Login, str]:
    """(the second account's login, a status id of the caller's account), for reading across accounts."""
    missing = []
    if not clc.embedded:
        if not (option_value(pytestconfig, "clc_other_username") and option_value(pytestconfig, "clc_other_password")):
            missing += ["clc_other_username", "clc_other_password"]
        if not option_value(pytestconfig, "clc_status_id"):
            missing.append("clc_status_id")
    if missing:
        not_verified("needs a user of a second account and a status id of the caller's account", *missing)
    return request.getfixturevalue("other_login"), request.getfixturevalue("status_ids")[0]


@pytest.fixture
def some_status_path(clc: Target, login: Login, pytestconfig: pytest.Config, unknown_status_id: str) -> str:
    """A status URL of the caller's account: a named (or provisioned) status id if there is one, else an
    unknown one. For the checks of who may ask, which hold whatever the id."""
    named = option_value(pytestconfig, "clc_status_id")
    if isinstance(named, list) and named:
        return status_path(login.account_alias, str(named[0]))
    if clc.mock is not None:
        return status_path(login.account_alias, clc.mock.create_job(accountAlias=login.account_alias))
    return status_path(login.account_alias, unknown_status_id)


@pytest.fixture
def unknown_status_id(login: Login) -> str:
    """A status id in the documents' form (`wa1-12345`) that no queue issued."""
    return f"{(login.location_alias or 'wa1').lower()}-jobcontract-{uuid.uuid4().hex[:12]}"


def another_alias(login: Login) -> str:
    """An alias that is not the caller's account (the caller may not read it)."""
    return "OTHR" if login.account_alias.upper() != "OTHR" else "ZZZZ"


def status_path(alias: str, status_id: str) -> str:
    return f"/v2/operations/{alias}/status/{status_id}"


def wire_status(response: requests.Response) -> str | None:
    """The documented status a 200 answer says, or None for any other answer (its own checks judge it)."""
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    status = body.get("status") if isinstance(body, dict) else None
    return status if status in WIRE_STATES else None


RANK = {"notStarted": 0, "executing": 1, "resumed": 1, "succeeded": 2, "failed": 2}


def order_broken(statuses: list[str]) -> tuple[str, str] | None:
    """The first step back in a sequence of one job's statuses (`unknown` says nothing about the order)."""
    known = [status for status in statuses if status != "unknown"]
    return next(((a, b) for a, b in itertools.pairwise(known) if RANK[b] < RANK[a]), None)


def end_broken(statuses: list[str]) -> tuple[str, str] | None:
    """The first change after a succeeded or failed status."""
    return next(((a, b) for a, b in itertools.pairwise(statuses) if a in TERMINAL and b != a), None)


@dataclass(frozen=True)
class History:
    """Every answer one status id gave while the suite followed it, in order."""

    status_id: str
    answers: tuple[requests.Response, ...]

    @property
    def statuses(self) -> list[str]:
        """The documented statuses among the answers (other answers left out)."""
        return [status for status in map(wire_status, self.answers) if status is not None]

    @property
    def end(self) -> int | None:
        """The index of the first succeeded or failed answer, if the job ended while followed."""
        return next((i for i, answer in enumerate(self.answers) if wire_status(answer) in TERMINAL), None)


def follow(clc: Target, login: Login, status_id: str) -> History:
    """Poll a status id until it ends (bounded by POLL_SECONDS of real time), then REPOLLS more times.
    On the embedded mock the clock moves between polls instead of the suite sleeping."""
    mock = clc.mock

    def wait() -> None:
        if mock is not None:
            mock.advance(EMBEDDED_STEP)
        else:
            time.sleep(POLL_INTERVAL)

    deadline = time.monotonic() + POLL_SECONDS
    answers: list[requests.Response] = []
    end: int | None = None
    while True:
        answers.append(clc.request("GET", status_path(login.account_alias, status_id), headers=login.headers))
        if end is None and wire_status(answers[-1]) in TERMINAL:
            end = len(answers) - 1
        if end is not None and len(answers) - 1 - end >= REPOLLS:
            break
        if end is None and (time.monotonic() >= deadline or len(answers) >= POLL_SECONDS / POLL_INTERVAL):
            break
        wait()
    return History(status_id, tuple(answers))


_FOLLOWED: dict[tuple[str, str], History] = {}


@pytest.fixture
def histories(clc: Target, login: Login, status_ids: list[str]) -> list[History]:
    """The life of each status id as its polls show it. A real server's named ids are followed once per
    run (the checks of one life share it); the embedded mock's are provisioned and followed per test."""
    if clc.embedded:
        return [follow(clc, login, status_id) for status_id in status_ids]
    for status_id in status_ids:
        if (clc.base_url, status_id) not in _FOLLOWED:
            _FOLLOWED[clc.base_url, status_id] = follow(clc, login, status_id)
    return [_FOLLOWED[clc.base_url, status_id] for status_id in status_ids]
