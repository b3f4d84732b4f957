"""Every operation of contracts/clc/openapi.yaml answers as documented: Schemathesis generates the
requests (login bodies in JSON and form encoding, account aliases, status ids) and checks status
codes, content types and bodies; the caller is logged in and sends its bearer token."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from jobcontract import contracts
from jobcontract.suites.clc.provider import Login
from jobcontract.suites.common import Target, call_and_validate, require

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
        require(
            response.status_code in (200, 404),
            GET_STATUS,
            f"{case.path_parameters.get('statusId')!r} in the caller's account answered {response.status_code}",
            response=response,
        )
