"""Part 1 around the job, on any server: the landing page and its links, the API definition it points at,
a conformance declaration that only declares what is served, the process list and the description of
--ogc-process, an unknown process, and the execution mode a request without `Prefer` gets."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import pytest
import requests

from jobcontract.suites.common import Target, check_response, not_verified, require
from jobcontract.suites.ogc.jobs import json_object
from jobcontract.suites.ogc.links import (
    API_DEFINITION_RELS,
    CONFORMANCE_RELS,
    PROCESSES_RELS,
    absolute,
    accept_for,
    link_to,
    links_of,
)
from jobcontract.suites.ogc.provider import CORE_CLASS, HTML_CLASS, JOB_LIST_CLASS, JSON_CLASS, process_and_inputs
from jobcontract.suites.options import option_value

LANDING = "OGC 18-062r2 /req/core/landingpage-success"
API_DEFINITION = "OGC 18-062r2 /req/core/api-definition-success"
CONFORMANCE = "OGC 18-062r2 /req/core/conformance-success"
PROCESS_LIST = "OGC 18-062r2 /req/core/process-list-success"
PROCESS = "OGC 18-062r2 /req/core/process-success"
NO_SUCH_PROCESS = "OGC 18-062r2 /req/core/process-exception/no-such-process"
NO_SUCH_PROCESS_TYPE = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-process"
DEFAULT_MODE = "OGC 18-062r2 /req/core/process-execute-default-execution-mode"
# what a server declaring a class must answer: (path, Accept) each answering 200 in that media type
SERVED_BY_CLASS = {
    CORE_CLASS: [("/", "application/json"), ("/processes", "application/json"), ("/conformance", "application/json")],
    JSON_CLASS: [("/", "application/json"), ("/processes", "application/json")],
    HTML_CLASS: [("/", "text/html"), ("/processes", "text/html"), ("/conformance", "text/html")],
    JOB_LIST_CLASS: [("/jobs", "application/json")],
}


@pytest.fixture(scope="session")
def landing_page(ogc: Target) -> requests.Response:
    return ogc.request("GET", "/", headers={"Accept": "application/json"})


def media_type_of(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


def process_path(process: str) -> str:
    return f"/processes/{quote(process, safe='')}"


@pytest.mark.requirement("OGC 18-062r2", "/req/core/landingpage-success")
def test_the_landing_page_links_the_api_definition_conformance_and_processes(landing_page: requests.Response) -> None:
    body = check_response("ogc", "getLandingPage", landing_page)
    require(landing_page.status_code == 200, LANDING, f"GET / got {landing_page.status_code}", response=landing_page)
    for what, rels in (("the API definition", API_DEFINITION_RELS), ("/conformance", CONFORMANCE_RELS)):
        require(
            link_to(landing_page, body, rels) is not None,
            LANDING,
            f"the landing page has no link to {what} (rel {' or '.join(rels)})",
            operation="getLandingPage",
            response=landing_page,
        )
    require(
        link_to(landing_page, body, PROCESSES_RELS) is not None,
        LANDING,
        f"the landing page has no link to /processes (rel {PROCESSES_RELS[0]})",
        operation="getLandingPage",
        response=landing_page,
    )


@pytest.mark.requirement("OGC 18-062r2", "/req/core/landingpage-success")
def test_every_link_of_the_landing_page_resolves(ogc: Target, landing_page: requests.Response) -> None:
    """Each link, asked for in the media type it names, answers 200 (it points at a resource of the API)."""
    links = links_of(json_object(landing_page))
    require(links, LANDING, "the landing page has no links", operation="getLandingPage", response=landing_page)
    for link in links:
        href = absolute(landing_page, link["href"])
        answer = ogc.session.get(href, headers={"Accept": accept_for(link)}, timeout=30)
        require(
            answer.status_code == 200,
            LANDING,
            f"the landing page's link rel={link.get('rel')!r} to {href} answers {answer.status_code}",
            response=answer,
        )


@pytest.mark.requirement("OGC 18-062r2", "/req/core/api-definition-success")
def test_the_api_definition_answers(ogc: Target, landing_page: requests.Response) -> None:
    link = link_to(landing_page, json_object(landing_page), API_DEFINITION_RELS)
    if link is None:
        not_verified("the landing page links no API definition (the landing page test reports it)")
    answer = ogc.session.get(link["href"], headers={"Accept": accept_for(link)}, timeout=30)
    require(answer.status_code == 200, API_DEFINITION, f"GET {link['href']} got {answer.status_code}", response=answer)
    if link.get("rel") == "service-desc" and media_type_of(answer).endswith("json"):
        body = json_object(answer) or {}
        require(
            all(member in body for member in ("openapi", "info", "paths")),
            API_DEFINITION,
            f"the service-desc {link['href']} is not an OpenAPI document (members {sorted(body)[:8]})",
            operation="getAPI",
            response=answer,
        )


@pytest.mark.requirement("OGC 18-062r2", "/req/core/conformance-success")
def test_every_declared_class_is_served(ogc: Target, conformance: set[str] | None) -> None:
    """A class in /conformance is one the server implements: its resources answer, in its media type (the
    dismiss class is checked by the dismiss tests)."""
    require(conformance is not None, CONFORMANCE, "GET /conformance gave no conformance declaration")
    assert conformance is not None
    for declared, probes in SERVED_BY_CLASS.items():
        if declared not in conformance:
            continue
        for path, accept in probes:
            answer = ogc.request("GET", path, headers={"Accept": accept})
            require(
                answer.status_code == 200 and media_type_of(answer) == accept,
                CONFORMANCE,
                f"{declared} is declared, but GET {path} (Accept: {accept}) answers {answer.status_code}"
                f" in {media_type_of(answer) or '(no Content-Type)'}",
                response=answer,
            )


@pytest.mark.requirement("OGC 18-062r2", "/req/core/process-list-success")
def test_the_process_list_names_the_process(ogc: Target, pytestconfig: pytest.Config) -> None:
    answer = ogc.request("GET", "/processes", headers={"Accept": "application/json"})
    body = check_response("ogc", "getProcesses", answer)
    require(answer.status_code == 200, PROCESS_LIST, f"GET /processes got {answer.status_code}", response=answer)
    listed = {str(summary.get("id")) for summary in body.get("processes", []) if isinstance(summary, dict)}
    wanted = [process_and_inputs(pytestconfig)[0]]
    failing = option_value(pytestconfig, "ogc_failing_process")
    if failing:
        wanted.append(str(failing))
    for process in wanted:
        require(
            process in listed,
            PROCESS_LIST,
            f"the process {process!r} can be executed but /processes lists {sorted(listed)}",
            operation="getProcesses",
            response=answer,
        )


def describe(ogc: Target, process: str) -> tuple[requests.Response, dict[str, Any]]:
    answer = ogc.request("GET", process_path(process), headers={"Accept": "application/json"})
    return answer, json_object(answer) or {}


@pytest.mark.requirement("OGC 18-062r2", "/req/core/process-success")
def test_the_process_is_described(ogc: Target, pytestconfig: pytest.Config) -> None:
    process = process_and_inputs(pytestconfig)[0]
    answer = ogc.request("GET", process_path(process), headers={"Accept": "application/json"})
    if answer.status_code == 404:
        not_verified(f"the server has no process {process!r}", "ogc_process", "ogc_inputs")
    body = check_response("ogc", "getProcessDescription", answer)
    require(answer.status_code == 200, PROCESS, f"got {answer.status_code}", response=answer)
    require(
        body.get("id") == process,
        PROCESS,
        f"GET {process_path(process)} describes the process {body.get('id')!r}",
        operation="getProcessDescription",
        response=answer,
    )


@pytest.mark.requirement("OGC 18-062r2", "/req/core/process-exception/no-such-process")
def test_an_unknown_process_is_404_no_such_process(ogc: Target) -> None:
    answer = ogc.request("GET", f"/processes/invalid-process-{uuid.uuid4()}", headers={"Accept": "application/json"})
    body = check_response("ogc", "getProcessDescription", answer)
    require(answer.status_code == 404, NO_SUCH_PROCESS, f"got {answer.status_code}", response=answer)
    require(
        body.get("type") == NO_SUCH_PROCESS_TYPE,
        NO_SUCH_PROCESS,
        f"type is {body.get('type')!r}",
        operation="getProcessDescription",
        response=answer,
    )


@pytest.mark.requirement("OGC 18-062r2", "/req/core/process-execute-default-execution-mode")
def test_without_prefer_the_process_runs_in_its_default_mode(ogc: Target, pytestconfig: pytest.Config) -> None:
    """Synchronously (200, the results) if the process can run so, else asynchronously (201 and a job)."""
    process, inputs = process_and_inputs(pytestconfig)
    _, description = describe(ogc, process)
    options = description.get("jobControlOptions")
    if not isinstance(options, list) or not ({"sync-execute", "async-execute"} & set(options)):
        not_verified(f"the description of {process!r} lists no execution mode (jobControlOptions)", "ogc_process")
    expected = 200 if "sync-execute" in options else 201
    answer = ogc.request(
        "POST", f"{process_path(process)}/execution", json={"inputs": inputs}, headers={"Accept": "application/json"}
    )
    check_response("ogc", "execute", answer)
    require(
        answer.status_code == expected,
        DEFAULT_MODE,
        f"{process!r} has jobControlOptions {options}; executed without Prefer it answered {answer.status_code},"
        f" not {expected} ({'synchronous' if expected == 200 else 'asynchronous'})",
        operation="execute",
        response=answer,
    )
