"""Errors as documented: an unknown job is 404 no-such-job (DELETE too, when the server declares dismiss),
and a malformed execute request gets a documented client error."""

from __future__ import annotations

import pytest

from jobcontract.suites.common import Target, check_response, require
from jobcontract.suites.ogc.jobs import job_path, json_object
from jobcontract.suites.ogc.provider import DISMISS_CLASS, require_class
from jobcontract.suites.options import option_value

NO_SUCH_JOB = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-job"
REQUIREMENT = "OGC 18-062r2 /req/core/job-exception-no-such-job"


@pytest.mark.requirement("OGC 18-062r2", "/req/core/job-exception-no-such-job")
@pytest.mark.parametrize(("method", "operation_id"), [("GET", "getStatus"), ("DELETE", "dismiss")])
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_an_unknown_job_is_404_no_such_job(
    ogc: Target, conformance: set[str] | None, unknown_job_id: str, method: str, operation_id: str, accept: str
) -> None:
    if method == "DELETE":
        require_class(conformance, DISMISS_CLASS)
    response = ogc.request(method, job_path(unknown_job_id), headers={"Accept": accept})
    check_response("ogc", operation_id, response)
    require(
        response.status_code == 404,
        REQUIREMENT,
        f"{method} of an unknown job got {response.status_code}",
        operation=operation_id,
        response=response,
    )
    body = json_object(response)
    if body is not None:
        require(body.get("type") == NO_SUCH_JOB, REQUIREMENT, f"type is {body.get('type')!r}", response=response)


@pytest.mark.requirement("OGC 18-062r2", "/per/core/additional-status-codes")
@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"{not json", "application/json"), (b"[1, 2]", "application/json"), (b'{"inputs": 7}', "application/json")],
)
def test_a_malformed_execute_request_gets_a_documented_error(
    ogc: Target, pytestconfig: pytest.Config, body: bytes, content_type: str
) -> None:
    process = option_value(pytestconfig, "ogc_process")
    response = ogc.request("POST", f"/processes/{process}/execution", data=body, headers={"Content-Type": content_type})
    check_response("ogc", "execute", response)
    require(
        400 <= response.status_code < 500,
        "OGC 18-062r2 /per/core/additional-status-codes",
        f"a malformed execute request got {response.status_code}",
        operation="execute",
        response=response,
    )
