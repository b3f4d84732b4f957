"""The Cloud Foundry mock's own features, checked against the same contract and rules as a provider: the
`Prefer: code=/example=` selector, scripted faults (the 502 the seed documents, 5xx then the job goes on),
scripted jobs and their attributes, and the clock (a job that completes, a service job polling for a week,
a job that fails after hours). These were suite tests that skipped against a real server; a provider's
report has no row for them. Any scripted life keeps every rule of suites/cf/rules.py."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from jobcontract import contracts
from jobcontract.mocks import Engine, MockApp, MockServer
from jobcontract.mocks.cf import VALID_TOKEN
from jobcontract.mocks.faulty.cf import Wrapped502
from jobcontract.suites.cf import rules
from jobcontract.suites.common import ContractViolation, check_response, lifecycle_scripts

CONTRACT = contracts.load("cf")
AUTH = {"Authorization": f"Bearer {VALID_TOKEN}"}
# A job in each state, with what a real Cloud Controller job carries in that state.
STATE_SCRIPTS: dict[str, dict[str, Any]] = {
    "PROCESSING": {"script": ["PROCESSING"], "attributes": {"operation": "app.delete"}},
    "POLLING": {
        "script": ["POLLING"],
        "attributes": {"operation": "service_instance.create", "warnings": ["the broker is slow"]},
    },
    "COMPLETE": {"script": ["COMPLETE"], "attributes": {"operation": "space.apply_manifest"}},
    "FAILED": {"script": ["FAILED"], "attributes": {"operation": "app.delete", "warnings": ["warning! warning!"]}},
}


def get_job(mock: MockServer, guid: str, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.get(f"{mock.url}/v3/jobs/{guid}", headers=headers if headers is not None else AUTH, timeout=10)


def poll(mock: MockServer, guid: str) -> rules.Poll:
    """One poll of a job: a documented 200."""
    response = get_job(mock, guid)
    check_response("cf", "getJob", response)
    assert response.status_code == 200, response.text
    return rules.Poll.of(response)


def _documented() -> list[tuple[str, str | None]]:
    """(status, example) for every documented response and each of its variants."""
    found: list[tuple[str, str | None]] = []
    for response in CONTRACT.responses("getJob"):
        variants = response.variants
        found += [(response.status, value) for value in variants.values] if variants else [(response.status, None)]
    return found


@pytest.mark.parametrize(("status", "example"), _documented())
def test_every_documented_answer_is_reachable_with_prefer(
    cf_mock: MockServer, status: str, example: str | None
) -> None:
    prefer = f"code={status}" + (f", example={example}" if example else "")
    response = get_job(cf_mock, "any-job", {"Prefer": prefer})
    body = check_response("cf", "getJob", response)
    assert response.status_code == int(status)
    variants = CONTRACT.response("getJob", status).variants
    if variants and example:
        assert str(contracts.resolve_pointer(body, variants.pointer)) == example
    if status == "200":
        poll = rules.Poll.of(response)
        rules.check_every_rule(body["guid"], [poll])


def test_a_scripted_502_is_the_seeds_single_error_object(cf_mock: MockServer) -> None:
    """The seed gives the 502 body without the errors wrapper (contracts/cf/NOTES.md 1)."""
    guid = cf_mock.app.create_job(["PROCESSING"], faults={1: {"status": 502}})
    body = check_response("cf", "getJob", get_job(cf_mock, guid))
    assert body == {"code": 20004, "title": "CF-UaaUnavailable", "detail": "The UAA service is currently unavailable"}


def test_the_wrapped_502_variant_breaks_the_contract() -> None:
    """Wrapped502 is not in the suite's EXPECTED (no provider can be made to answer 502): this check catches it."""
    with MockServer(MockApp(Wrapped502, Engine())) as wrapped:
        guid = wrapped.app.create_job(["PROCESSING"], faults={1: {"status": 502}})
        with pytest.raises(ContractViolation, match=r"Get a job 502 \(BadGateway: a single error object"):
            check_response("cf", "getJob", get_job(wrapped, guid))


def test_scripted_faults_answer_documented_errors_then_the_job_goes_on(cf_mock: MockServer) -> None:
    guid = cf_mock.app.create_job(["PROCESSING"], faults={2: {"status": 503}, 3: {"status": 500}})
    statuses = []
    for _ in range(4):
        response = get_job(cf_mock, guid)
        check_response("cf", "getJob", response)
        statuses.append(response.status_code)
    assert statuses == [200, 503, 500, 200]


@pytest.mark.parametrize("state", list(STATE_SCRIPTS))
def test_a_scripted_job_shows_its_state_and_attributes(cf_mock: MockServer, state: str) -> None:
    scripted = STATE_SCRIPTS[state]
    guid = cf_mock.app.create_job(scripted["script"], **scripted["attributes"])
    answer = poll(cf_mock, guid)
    body = answer.body
    assert body is not None and body["state"] == state
    rules.check_every_rule(guid, [answer])
    assert body["operation"] == scripted["attributes"]["operation"]
    assert [w["detail"] for w in body["warnings"]] == scripted["attributes"].get("warnings", [])
    if state == "FAILED":
        assert body["errors"] == [{"code": 10008, "title": "CF-UnprocessableEntity", "detail": "something went wrong"}]
    if state in ("PROCESSING", "FAILED"):  # the app still exists, so the job links to it
        assert set(body["links"]) == {"self", "app"}, body["links"]


def test_the_default_job_goes_from_processing_to_complete(cf_mock: MockServer) -> None:
    app = cf_mock.app
    guid = app.create_job()
    polls = [poll(cf_mock, guid)]
    for _ in range(4):
        app.advance(1)
        polls.append(poll(cf_mock, guid))
    rules.check_every_rule(guid, polls)
    bodies = [p.body for p in polls if p.body is not None]
    assert [b["state"] for b in bodies] == ["PROCESSING", "PROCESSING", "COMPLETE", "COMPLETE", "COMPLETE"]
    assert [b["updated_at"] == b["created_at"] for b in bodies] == [True, True, False, False, False]
    assert rules.moment(polls[-1], "updated_at") - rules.moment(polls[-1], "created_at") == timedelta(seconds=2), (
        "updated_at is when the job completed"
    )


def test_a_service_job_polls_for_a_week_without_waiting(cf_mock: MockServer) -> None:
    """Broker polling may last up to 7 days (contracts/cf/NOTES.md 7, [CC-config]); a client must keep polling."""
    app = cf_mock.app
    week = 7 * 24 * 3600
    guid = app.create_job(
        [{"state": "PROCESSING", "polls": 2}, {"state": "POLLING", "seconds": week}, "COMPLETE"],
        operation="service_instance.create",
        warnings=["the broker is slow"],
    )
    polls = [poll(cf_mock, guid), poll(cf_mock, guid)]
    for _ in range(8):
        app.advance(week / 6)
        polls.append(poll(cf_mock, guid))
    rules.check_every_rule(guid, polls)
    assert [p.state for p in polls] == ["PROCESSING"] * 2 + ["POLLING"] * 6 + ["COMPLETE"] * 2
    assert all(p.body is not None and "service_instances" in p.body["links"] for p in polls)


def test_a_failed_job_keeps_its_errors_and_warnings(cf_mock: MockServer) -> None:
    app = cf_mock.app
    error = {"code": 290006, "title": "CF-JobTimeout", "detail": "The job execution has timed out."}
    guid = app.create_job([{"state": "PROCESSING", "seconds": 14400}, "FAILED"], errors=[error], warnings=["retrying"])
    polls = [poll(cf_mock, guid)]
    for _ in range(3):
        app.advance(7200)
        polls.append(poll(cf_mock, guid))
    rules.check_every_rule(guid, polls)
    bodies = [p.body for p in polls if p.body is not None]
    assert [b["state"] for b in bodies] == ["PROCESSING", "PROCESSING", "FAILED", "FAILED"]
    assert [b["errors"] for b in bodies] == [[], [], [error], [error]]
    assert all(b["warnings"] == [{"detail": "retrying"}] for b in bodies)


def test_a_failed_job_without_errors_is_served_on_purpose_and_the_rule_names_it(cf_mock: MockServer) -> None:
    """cloud_controller_ng#1959, for clients to test against; the suite's rule fails on it."""
    guid = cf_mock.app.create_job(["FAILED"], errors=[])
    answer = poll(cf_mock, guid)
    assert answer.body is not None and answer.body["errors"] == []
    with pytest.raises(ContractViolation, match="a FAILED job has no errors"):
        rules.check_failed_has_errors([answer])


@settings(max_examples=25, deadline=None)
@given(
    steps=lifecycle_scripts(("PROCESSING", "POLLING"), ("COMPLETE", "FAILED")),
    advances=st.lists(st.sampled_from([0, 0.5, 1, 3, 3600]), min_size=1, max_size=10),
)
def test_any_scripted_life_keeps_the_rules(
    cf_mock_server: MockServer, steps: list[dict[str, Any]], advances: list[float]
) -> None:
    app = cf_mock_server.app
    app.reset()
    guid = app.create_job(steps)
    polls = []
    for seconds in advances:
        app.advance(seconds)
        polls.append(poll(cf_mock_server, guid))
    app.reset()
    rules.check_every_rule(guid, polls)
    scripted = [step["state"] for step in steps]
    seen = [p.state for p in polls]
    assert all(state in scripted for state in seen), f"states {seen} are not in the script {scripted}"


def test_each_rule_is_checked_by_a_suite_test_marked_with_its_requirement() -> None:
    """The suite's markers are literal strings (the report reads them); the rules' violations name the same."""
    marked = set()
    for path in (Path(__file__).resolve().parent.parent / "suites" / "cf").glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "pytest.mark.requirement":
                marked.add(ast.literal_eval(node.args[1]))
    sections = {value for name, value in vars(rules).items() if name.endswith("_SECTION")}
    assert sections <= marked, sections - marked
