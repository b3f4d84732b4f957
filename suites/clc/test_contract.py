"""Every operation of contracts/clc/openapi.yaml answers as documented: Schemathesis generates the
requests (login bodies in JSON and form encoding, account aliases, status ids) and checks status
codes, content types and bodies; the caller is logged in and sends its bearer token."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

import contracts
from suites.clc.conftest import Login, status_path
from suites.common import Target, call_and_validate, check_response

# Login answers schema-valid but wrong credentials with its documented 400 (Authentication/login.md),
# so for login a 400 is an acceptance of the data's shape, not a rejection of it.
CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            {
                "include-operation-id": "login",
                "checks": {"positive_data_acceptance": {"expected-statuses": ["200", "400"]}},
            }
        ]
    }
)
# Loaded at import; the base URL (embedded mock or --clc-url) is given per call by the target.
schema = schemathesis.openapi.from_path(contracts.load("clc").openapi_path, config=CONFIG)
# Loaded apart: Schemathesis 4.32 drops include() filters on a schema whose config has "operations".
status_schema = schemathesis.openapi.from_path(contracts.load("clc").openapi_path).include(operation_id="getStatus")
GET_STATUS = "CLC API v2 Get Status, Response (Entity Definition)"
WIRE_STATES = ("notStarted", "executing", "succeeded", "failed", "resumed", "unknown")


@pytest.mark.requirement("CLC API v2", "Get Status and Login answer as documented (Schemathesis)")
@schema.parametrize()
@settings(max_examples=25, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers(case: schemathesis.Case, clc: Target, login: Login) -> None:
    call_and_validate(case, "clc", clc, headers=login.headers)


@pytest.mark.requirement("CLC API v2", "Get Status, Response (Entity Definition)")
@status_schema.parametrize()
@settings(max_examples=25, suppress_health_check=list(HealthCheck))
def test_generated_status_ids_in_the_callers_account(case: schemathesis.Case, clc: Target, login: Login) -> None:
    """With the caller's own alias the answer to a well-formed request is about the status id: its
    status, or 404. (Schemathesis' negative cases, e.g. without the token, are checked by the contract.)"""
    case.path_parameters = {**(case.path_parameters or {}), "accountAlias": login.account_alias}
    response = call_and_validate(case, "clc", clc, headers=login.headers)
    if case.meta is None or not case.meta.generation.mode.is_negative:
        assert response.status_code in (200, 404), (
            f"{GET_STATUS}: {case.path_parameters.get('statusId')!r} in the caller's account answered"
            f" {response.status_code}"
        )


@pytest.mark.requirement("CLC API v2", "Get Status, Response (Entity Definition)")
def test_named_status_ids_answer_as_documented(clc: Target, login: Login, status_ids: list[str]) -> None:
    if not status_ids:
        pytest.skip("no --clc-status-id given: the mock's jobs are checked by test_a_job_in_each_state_answers")
    for status_id in status_ids:
        response = clc.request("GET", status_path(login.account_alias, status_id), headers=login.headers)
        body = check_response("clc", "getStatus", response)
        assert response.status_code == 200, f"{GET_STATUS}: {status_id} answered {response.status_code}"
        assert body["status"] in WIRE_STATES


# a script that reaches each documented state; `resumed` needs a pause first (mocks/clc.py)
REACH = {state: [state] for state in ("notStarted", "executing", "succeeded", "failed", "unknown")}
REACH["resumed"] = [{"state": "executing", "polls": 1}, {"state": "paused", "polls": 1}, "resumed"]


@pytest.mark.requirement("CLC API v2", "Get Status, Response (Entity Definition)")
@pytest.mark.control
@pytest.mark.parametrize("state", WIRE_STATES)
def test_a_job_in_each_state_answers_as_documented(clc: Target, login: Login, state: str) -> None:
    job_id = clc.control.create_job(REACH[state], accountAlias=login.account_alias)
    for _ in REACH[state]:
        response = clc.request("GET", status_path(login.account_alias, job_id), headers=login.headers)
        body = check_response("clc", "getStatus", response)
    assert (response.status_code, body["status"]) == (200, state)


@pytest.mark.requirement("CLC API v2", "Get Status, Response (Entity Definition)")
@pytest.mark.control
def test_a_queued_power_operation_links_to_its_status(clc: Target, login: Login) -> None:
    """The mock's power operation (APIDocs Power Operations/power-on-server.md) hands out status links
    that Get Status answers, as clc-sdk's Requests reads them. Mock only: on a real server it would
    power servers on."""
    clc.control  # noqa: B018
    servers = ["WA1ALIASWB01", "WA1ALIASWB02"]
    response = clc.request(
        "POST", f"/v2/operations/{login.account_alias}/servers/powerOn", json=servers, headers=login.headers
    )
    assert response.status_code == 202, response.text
    queued = response.json()
    assert [entity["server"] for entity in queued] == servers
    for entity in queued:
        assert entity["isQueued"] is True
        (link,) = [link for link in entity["links"] if link["rel"] == "status"]
        assert link["href"] == status_path(login.account_alias, link["id"])
        answer = clc.request("GET", link["href"], headers=login.headers)
        assert check_response("clc", "getStatus", answer) == {"status": "notStarted"}
    assert len({entity["links"][0]["id"] for entity in queued}) == len(servers), "each server gets its own job"
