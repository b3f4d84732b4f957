"""Login and account scoping: Get Status needs a valid bearer token (401 without one), reads only
the caller's account (403 for another alias), and answers 404 for a status id the account does not
have; login takes JSON and form bodies and answers wrong credentials with its documented 400."""

from __future__ import annotations

import pytest

from mocks.clc import OTHER_USER, TOKEN_LIFETIME
from suites.clc.conftest import Credentials, Login, another_alias, log_in, status_path
from suites.common import Target, check_response

UNAUTHORIZED = "CLC API v2 Overview, HTTP code 401 UNAUTHORIZED"
FORBIDDEN = "CLC API v2 Overview, HTTP code 403 FORBIDDEN"
NOT_FOUND = "CLC API v2 Overview, HTTP code 404 NOT FOUND"
GET_STATUS = "CLC API v2 Get Status, Response (Entity Definition)"
BAD_LOGIN = "CLC API v2 Login, invalid credentials (400)"
BAD_CREDENTIALS = "We didn't recognize the username or password you entered. Please try again."


@pytest.fixture
def status_id(clc: Target, login: Login, status_ids: list[str]) -> str:
    """A status id the caller's account has: a named one, or a job made on the mock."""
    if status_ids:
        return status_ids[0]
    if clc.server is None:
        pytest.skip("no --clc-status-id given: auth is checked on status ids the account has")
    return clc.server.app.create_job(["executing"], accountAlias=login.account_alias)


def get_status(clc: Target, alias: str, status_id: str, headers: dict[str, str]) -> tuple[int, object]:
    response = clc.request("GET", status_path(alias, status_id), headers=headers)
    return response.status_code, check_response("clc", "getStatus", response)


@pytest.mark.requirement("CLC API v2", "Get Status, Response (Entity Definition)")
def test_the_callers_own_status_answers_200(clc: Target, login: Login, status_id: str) -> None:
    code, _ = get_status(clc, login.account_alias, status_id, login.headers)
    assert code == 200, f"{GET_STATUS}: the caller's own status id answered {code}"


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 401 UNAUTHORIZED")
def test_a_request_without_a_bearer_token_is_401(clc: Target, login: Login, status_id: str) -> None:
    code, _ = get_status(clc, login.account_alias, status_id, {"Accept": "application/json"})
    assert code == 401, f"{UNAUTHORIZED}: Get Status without a bearer token answered {code}"


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 401 UNAUTHORIZED")
@pytest.mark.parametrize("kind", ["garbage", "tampered", "not bearer"])
def test_a_bad_token_is_401(clc: Target, login: Login, status_id: str, kind: str) -> None:
    authorization = {
        "garbage": "Bearer not-a-token",
        "tampered": f"Bearer {login.token[:-4]}{'0000' if not login.token.endswith('0000') else '1111'}",
        "not bearer": f"Basic {login.token}",
    }[kind]
    code, _ = get_status(clc, login.account_alias, status_id, {"Authorization": authorization})
    assert code == 401, f"{UNAUTHORIZED}: Get Status with a {kind} token answered {code}"


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 401 UNAUTHORIZED")
@pytest.mark.control
def test_a_token_expires_after_two_weeks(clc: Target, credentials: Credentials) -> None:
    """Tokens are "reusable for up to 2 weeks" (api-v20-authentication-overview.md)."""
    app = clc.control
    login = log_in(clc, credentials)
    job_id = app.create_job(["executing"], accountAlias=login.account_alias)
    app.advance(TOKEN_LIFETIME - 60)
    assert get_status(clc, login.account_alias, job_id, login.headers)[0] == 200, "a 13-day-old token was refused"
    app.advance(120)
    code, _ = get_status(clc, login.account_alias, job_id, login.headers)
    assert code == 401, f"{UNAUTHORIZED}: a token older than two weeks answered {code}"
    fresh = log_in(clc, credentials)
    assert get_status(clc, fresh.account_alias, job_id, fresh.headers)[0] == 200, "a fresh token was refused"


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 403 FORBIDDEN")
def test_another_accounts_alias_is_403(clc: Target, login: Login, status_id: str) -> None:
    code, _ = get_status(clc, another_alias(login), status_id, login.headers)
    assert code == 403, f"{FORBIDDEN}: another account's alias answered {code}"


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 403 FORBIDDEN")
@pytest.mark.control
def test_another_accounts_job_is_neither_readable_nor_visible(clc: Target, login: Login, other_login: Login) -> None:
    job_id = clc.control.create_job(["executing"], accountAlias=OTHER_USER.alias)
    code, _ = get_status(clc, other_login.account_alias, job_id, login.headers)
    assert code == 403, f"{FORBIDDEN}: another account's alias answered {code}"
    code, _ = get_status(clc, login.account_alias, job_id, login.headers)
    assert code == 404, f"{NOT_FOUND}: another account's status id under the caller's alias answered {code}"
    code, body = get_status(clc, other_login.account_alias, job_id, other_login.headers)
    assert (code, body) == (200, {"status": "executing"}), "the owner cannot read its own job"


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 404 NOT FOUND")
def test_an_unknown_status_id_is_404(clc: Target, login: Login, unknown_status_id: str) -> None:
    code, _ = get_status(clc, login.account_alias, unknown_status_id, login.headers)
    assert code == 404, f"{NOT_FOUND}: an unknown status id answered {code}"


@pytest.mark.requirement("CLC API v2", "Login, Response")
@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_login_takes_json_and_form_bodies(clc: Target, credentials: Credentials, form: bool, status_id: str) -> None:
    login = log_in(clc, credentials, form=form)
    code, _ = get_status(clc, login.account_alias, status_id, login.headers)
    assert code == 200, f"{GET_STATUS}: the token of a {'form' if form else 'JSON'} login answered {code}"


@pytest.mark.requirement("CLC API v2", "Login, invalid credentials (400)")
@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_wrong_credentials_get_the_documented_400(clc: Target, form: bool) -> None:
    # a made-up user, so that a real account is never locked out by failed logins
    fields = {"username": "nobody@jobcontract.invalid", "password": "not-the-password"}
    response = clc.request("POST", "/v2/authentication/login", **({"data": fields} if form else {"json": fields}))
    body = check_response("clc", "login", response)
    assert response.status_code == 400, f"{BAD_LOGIN}: wrong credentials answered {response.status_code}"
    assert body["message"] == BAD_CREDENTIALS, f"{BAD_LOGIN}: the message is {body['message']!r}"


@pytest.mark.requirement("CLC API v2", "Login, invalid credentials (400)")
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[]", "application/json"),
        (b'{"username": "user@company.com"}', "application/json"),
        (b'{"username": 7, "password": 7}', "application/json"),
        (b"username=user%40company.com", "application/x-www-form-urlencoded"),
        (b"", "application/json"),
    ],
    ids=["not-json", "a-list", "no-password", "numbers", "form-no-password", "empty"],
)
def test_a_malformed_login_is_400(clc: Target, body: bytes, content_type: str) -> None:
    response = clc.request("POST", "/v2/authentication/login", data=body, headers={"Content-Type": content_type})
    check_response("clc", "login", response)
    assert response.status_code == 400, f"{BAD_LOGIN}: a malformed login answered {response.status_code}"
