"""Errors as documented: every documented status code is reachable on the mock, scripted faults
answer documented `{"message"}` bodies and the job goes on, and bad input to the mock's queueing
operation gets the API's own error."""

from __future__ import annotations

import pytest

from suites.clc.conftest import Login, status_path
from suites.common import Target, check_response, documented_responses


@pytest.mark.requirement("CLC API v2", "every documented response, on purpose (the mock's Prefer: code=)")
@pytest.mark.control
@pytest.mark.parametrize(("operation_id", "method", "path", "status"), documented_responses("clc"))
def test_every_documented_status_is_reachable_with_prefer(
    clc: Target, operation_id: str, method: str, path: str, status: str
) -> None:
    clc.control  # noqa: B018 - the Prefer selector is a mock feature
    url = path.replace("{accountAlias}", "ALIAS").replace("{statusId}", "wa1-12345")
    body = {"username": "user@company.com", "password": "mypassword"} if method == "POST" else None
    response = clc.request(method, url, headers={"Prefer": f"code={status}"}, json=body)
    check_response("clc", operation_id, response)
    assert response.status_code == int(status)


@pytest.mark.requirement("CLC API v2", "every documented example, on purpose (the mock's Prefer: example=)")
@pytest.mark.control
@pytest.mark.parametrize("state", ["notStarted", "executing", "succeeded", "failed", "resumed", "unknown"])
def test_prefer_selects_each_documented_example(clc: Target, state: str) -> None:
    clc.control  # noqa: B018
    response = clc.request("GET", status_path("ALIAS", "wa1-12345"), headers={"Prefer": f"code=200, example={state}"})
    assert check_response("clc", "getStatus", response)["status"] == state


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 500 INTERNAL SERVER ERROR")
@pytest.mark.control
def test_a_scripted_fault_answers_a_documented_500_then_the_job_goes_on(clc: Target, login: Login) -> None:
    app = clc.control
    job_id = app.create_job(
        [{"state": "executing", "polls": 2}, "succeeded"], faults={2: {"status": 500}}, accountAlias=login.account_alias
    )
    answers = []
    for _ in range(3):
        response = clc.request("GET", status_path(login.account_alias, job_id), headers=login.headers)
        body = check_response("clc", "getStatus", response)
        answers.append((response.status_code, body.get("status")))
    assert answers == [(200, "executing"), (500, None), (200, "succeeded")]


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 400 BAD REQUEST")
@pytest.mark.control
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"not json", 400),
        (b"[]", 400),
        (b'{"servers": ["WA1ALIASWB01"]}', 400),
        (b'["WA1ALIASWB01", 7]', 400),
        (b'[""]', 400),
        (b"", 400),
    ],
    ids=["not-json", "empty-list", "an-object", "a-number", "an-empty-name", "no-body"],
)
def test_bad_input_to_a_power_operation_gets_a_message(clc: Target, login: Login, body: bytes, expected: int) -> None:
    """The queueing route is the mock's own (not in the contract); its errors use the API's shape."""
    clc.control  # noqa: B018
    response = clc.request(
        "POST",
        f"/v2/operations/{login.account_alias}/servers/powerOn",
        data=body,
        headers={**login.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == expected, response.text
    assert isinstance(response.json().get("message"), str), response.text
    assert clc.control.engine.job_ids() == [], "bad input queued a job"


@pytest.mark.requirement("CLC API v2", "Overview, HTTP codes 401, 403 and 404")
@pytest.mark.control
@pytest.mark.parametrize(
    ("path", "authorized", "expected"),
    [
        ("/v2/operations/{alias}/servers/powerOn", False, 401),
        ("/v2/operations/OTHR/servers/powerOn", True, 403),
        ("/v2/operations/{alias}/servers/explode", True, 404),
    ],
    ids=["no-token", "other-account", "unknown-operation"],
)
def test_a_power_operation_checks_the_caller(
    clc: Target, login: Login, path: str, authorized: bool, expected: int
) -> None:
    clc.control  # noqa: B018
    headers = login.headers if authorized else {}
    response = clc.request("POST", path.format(alias=login.account_alias), json=["WA1ALIASWB01"], headers=headers)
    assert response.status_code == expected, response.text
    assert isinstance(response.json().get("message"), str), response.text


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 404 NOT FOUND")
@pytest.mark.control
@pytest.mark.parametrize(("method", "path"), [("PUT", "/v2/authentication/login"), ("GET", "/v2/operations")])
def test_a_wrong_method_or_path_gets_a_message(clc: Target, method: str, path: str) -> None:
    clc.control  # noqa: B018
    response = clc.request(method, path)
    assert response.status_code in (404, 405), response.text
    assert isinstance(response.json().get("message"), str), response.text
