"""The real generated OGC client (PyPI ogc-api-processes-client) drives the OGC mock through a
whole job life: execute asynchronously, poll with StatusApi, dismiss with DismissApi."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from ogc_api_processes_client import ApiClient, Configuration, DismissApi, StatusApi
from ogc_api_processes_client.exceptions import NotFoundException, ServiceException
from ogc_api_processes_client.models.status_code import StatusCode

from mocks import MockServer


@pytest.fixture
def client(ogc_mock: MockServer) -> Iterator[ApiClient]:
    with ApiClient(Configuration(host=ogc_mock.url)) as api_client:
        yield api_client


def test_a_job_lives_its_whole_life_through_the_client(ogc_mock: MockServer, client: ApiClient) -> None:
    created = requests.post(
        f"{ogc_mock.url}/processes/echo/execution",
        json={"inputs": {"message": "hello"}},
        headers={"Prefer": "respond-async"},
        timeout=10,
    )
    assert created.status_code == 201
    job_id = created.json()["jobID"]
    status = StatusApi(client)
    seen = [status.get_status(job_id)]
    while seen[-1].status not in (StatusCode.SUCCESSFUL, StatusCode.FAILED):
        ogc_mock.app.advance(1)  # the clock moves instead of the test sleeping
        seen.append(status.get_status(job_id))
    order = [StatusCode.ACCEPTED, StatusCode.RUNNING, StatusCode.SUCCESSFUL]
    states = [info.status for info in seen]
    assert states == sorted(states, key=order.index) and set(states) == set(order), states
    final = seen[-1]
    assert final.progress == 100
    assert final.created <= final.started <= final.finished
    assert final.process_id == "echo" and final.job_id == job_id

    dismissed = DismissApi(client).dismiss(job_id)
    assert dismissed.status == StatusCode.DISMISSED and dismissed.job_id == job_id
    with pytest.raises(NotFoundException) as gone:
        status.get_status(job_id)
    assert "no-such-job" in str(gone.value.body)


def test_the_client_sees_a_failed_job_and_a_scripted_server_error(ogc_mock: MockServer, client: ApiClient) -> None:
    job_id = ogc_mock.app.create_job(
        [{"state": "running", "polls": 2}, "failed"], faults={2: {"status": 500}}, processID="echo"
    )
    status = StatusApi(client)
    assert status.get_status(job_id).status == StatusCode.RUNNING
    with pytest.raises(ServiceException) as scripted:
        status.get_status(job_id)
    assert scripted.value.status == 500
    assert status.get_status(job_id).status == StatusCode.FAILED


def test_dismissing_an_unknown_job_is_not_found(client: ApiClient) -> None:
    with pytest.raises(NotFoundException):
        DismissApi(client).dismiss("invalid-job-1")
