"""Errors as Cloud Controller documents them (#errors): who may read a job (401 CF-NotAuthenticated
10002 without a token, whether the job exists or not; 401 CF-InvalidAuthToken 1000 with a bad one;
403 CF-NotAuthorized 10003 without the read scope), an unknown job is 404 CF-ResourceNotFound 10010,
and a request Cloud Controller does not route still gets a CF error body. Clients key on `code` and
`title`; `detail` "is subject to change", so it is never compared. A check that needs "some job"
uses a given one, or a guid the server does not know: the answer must be the same."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from jobcontract import contracts
from jobcontract.suites.cf.provider import UNKNOWN_GUID, get_job
from jobcontract.suites.cf.rules import DOC
from jobcontract.suites.common import Target, check_response, require, violation

CONTRACT = contracts.load("cf")
ERRORS = f"{DOC} Errors (#errors)"


def requirement(status: int) -> str:
    return CONTRACT.response("getJob", status).requirement


def expect_error(response: requests.Response, status: int, code: int, title: str, what: str) -> None:
    """`response` is the documented `status` with the error `code` and `title`."""
    body = check_response("cf", "getJob", response)
    if response.status_code != status:
        raise violation(
            requirement(status),
            f"{what} answered {response.status_code}, not {status}: {body}",
            operation="getJob",
            response=response,
        )
    first = body.get("errors", [{}])[0] if isinstance(body.get("errors"), list) and body["errors"] else body
    found = (first.get("code"), first.get("title"))
    if found != (code, title):
        raise violation(
            requirement(status),
            f"{what} answered code {found[0]} {found[1]!r}; expected {code} {title}",
            operation="getJob",
            response=response,
        )


def expect_cf_error_body(response: requests.Response, what: str) -> dict[str, Any]:
    """A 4xx whose body is `{"errors": [{code, title, detail}, ...]}` (#errors), for any route."""
    require(400 <= response.status_code < 500, ERRORS, f"{what} answered {response.status_code}", response=response)
    try:
        body = response.json()
    except ValueError:
        raise violation(ERRORS, f"{what}: the body is not JSON: {response.text[:200]!r}", response=response) from None
    schema_errors = CONTRACT.response("getJob", 404).validate("application/json", body)
    errors = body.get("errors") if isinstance(body, dict) else None
    if schema_errors or not errors or not all({"code", "title"} <= set(e) for e in errors):
        raise violation(ERRORS, f"{what}: {body!r} is not an errors body with a code and a title", response=response)
    return body  # type: ignore[no-any-return]


@pytest.mark.requirement(
    "CF v3 API docs", "Get a job 401 (#errors, CF-NotAuthenticated 10002 / CF-InvalidAuthToken 1000)"
)
@pytest.mark.parametrize("which", ["a-job", "an-unknown-job"])
def test_without_a_token_a_job_is_401_not_authenticated(cf: Target, any_job: str, which: str) -> None:
    """Whether the job exists is nobody's business without a token: Cloud Controller authenticates first."""
    guid = any_job if which == "a-job" else UNKNOWN_GUID
    expect_error(get_job(cf, guid), 401, 10002, "CF-NotAuthenticated", f"a request without a token for {which}")


@pytest.mark.requirement(
    "CF v3 API docs", "Get a job 401 (#errors, CF-NotAuthenticated 10002 / CF-InvalidAuthToken 1000)"
)
@pytest.mark.parametrize("token", ["Bearer not-a-token", f"Bearer {UNKNOWN_GUID}", "bearer expired.jwt.value"])
def test_with_a_bad_token_a_job_is_401_invalid_auth_token(cf: Target, any_job: str, token: str) -> None:
    """Clients refresh their token on exactly this answer (cf-python-client, the CLI)."""
    headers = {"Authorization": token}
    expect_error(get_job(cf, any_job, headers), 401, 1000, "CF-InvalidAuthToken", "a request with an invalid token")


@pytest.mark.requirement("CF v3 API docs", "Get a job 403 (#errors, CF-NotAuthorized 10003)")
def test_a_token_without_the_read_scope_is_403_not_authorized(
    cf: Target, token_without_read_scope: str, any_job: str
) -> None:
    """--cf-token-without-read-scope on a real server; the mock's token without scopes on the embedded one."""
    headers = {"Authorization": f"Bearer {token_without_read_scope}"}
    expect_error(get_job(cf, any_job, headers), 403, 10003, "CF-NotAuthorized", "a token without the read scope")


@pytest.mark.requirement("CF v3 API docs", "Get a job 404 (#errors, CF-ResourceNotFound 10010)")
@pytest.mark.parametrize(
    "guid",
    [
        UNKNOWN_GUID,
        f"app.delete~{UNKNOWN_GUID}",  # Korifi's form
        "not-a-guid",
        "0",
        "f" * 300,
        "jöb-ünïcode",
        "guid with spaces",
    ],
)
def test_an_unknown_job_is_404_resource_not_found(cf: Target, auth: dict[str, str], guid: str) -> None:
    expect_error(get_job(cf, guid, auth), 404, 10010, "CF-ResourceNotFound", f"the unknown job {guid!r}")


@pytest.mark.requirement("CF v3 API docs", "Errors (#errors)")
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_method_jobs_do_not_take_gets_a_cf_error(cf: Target, any_job: str, auth: dict[str, str], method: str) -> None:
    expect_cf_error_body(cf.request(method, f"/v3/jobs/{any_job}", headers=auth), f"{method} /v3/jobs/{any_job}")


@pytest.mark.requirement("CF v3 API docs", "Errors (#errors)")
@pytest.mark.parametrize("path", ["/v3/jobs", "/v3/jobs/", "/v3/no-such-resource/1", "/v3/jobs-and-more"])
def test_a_path_that_does_not_exist_gets_a_cf_error(cf: Target, auth: dict[str, str], path: str) -> None:
    """`/v3/jobs/` is what a client that lost its job's guid asks for."""
    response = cf.request("GET", path, headers=auth)
    expect_cf_error_body(response, f"GET {path}")
    require(response.status_code == 404, ERRORS, f"GET {path} answered {response.status_code}", response=response)
