"""One control API for every mock (Import/Export's on moto's server too), driven over HTTP by one small
client (mocks/control.py): a served mock is driven exactly like an embedded one, and what the control API
refuses raises ControlError with its message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from serving import Serving, served

from jobcontract.mocks.control import Control, ControlError

# per API: a script, the URL path of a job's poll, and headers a poll needs
POLLS = {
    "ogc": (["accepted", "successful"], "/jobs/{id}", {}),
    "cf": (["PROCESSING", "COMPLETE"], "/v3/jobs/{id}", {"Authorization": "Bearer jobcontract-cf-token"}),
}


# per API: a state a job starts in, and a later one
STEPS = {
    "ogc": ("accepted", "successful"),
    "cf": ("PROCESSING", "COMPLETE"),
    "clc": ("executing", "succeeded"),
    "importexport": ("NotReceived/Pending", "AtAWS/InProgress"),
}


@pytest.fixture(scope="module", params=sorted(STEPS))
def mock(request: pytest.FixtureRequest) -> Iterator[tuple[str, Serving]]:
    with served(request.param) as serving:
        yield request.param, serving


def test_the_client_drives_a_served_mock(mock: tuple[str, Serving]) -> None:
    api, serving = mock
    control = Control(serving.control)
    assert control.describe()["api"] == api
    first, later = STEPS[api]
    assert {first, later} <= set(control.describe()["states"])
    job_id = control.create_job([{"state": first, "seconds": 60}, later], faults={2: {"delay": 0}})
    assert job_id in control.jobs()
    assert control.job(job_id)["state"] == first
    assert control.advance(61) >= 61
    assert control.job(job_id)["state"] == later
    assert control.inject_fault(job_id, {"delay": 0}) >= 1
    control.reset()
    assert control.jobs() == []


def test_the_base_url_and_the_control_url_are_the_same_client(mock: tuple[str, Serving]) -> None:
    _, serving = mock
    assert Control(serving.url).url == Control(serving.control).url == serving.control


@pytest.mark.parametrize("api", sorted(POLLS))
def test_the_journal_shows_what_clients_sent(api: str) -> None:
    script, path, headers = POLLS[api]
    with served(api) as serving:
        control = Control(serving.url)
        job_id = control.create_job(script)
        requests.get(serving.url + path.format(id=job_id), headers=headers, timeout=10)
        journal = control.journal()
    assert any(path.format(id=job_id) in str(entry) for entry in journal), journal


def test_a_refusal_raises_with_the_mocks_message(mock: tuple[str, Serving]) -> None:
    _, serving = mock
    control = Control(serving.url)
    with pytest.raises(ControlError) as bad_script:
        control.create_job(["no-such-state"])
    assert bad_script.value.status == 400 and "no-such-state" in bad_script.value.message
    with pytest.raises(ControlError) as unknown:
        control.job("no-such-job")
    assert unknown.value.status == 404 and "no-such-job" in unknown.value.message
