"""Errors as documented: an unknown job is 404 no-such-job, every documented status code is
reachable on the mock, scripted faults answer documented bodies, bad input gets a documented error."""

from __future__ import annotations

import pytest

from suites.common import Target, check_response, documented_responses

NO_SUCH_JOB = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-job"
REQUIREMENT = "OGC 18-062r2 /req/core/job-exception-no-such-job"


@pytest.mark.requirement("OGC 18-062r2", "/req/core/job-exception-no-such-job")
@pytest.mark.parametrize(("method", "operation_id"), [("GET", "getStatus"), ("DELETE", "dismiss")])
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_an_unknown_job_is_404_no_such_job(
    ogc: Target, unknown_job_id: str, method: str, operation_id: str, accept: str
) -> None:
    response = ogc.request(method, f"/jobs/{unknown_job_id}", headers={"Accept": accept})
    body = check_response("ogc", operation_id, response)
    assert response.status_code == 404, f"{REQUIREMENT}: {method} of an unknown job got {response.status_code}"
    if isinstance(body, dict):
        assert body["type"] == NO_SUCH_JOB, f"{REQUIREMENT}: type is {body['type']!r}"


@pytest.mark.requirement("OGC 18-062r2", "every documented response, on purpose (the mock's Prefer: code=)")
@pytest.mark.control
@pytest.mark.parametrize(("operation_id", "method", "path", "status"), documented_responses("ogc"))
def test_every_documented_status_is_reachable_with_prefer(
    ogc: Target, operation_id: str, method: str, path: str, status: str
) -> None:
    ogc.control  # noqa: B018 - the Prefer selector is a mock feature
    url = path.replace("{jobId}", "some-job").replace("{processId}", "echo")
    response = ogc.request(method, url, headers={"Prefer": f"code={status}"}, json={} if method == "POST" else None)
    check_response("ogc", operation_id, response)
    assert response.status_code == int(status)


@pytest.mark.requirement("OGC 18-062r2", "every documented example, on purpose (the mock's Prefer: example=)")
@pytest.mark.control
@pytest.mark.parametrize("state", ["accepted", "running", "successful", "failed", "dismissed"])
def test_prefer_selects_each_documented_example(ogc: Target, state: str) -> None:
    ogc.control  # noqa: B018
    response = ogc.request("GET", "/jobs/any", headers={"Prefer": f"code=200, example={state}"})
    assert check_response("ogc", "getStatus", response)["status"] == state


@pytest.mark.requirement("OGC 18-062r2", "/per/core/additional-status-codes")
@pytest.mark.control
def test_a_scripted_fault_answers_a_documented_500_then_the_job_goes_on(ogc: Target) -> None:
    app = ogc.control
    job_id = app.create_job(["running"], faults={2: {"status": 500}})
    statuses = []
    for _ in range(3):
        response = ogc.request("GET", f"/jobs/{job_id}")
        check_response("ogc", "getStatus", response)
        statuses.append(response.status_code)
    assert statuses == [200, 500, 200]


@pytest.mark.requirement("OGC 18-062r2", "/per/core/additional-status-codes")
@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"{not json", "application/json"), (b"[1, 2]", "application/json"), (b'{"inputs": 7}', "application/json")],
)
def test_a_malformed_execute_request_gets_a_documented_error(
    ogc: Target, pytestconfig: pytest.Config, body: bytes, content_type: str
) -> None:
    from conftest import option_value

    process = option_value(pytestconfig, "ogc_process")
    response = ogc.request("POST", f"/processes/{process}/execution", data=body, headers={"Content-Type": content_type})
    check_response("ogc", "execute", response)
    assert 400 <= response.status_code < 500, f"a malformed execute request got {response.status_code}"
