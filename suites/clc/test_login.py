"""Login (Authentication/login.md): JSON and form bodies log in, the answer names the user that was
authenticated and hands a token and account alias that later calls use; wrong credentials answer the
documented 400 with its message, and so does a malformed login."""

from __future__ import annotations

import pytest

from jobcontract.suites.clc.provider import Credentials, log_in, login_response, status_path
from jobcontract.suites.common import Target, check_response, require

LOGIN = "CLC API v2 Login, Response"
BAD_LOGIN = "CLC API v2 Login, invalid credentials (400)"
BAD_CREDENTIALS = "We didn't recognize the username or password you entered. Please try again."
MADE_UP_USER = Credentials("nobody@jobcontract.invalid", "not-the-password")


def kind(form: bool) -> str:
    return "form" if form else "JSON"


@pytest.mark.requirement("CLC API v2", "Login, Response")
@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_login_answers_the_user_that_logged_in(clc: Target, credentials: Credentials, form: bool) -> None:
    """The 200 answer is documented, and its `userName` (when sent) is the user that was authenticated."""
    response = login_response(clc, credentials, form=form)
    body = check_response("clc", "login", response)
    require(
        response.status_code == 200,
        LOGIN,
        f"login with a {kind(form)} body answered {response.status_code}",
        response=response,
    )
    user_name = body.get("userName")
    require(
        user_name is None or user_name.lower() == credentials.username.lower(),
        LOGIN,
        f"the login of {credentials.username!r} answered userName {user_name!r}",
        response=response,
    )


@pytest.mark.requirement("CLC API v2", "Login, Response")
@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_the_logins_token_and_alias_are_accepted(
    clc: Target, credentials: Credentials, unknown_status_id: str, form: bool
) -> None:
    """The token is sent as `Authorization: Bearer` and `accountAlias` is the `{accountAlias}` of later calls:
    with both, Get Status is about the status id (404 for one never issued), not 401 or 403."""
    login = log_in(clc, credentials, form=form)
    response = clc.request("GET", status_path(login.account_alias, unknown_status_id), headers=login.headers)
    check_response("clc", "getStatus", response)
    require(
        response.status_code in (200, 404),
        LOGIN,
        f"Get Status with the token and accountAlias {login.account_alias!r} of a {kind(form)} login"
        f" answered {response.status_code}",
        response=response,
    )


@pytest.mark.requirement("CLC API v2", "Login, invalid credentials (400)")
@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_wrong_credentials_get_the_documented_400(clc: Target, form: bool) -> None:
    # a made-up user, so that a real account is never locked out by failed logins
    response = login_response(clc, MADE_UP_USER, form=form)
    body = check_response("clc", "login", response)
    require(
        response.status_code == 400,
        BAD_LOGIN,
        f"wrong credentials in a {kind(form)} body answered {response.status_code}",
        response=response,
    )
    require(body["message"] == BAD_CREDENTIALS, BAD_LOGIN, f"the message is {body['message']!r}", response=response)


@pytest.mark.requirement("CLC API v2", "Login, invalid credentials (400)")
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[]", "application/json"),
        (b'{"username": "nobody@jobcontract.invalid"}', "application/json"),
        (b'{"username": 7, "password": 7}', "application/json"),
        (b"username=nobody%40jobcontract.invalid", "application/x-www-form-urlencoded"),
        (b"", "application/json"),
    ],
    ids=["not-json", "a-list", "no-password", "numbers", "form-no-password", "empty"],
)
def test_a_malformed_login_is_400(clc: Target, body: bytes, content_type: str) -> None:
    response = clc.request("POST", "/v2/authentication/login", data=body, headers={"Content-Type": content_type})
    check_response("clc", "login", response)
    require(
        response.status_code == 400,
        BAD_LOGIN,
        f"a malformed login answered {response.status_code}",
        response=response,
    )
