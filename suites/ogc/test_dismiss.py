"""Dismiss (OGC 18-062r2 clause 13, /req/dismiss/*): DELETE answers 200 with status "dismissed", and
the job stops living: a later GET or DELETE shows it dismissed (200), gone (404 no-such-job) or
Gone (410, the informative text of clause 9), never alive again. See contracts/ogc/NOTES.md #6."""

from __future__ import annotations

import pytest

from suites.common import Target, check_response

SUCCESS = "OGC 18-062r2 /req/dismiss/job-dismiss-success"
AFTERWARDS = "OGC 18-062r2 clause 13 (dismiss: cancel the job and remove it from the jobs list)"

pytestmark = pytest.mark.usefixtures("requires_dismiss")


def _dismiss(ogc: Target, job_id: str) -> None:
    response = ogc.request("DELETE", f"/jobs/{job_id}", headers={"Accept": "application/json"})
    body = check_response("ogc", "dismiss", response)
    assert response.status_code == 200, f"{SUCCESS}: DELETE answered {response.status_code}"
    assert body["status"] == "dismissed" and body["jobID"] == job_id, f"{SUCCESS}: {body}"


def _after(ogc: Target, method: str, job_id: str) -> None:
    response = ogc.request(method, f"/jobs/{job_id}", headers={"Accept": "application/json"})
    if response.status_code == 410:
        return
    body = check_response("ogc", "getStatus" if method == "GET" else "dismiss", response)
    assert response.status_code in (200, 404), f"{AFTERWARDS}: {method} after dismissal got {response.status_code}"
    if response.status_code == 200:
        assert body["status"] == "dismissed", f"{AFTERWARDS}: {method} after dismissal shows {body['status']!r}"


@pytest.mark.requirement("OGC 18-062r2", "/req/dismiss/job-dismiss-success")
def test_dismissing_a_job_ends_it(ogc: Target, new_job: str) -> None:
    _dismiss(ogc, new_job)
    _after(ogc, "GET", new_job)
    _after(ogc, "DELETE", new_job)
    _after(ogc, "GET", new_job)


@pytest.mark.requirement("OGC 18-062r2", "/req/dismiss/job-dismiss-success")
@pytest.mark.control
@pytest.mark.parametrize("state", ["accepted", "running", "successful", "failed"])
def test_dismissing_in_any_state_ends_the_job(ogc: Target, state: str) -> None:
    app = ogc.control
    job_id = app.create_job([{"state": state, "polls": 1}, "successful"] if state != "successful" else ["successful"])
    _dismiss(ogc, job_id)
    app.advance(3600)
    _after(ogc, "GET", job_id)
    _after(ogc, "DELETE", job_id)
