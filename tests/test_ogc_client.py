"""The real generated OGC client (PyPI ogc-api-processes-client) walks the OGC mock through its whole
workflow: landing page, conformance, processes and a description, execute synchronously (200 and the
results) and asynchronously (201 and a job), status polls to the end, the results, the job list, dismiss;
and the failing process's job to its exception. Against the pytest fixture (clock moved in Python) and
against `jobcontract serve` (clock moved over the HTTP control API). The client is built on urllib3,
so there is no in-process (`responses`) run for it; OWSLib has one (tests/test_ogc_owslib.py).

The client's `Execute` model rejects a plain string input (its oneOf of InlineOrRefData matches none), so
the workflow sends `message` as a list of strings, which the echo process's description allows."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests
from ogc_api_processes_client import ApiClient, Configuration, DismissApi, StatusApi
from ogc_api_processes_client.api_client_wrapper import ApiClientWrapper
from ogc_api_processes_client.exceptions import ApiException, NotFoundException, ServiceException
from ogc_api_processes_client.models.execute import Execute
from ogc_api_processes_client.models.status_code import StatusCode
from ogc_api_processes_client.models.status_info import StatusInfo
from serving import served

from jobcontract.mocks import MockServer

OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0"
INPUTS = {"message": ["hello"]}
TERMINAL = (StatusCode.SUCCESSFUL, StatusCode.FAILED)


@pytest.fixture
def client(ogc_mock: MockServer) -> Iterator[ApiClient]:
    with ApiClient(Configuration(host=ogc_mock.url)) as api_client:
        yield api_client


def run_to_end(wrapper: ApiClientWrapper, job_id: str, advance: Callable[[float], None]) -> list[StatusInfo]:
    seen = [wrapper.get_status(job_id)]
    while seen[-1].status not in TERMINAL and len(seen) < 50:
        advance(1)  # the clock moves instead of the test sleeping
        seen.append(wrapper.get_status(job_id))
    return seen


def walk_the_workflow(url: str, advance: Callable[[float], None]) -> None:
    """Every call a client of OGC API - Processes makes around a job, each answer checked."""
    wrapper = ApiClientWrapper(Configuration(host=url))
    landing = wrapper.get_landing_page()
    rels = {link.rel: link.href for link in landing.links}
    assert rels["service-desc"] == f"{url}/api" and rels[f"{OGC_REL}/processes"] == f"{url}/processes"
    assert rels[f"{OGC_REL}/job-list"] == f"{url}/jobs"
    conformance = wrapper.get_conformance_classes().conforms_to
    assert "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/job-list" in conformance
    assert [summary.id for summary in wrapper.get_processes().processes] == ["echo", "fail"]
    echo = wrapper.get_process_description("echo")
    assert [option.value for option in echo.job_control_options] == ["sync-execute", "async-execute", "dismiss"]
    assert "message" in echo.inputs

    sync = wrapper.execute("echo", Execute.from_dict({"inputs": INPUTS}))  # no Prefer: synchronous
    assert sync.actual_instance == INPUTS

    created = wrapper.execute("echo", Execute.from_dict({"inputs": INPUTS}), _headers={"Prefer": "respond-async"})
    assert isinstance(created, StatusInfo) and created.status == StatusCode.ACCEPTED
    with pytest.raises(NotFoundException) as not_ready:
        wrapper.get_result(created.job_id)
    assert "result-not-ready" in str(not_ready.value.body)
    seen = run_to_end(wrapper, created.job_id, advance)
    assert [info.status for info in seen][-1] == StatusCode.SUCCESSFUL and seen[0].status == StatusCode.ACCEPTED
    final = seen[-1]
    assert final.process_id == "echo" and final.created <= final.started <= final.finished
    assert {link.rel for link in final.links} == {"self", f"{OGC_REL}/results"}
    results = wrapper.get_result(created.job_id)
    assert results["message"].actual_instance.actual_instance == ["hello"]
    assert wrapper.get_result_simple(created.job_id)["message"].actual_instance.actual_instance == ["hello"]
    assert created.job_id in [info.job_id for info in wrapper.get_jobs().jobs]

    dismissed = wrapper.dismiss(created.job_id)
    assert dismissed.status == StatusCode.DISMISSED and dismissed.links[0].href == f"{url}/jobs"
    with pytest.raises(NotFoundException) as gone:
        wrapper.get_status(created.job_id)
    assert "no-such-job" in str(gone.value.body)
    assert created.job_id not in [info.job_id for info in wrapper.get_jobs().jobs]

    failing = wrapper.execute("fail", Execute.from_dict({"inputs": {}}))  # async only: a job even without Prefer
    assert isinstance(failing, StatusInfo)
    assert run_to_end(wrapper, failing.job_id, advance)[-1].status == StatusCode.FAILED
    with pytest.raises(ApiException) as failure:
        wrapper.get_result(failing.job_id)
    assert failure.value.status == 409 and "invalid-parameter-value" in str(failure.value.body)


def test_the_client_walks_the_whole_workflow_on_the_fixture(ogc_mock: MockServer) -> None:
    walk_the_workflow(ogc_mock.url, ogc_mock.app.advance)


def test_the_client_walks_the_whole_workflow_on_serve() -> None:
    with served("ogc") as serving:

        def advance(seconds: float) -> None:
            requests.post(f"{serving.control}/clock", json={"advance": seconds}, timeout=10).raise_for_status()

        walk_the_workflow(serving.url, advance)


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
