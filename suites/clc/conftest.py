"""The CLC suite's target, login and accounts.

Against the embedded mock the suite logs in as the mock's documented example user; against a real
server (`--clc-url`) it logs in with `--clc-username` and `--clc-password` and checks the status ids
named by `--clc-status-id`. Every check that needs a token logs in afresh, so a token is never older
than its test (the mock's clock may have moved two weeks on in an earlier test).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from conftest import option_value
from mocks.clc import DEFAULT_USER, OTHER_USER
from suites.common import Target, check_response, target

LOGIN = "CLC API v2 Login, Response"


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
    """Every test starts with an empty mock (no jobs, no faults); a real server is left alone."""
    yield
    if clc.server is not None:
        clc.server.app.reset()


@pytest.fixture(scope="session")
def credentials(clc: Target, pytestconfig: pytest.Config) -> Credentials:
    username, password = option_value(pytestconfig, "clc_username"), option_value(pytestconfig, "clc_password")
    if username and password:
        return Credentials(str(username), str(password))
    if clc.embedded:
        return Credentials(DEFAULT_USER.username, DEFAULT_USER.password)
    pytest.skip(f"needs a login: give --clc-username and --clc-password for {clc.base_url}")


def log_in(clc: Target, credentials: Credentials, *, form: bool = False) -> Login:
    """POST /v2/authentication/login as a client does (JSON, or form-encoded as clc-sdk's get_session)."""
    fields = {"username": credentials.username, "password": credentials.password}
    response = clc.request("POST", "/v2/authentication/login", **({"data": fields} if form else {"json": fields}))
    body = check_response("clc", "login", response)
    body_kind = "form" if form else "JSON"
    assert response.status_code == 200, f"{LOGIN}: login with a {body_kind} body answered {response.status_code}"
    return Login(body["bearerToken"], body["accountAlias"], body["locationAlias"])


@pytest.fixture
def login(clc: Target, credentials: Credentials) -> Login:
    return log_in(clc, credentials)


@pytest.fixture
def other_login(clc: Target) -> Login:
    """A user of another account (the mock's second user)."""
    clc.control  # noqa: B018 - a second account exists on the mock only
    return log_in(clc, Credentials(OTHER_USER.username, OTHER_USER.password))


@pytest.fixture(scope="session")
def status_ids(pytestconfig: pytest.Config) -> list[str]:
    value = option_value(pytestconfig, "clc_status_id")
    assert isinstance(value, list)
    return value


@pytest.fixture
def unknown_status_id(login: Login) -> str:
    return f"{login.location_alias.lower()}-jobcontract-{uuid.uuid4().hex[:12]}"


def another_alias(login: Login) -> str:
    """An alias that is not the caller's account (the caller may not read it)."""
    return "OTHR" if login.account_alias.upper() != "OTHR" else "ZZZZ"


def status_path(alias: str, status_id: str) -> str:
    return f"/v2/operations/{alias}/status/{status_id}"
