"""What is not there: a status id the account's queue never issued answers 404 (contracts/clc/NOTES.md,
"Unknown status id"), and the status id asked for is the one answered: an id that merely begins with a
named one is another id, not found."""

from __future__ import annotations

import pytest

from jobcontract.suites.clc.provider import Login, status_path
from jobcontract.suites.common import Target, check_response, require

NOT_FOUND = "CLC API v2 Overview, HTTP code 404 NOT FOUND"


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 404 NOT FOUND")
def test_an_unknown_status_id_is_404(clc: Target, login: Login, unknown_status_id: str) -> None:
    response = clc.request("GET", status_path(login.account_alias, unknown_status_id), headers=login.headers)
    check_response("clc", "getStatus", response)
    require(
        response.status_code == 404,
        NOT_FOUND,
        f"an unknown status id answered {response.status_code}",
        response=response,
    )


@pytest.mark.requirement("CLC API v2", "Overview, HTTP code 404 NOT FOUND")
def test_only_the_status_id_asked_for_is_answered(clc: Target, login: Login, status_ids: list[str]) -> None:
    """`{statusId}` is the "ID of the job to query": a longer id that starts with a real one names no job."""
    for status_id in status_ids:
        longer = f"{status_id}-jobcontract-absent"
        response = clc.request("GET", status_path(login.account_alias, longer), headers=login.headers)
        check_response("clc", "getStatus", response)
        require(
            response.status_code == 404,
            NOT_FOUND,
            f"the status id {longer!r}, which no queue issued, answered {response.status_code}"
            f" (it only begins with the named {status_id!r})",
            response=response,
        )
