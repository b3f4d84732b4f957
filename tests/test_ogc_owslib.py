"""OWSLib (`owslib.ogcapi.processes.Processes`, the OGC API client of the Python geospatial stack) against the
OGC mock, in-process (`MockApp.intercept`, OWSLib is built on requests) and against `jobcontract serve`:
the landing page, `api()` through its `service-desc` link, conformance, `processes()`, `process("echo")`,
`execute` synchronously (OWSLib sends `Prefer: respond-sync`: 200 and the results) and asynchronously
(201, the job's statusInfo, `Location` in `response_headers`). OWSLib has no job-status, results or dismiss
calls: the job is then followed from its `Location` and links with requests, as an OWSLib user would."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import owslib.ogcapi
import pytest
import requests
from owslib.ogcapi.processes import Processes
from serving import served

from jobcontract import contracts
from jobcontract.mocks import MockServer, make_app

OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0"
IN_PROCESS = "http://ogc.jobcontract.invalid"


@pytest.fixture(autouse=True)
def owslib_headers() -> Iterator[None]:
    """OWSLib keeps the Prefer header of its last execute in a module-wide dict: give it back afterwards."""
    before = dict(owslib.ogcapi.REQUEST_HEADERS)
    yield
    owslib.ogcapi.REQUEST_HEADERS.clear()
    owslib.ogcapi.REQUEST_HEADERS.update(before)


def walk_with_owslib(url: str, advance: Callable[[float], None]) -> None:
    processes = Processes(url)
    assert {link["rel"] for link in processes.links} >= {"service-desc", f"{OGC_REL}/processes", f"{OGC_REL}/job-list"}
    definition = processes.api()
    assert definition["paths"].keys() == contracts.load("ogc").document["paths"].keys()
    assert "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core" in processes.conformance()["conformsTo"]
    assert [process["id"] for process in processes.processes()] == ["echo", "fail"]
    echo = processes.process("echo")
    assert echo["id"] == "echo" and "sync-execute" in echo["jobControlOptions"] and "message" in echo["inputs"]

    assert processes.execute("echo", {"message": "hello"}) == {"message": "hello"}  # Prefer: respond-sync

    status = processes.execute("echo", {"message": "hello"}, async_=True)
    location = processes.response_headers["Location"]
    assert status["status"] == "accepted" and location == f"{url}/jobs/{status['jobID']}"
    while status["status"] not in ("successful", "failed"):
        advance(1)
        status = requests.get(location, timeout=10).json()
    assert status["status"] == "successful"
    results = next(link["href"] for link in status["links"] if link["rel"] == f"{OGC_REL}/results")
    assert requests.get(results, timeout=10).json() == {"message": "hello"}


def test_owslib_walks_the_mock_in_process() -> None:
    app = make_app("ogc")
    with app.intercept(IN_PROCESS):
        walk_with_owslib(IN_PROCESS, app.advance)


def test_owslib_walks_the_served_mock() -> None:
    with served("ogc") as serving:

        def advance(seconds: float) -> None:
            requests.post(f"{serving.control}/clock", json={"advance": seconds}, timeout=10).raise_for_status()

        walk_with_owslib(serving.url, advance)


def test_owslib_reports_an_unknown_process(ogc_mock: MockServer) -> None:
    processes = Processes(ogc_mock.url)
    with pytest.raises(RuntimeError, match="no-such-process"):
        processes.process("nope")
