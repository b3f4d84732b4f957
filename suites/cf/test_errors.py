"""Errors as Cloud Controller documents them (#errors): who may read a job (401 CF-NotAuthenticated
10002 without a token, 401 CF-InvalidAuthToken 1000 with a bad one, 403 CF-NotAuthorized 10003
without the read scope), an unknown job is 404 CF-ResourceNotFound 10010, every documented status
is reachable on the mock, and bad input still gets a CF error body. Clients key on `code` and
`title`; `detail` "is subject to change", so it is never compared."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

import contracts
from mocks import MockApp
from mocks.cf import NO_READ_SCOPE_TOKEN
from suites.cf.conftest import DOC, check_job, get_job
from suites.common import Target, check_response, violation

CONTRACT = contracts.load("cf")
ERRORS = f"{DOC} Errors (#errors)"
# Fixed, so that test ids are the same in every process (pytest-xdist); no server issues these.
UNKNOWN_GUID = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://jobcontract.invalid/cf/unknown-job"))


def requirement(status: int) -> str:
    return CONTRACT.response("getJob", status).requirement


def expect_error(response: requests.Response, status: int, code: int, title: str, what: str) -> None:
    """`response` is the documented `status` with the error `code` and `title`."""
    body = check_response("cf", "getJob", response)
    if response.status_code != status:
        raise violation(requirement(status), f"{what} answered {response.status_code}, not {status}: {body}")
    first = body.get("errors", [{}])[0] if isinstance(body.get("errors"), list) and body["errors"] else body
    found = (first.get("code"), first.get("title"))
    if found != (code, title):
        raise violation(requirement(status), f"{what} answered code {found[0]} {found[1]!r}; expected {code} {title}")


def expect_cf_error_body(response: requests.Response, what: str) -> dict[str, Any]:
    """A 4xx whose body is `{"errors": [{code, title, detail}, ...]}` (#errors), for any route."""
    assert 400 <= response.status_code < 500, f"{ERRORS}: {what} answered {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        raise violation(ERRORS, f"{what}: the body is not JSON: {response.text[:200]!r}") from None
    schema_errors = CONTRACT.response("getJob", 404).validate("application/json", body)
    errors = body.get("errors") if isinstance(body, dict) else None
    if schema_errors or not errors or not all({"code", "title"} <= set(e) for e in errors):
        raise violation(ERRORS, f"{what}: {body!r} is not an errors body with a code and a title")
    return body  # type: ignore[no-any-return]


@pytest.mark.requirement(
    "CF v3 API docs", "Get a job 401 (#errors, CF-NotAuthenticated 10002 / CF-InvalidAuthToken 1000)"
)
def test_without_a_token_a_job_is_401_not_authenticated(cf: Target, any_job: str) -> None:
    expect_error(get_job(cf, any_job), 401, 10002, "CF-NotAuthenticated", "a request without a token")


@pytest.mark.requirement(
    "CF v3 API docs", "Get a job 401 (#errors, CF-NotAuthenticated 10002 / CF-InvalidAuthToken 1000)"
)
@pytest.mark.parametrize("token", ["Bearer not-a-token", f"Bearer {UNKNOWN_GUID}", "bearer expired.jwt.value"])
def test_with_a_bad_token_a_job_is_401_invalid_auth_token(cf: Target, any_job: str, token: str) -> None:
    """Clients refresh their token on exactly this answer (cf-python-client, the CLI)."""
    headers = {"Authorization": token}
    expect_error(get_job(cf, any_job, headers), 401, 1000, "CF-InvalidAuthToken", "a request with an invalid token")


@pytest.mark.requirement("CF v3 API docs", "Get a job 403 (#errors, CF-NotAuthorized 10003)")
@pytest.mark.control
def test_a_token_without_the_read_scope_is_403_not_authorized(cf: Target, control: MockApp, any_job: str) -> None:
    """The token without scopes is the mock's."""
    headers = {"Authorization": f"Bearer {NO_READ_SCOPE_TOKEN}"}
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
@pytest.mark.parametrize("path", ["/v3/jobs", "/v3/no-such-resource/1", "/v3/jobs-and-more"])
def test_a_path_that_does_not_exist_gets_a_cf_error(cf: Target, auth: dict[str, str], path: str) -> None:
    response = cf.request("GET", path, headers=auth)
    expect_cf_error_body(response, f"GET {path}")
    assert response.status_code == 404, f"{ERRORS}: GET {path} answered {response.status_code}"


def _documented() -> list[tuple[str, str | None]]:
    """(status, example) for every documented response and each of its variants."""
    found: list[tuple[str, str | None]] = []
    for response in CONTRACT.responses("getJob"):
        variants = response.variants
        found += [(response.status, value) for value in variants.values] if variants else [(response.status, None)]
    return found


@pytest.mark.requirement("CF v3 API docs", "every documented response, on purpose (the mock's Prefer: code=)")
@pytest.mark.control
@pytest.mark.parametrize(("status", "example"), _documented())
def test_every_documented_answer_is_reachable_with_prefer(
    cf: Target, control: MockApp, status: str, example: str | None
) -> None:
    """The Prefer selector is a mock feature."""
    prefer = f"code={status}" + (f", example={example}" if example else "")
    response = get_job(cf, "any-job", {"Prefer": prefer})
    body = check_response("cf", "getJob", response)
    assert response.status_code == int(status)
    variants = CONTRACT.response("getJob", status).variants
    if variants and example:
        assert str(contracts.resolve_pointer(body, variants.pointer)) == example
    if status == "200":
        check_job(body)


@pytest.mark.requirement(
    "CF v3 API docs", "Get a job 502 (BadGateway: a single error object, not the #errors wrapper; NOTES.md 1)"
)
@pytest.mark.control
def test_the_502_is_a_single_error_object(cf: Target, control: MockApp, auth: dict[str, str]) -> None:
    """The seed gives the 502 body without the errors wrapper (contracts/cf/NOTES.md 1)."""
    guid = control.create_job(["PROCESSING"], faults={1: {"status": 502}})
    body = check_response("cf", "getJob", get_job(cf, guid, auth))
    assert body["code"] == 20004 and body["title"] == "CF-UaaUnavailable", body


@pytest.mark.requirement("CF v3 API docs", "Errors (#errors)")
@pytest.mark.control
def test_scripted_faults_answer_documented_errors_then_the_job_goes_on(
    cf: Target, control: MockApp, auth: dict[str, str]
) -> None:
    guid = control.create_job(["PROCESSING"], faults={2: {"status": 503}, 3: {"status": 500}})
    statuses = []
    for _ in range(4):
        response = get_job(cf, guid, auth)
        check_response("cf", "getJob", response)
        statuses.append(response.status_code)
    assert statuses == [200, 503, 500, 200]
