"""Who may ask: Get Status needs a valid bearer token (401 without one), reads only the caller's account
(403 for another alias), and an account's status id is not found under another account's alias."""

from __future__ import annotations

import pytest

from jobcontract.suites.clc.provider import Login, another_alias, status_path
from jobcontract.suites.common import Target, check_response, require

UNAUTHORIZED = "CLC API v2 Overview, HTTP code 401 UNAUTHORIZED"
FORBIDDEN = "CLC API v2 Overview, HTTP code 403 FORBIDDEN"
NOT_FOUND = "CLC API v2 Overview, HTTP code 404 NOT FOUND"


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 401 UNAUTHORIZED")
def test_a_request_without_a_bearer_token_is_401(clc: Target, some_status_path: str) -> None:
    response = clc.request("GET", some_status_path, headers={"Accept": "application/json"})
    check_response("clc", "getStatus", response)
    require(
        response.status_code == 401,
        UNAUTHORIZED,
        f"Get Status without a bearer token answered {response.status_code}",
        response=response,
    )


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 401 UNAUTHORIZED")
@pytest.mark.parametrize("kind", ["garbage", "tampered", "not bearer"])
def test_a_bad_token_is_401(clc: Target, login: Login, some_status_path: str, kind: str) -> None:
    authorization = {
        "garbage": "Bearer not-a-token",
        "tampered": f"Bearer {login.token[:-4]}{'0000' if not login.token.endswith('0000') else '1111'}",
        "not bearer": f"Basic {login.token}",
    }[kind]
    response = clc.request(
        "GET", some_status_path, headers={"Authorization": authorization, "Accept": "application/json"}
    )
    check_response("clc", "getStatus", response)
    require(
        response.status_code == 401,
        UNAUTHORIZED,
        f"Get Status with a {kind} token answered {response.status_code}",
        response=response,
    )


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 403 FORBIDDEN")
def test_another_accounts_alias_is_403(clc: Target, login: Login, some_status_path: str) -> None:
    status_id = some_status_path.rsplit("/", 1)[1]
    response = clc.request("GET", status_path(another_alias(login), status_id), headers=login.headers)
    check_response("clc", "getStatus", response)
    require(
        response.status_code == 403,
        FORBIDDEN,
        f"another account's alias answered {response.status_code}",
        response=response,
    )


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 403 FORBIDDEN")
def test_another_accounts_status_id_is_403_under_its_alias(
    clc: Target, login: Login, across_accounts: tuple[Login, str]
) -> None:
    """The second account asks for the caller's status id under the caller's alias."""
    other_login, status_id = across_accounts
    response = clc.request("GET", status_path(login.account_alias, status_id), headers=other_login.headers)
    check_response("clc", "getStatus", response)
    require(
        response.status_code == 403,
        FORBIDDEN,
        f"another account's status id under its own alias answered {response.status_code}",
        response=response,
    )


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 404 NOT FOUND")
def test_another_accounts_status_id_is_404_under_the_callers_alias(
    clc: Target, across_accounts: tuple[Login, str]
) -> None:
    """The second account asks for the caller's status id under its own alias: not its job."""
    other_login, status_id = across_accounts
    response = clc.request("GET", status_path(other_login.account_alias, status_id), headers=other_login.headers)
    check_response("clc", "getStatus", response)
    require(
        response.status_code == 404,
        NOT_FOUND,
        f"another account's status id under the caller's alias answered {response.status_code}",
        response=response,
    )
