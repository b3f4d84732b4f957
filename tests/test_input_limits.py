"""A mock left running stays bounded and answers bad input with a clear 4xx, over real sockets: the clock's
total advance is capped and `reset` starts it again, the jobs a mock holds and a job's attribute bytes are
capped (mocks/engine.py `Limits`; control API 409/400, an API route its documented 5xx, each naming the
`serve` flag), JSON nested too deep, numbers too big, infinite or not a number are refused before use, a
credential a client sent is not quoted back in an error, and a scenario's bad fault names its file and job.
None of it is ever an unscripted 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from serving import served

from jobcontract.mocks import CONTROL_PREFIX, Clock, Engine, MockApp, MockServer, dialect
from jobcontract.mocks.engine import MAX_SECONDS, Limits
from jobcontract.mocks.workbench import ScenarioError, load_scenario, seed_app
from jobcontract.suites.common import check_response

CENTURY = 100 * 366 * 86400
DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE = "9" * 4000  # a 4,000-digit integer: Python reads it, a float cannot hold it
SMALL = Limits(max_jobs=3, max_attribute_bytes=1000)
CF_TOKEN = {"Authorization": "Bearer jobcontract-cf-token"}


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(MockApp(dialect("ogc"))) as running:  # stopping a server takes half a second: one per module
        yield running


def serve_app(server: MockServer, api: str, limits: Limits | None = None) -> MockApp:
    """A fresh mock of `api` (frozen clock, small limits unless told) answering on the module's server."""
    server.app = MockApp(dialect(api), Engine(Clock(frozen=True), limits or SMALL))
    server.app.base_url = server.url
    return server.app


def control(server: MockServer, method: str, path: str, body: Any = None) -> requests.Response:
    """A control API call; `body` is sent as JSON text as it is when already text or bytes."""
    data = body if isinstance(body, str | bytes) or body is None else None
    return requests.request(
        method,
        f"{server.url}{CONTROL_PREFIX}{path}",
        data=data,
        json=None if data is not None or body is None else body,
        headers={"Content-Type": "application/json"} if data is not None else {},
        timeout=10,
    )


def assert_no_unscripted(app: MockApp) -> None:
    assert not any(entry["unscripted"] for entry in app.journal()), app.journal()


# -- the clock ------------------------------------------------------------------------------------------------
def test_the_clock_is_capped_in_all_and_the_mock_keeps_answering(server: MockServer) -> None:
    app = serve_app(server, "ogc")
    for _ in range(MAX_SECONDS // CENTURY):
        assert control(server, "POST", "/clock", {"advance": CENTURY}).status_code == 200
    refused = control(server, "POST", "/clock", {"advance": CENTURY})
    assert refused.status_code == 400, refused.text
    room = MAX_SECONDS - (MAX_SECONDS // CENTURY) * CENTURY
    assert f"{room} more now" in refused.json()["error"] and "reset" in refused.json()["error"]
    assert control(server, "POST", "/clock", {"advance": room}).status_code == 200, "what is left may be used"
    # every date the mock computes at the end of the millennium still renders
    assert control(server, "GET", "").status_code == 200
    assert control(server, "POST", "/jobs", {"id": "late", "script": ["accepted", "successful"]}).status_code == 201
    assert requests.get(f"{server.url}/jobs/late", timeout=10).json()["created"].startswith("3")
    execute = {"inputs": {"message": "x"}}
    executed = requests.post(f"{server.url}/processes/echo/execution", json=execute, timeout=10)
    assert executed.status_code == 200, executed.text
    assert requests.get(f"{server.url}/jobs", timeout=10).status_code == 200
    assert_no_unscripted(app)


def test_reset_starts_the_clock_again(server: MockServer) -> None:
    app = serve_app(server, "ogc")
    start = control(server, "GET", "/clock").json()
    control(server, "POST", "/clock", {"advance": CENTURY})
    assert control(server, "POST", "/reset").status_code == 204
    assert control(server, "GET", "/clock").json() == start == {"now": start["now"], "seconds": 0}
    assert app.engine.clock.seconds() == 0


# -- the caps -------------------------------------------------------------------------------------------------
def test_the_job_cap_is_a_409_on_the_control_api_until_a_reset(server: MockServer) -> None:
    serve_app(server, "ogc")
    for number in range(SMALL.max_jobs):
        assert control(server, "POST", "/jobs", {"id": f"j{number}"}).status_code == 201
    full = control(server, "POST", "/jobs", {"id": "one-more"})
    assert full.status_code == 409 and "--max-jobs" in full.json()["error"], full.text
    assert control(server, "POST", "/reset").status_code == 204
    assert control(server, "POST", "/jobs", {"id": "one-more"}).status_code == 201


def test_the_job_cap_on_an_api_route_is_the_apis_documented_server_error(server: MockServer) -> None:
    app = serve_app(server, "ogc", Limits(max_jobs=1))
    async_execute = {"headers": {"Prefer": "respond-async"}, "json": {"inputs": {}}, "timeout": 10}
    assert requests.post(f"{server.url}/processes/echo/execution", **async_execute).status_code == 201
    full = requests.post(f"{server.url}/processes/echo/execution", **async_execute)
    body = check_response("ogc", "execute", full)  # the documented 500, in the API's exception format
    assert full.status_code == 500 and "--max-jobs" in body["detail"]
    assert "X-Jobcontract-Unscripted" not in full.headers
    assert_no_unscripted(app)


def test_the_job_cap_on_cf_and_clc_routes(server: MockServer) -> None:
    app = serve_app(server, "cf", Limits(max_jobs=1))
    app.create_job(["PROCESSING"])
    deleted = requests.delete(
        f"{server.url}/v3/apps/1cb006ee-fb05-47e1-b541-c34179ddc446", headers=CF_TOKEN, timeout=10
    )
    assert deleted.status_code == 503, deleted.text
    assert deleted.json()["errors"][0]["title"] == "CF-ServiceUnavailable" and "--max-jobs" in deleted.text
    app = serve_app(server, "clc", Limits(max_jobs=1))
    login = {"username": "user@company.com", "password": "mypassword"}
    token = requests.post(f"{server.url}/v2/authentication/login", json=login, timeout=10).json()["bearerToken"]
    queued = requests.post(
        f"{server.url}/v2/operations/ALIAS/servers/powerOn",
        json=["WA1ALIASWB01", "WA1ALIASWB02"],
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert queued.status_code == 500 and "--max-jobs" in queued.json()["message"], queued.text
    assert_no_unscripted(app)


def test_the_attribute_cap(server: MockServer) -> None:
    app = serve_app(server, "ogc")
    fits = control(server, "POST", "/jobs", {"attributes": {"note": "x" * 900}})
    assert fits.status_code == 201, fits.text
    too_big = control(server, "POST", "/jobs", {"attributes": {"note": "x" * 1000}})
    assert too_big.status_code == 400 and "--max-attribute-bytes" in too_big.json()["error"], too_big.text
    big_inputs = {"inputs": {"message": "x" * 1000}}
    executed = requests.post(
        f"{server.url}/processes/echo/execution", json=big_inputs, headers={"Prefer": "respond-async"}, timeout=10
    )
    assert (
        executed.status_code == 500 and "--max-attribute-bytes" in check_response("ogc", "execute", executed)["detail"]
    )
    assert app.job_ids() == [fits.json()["id"]]
    assert_no_unscripted(app)


def test_processes_declared_by_dismissed_jobs_count_against_the_job_cap(server: MockServer) -> None:
    app = serve_app(server, "ogc", Limits(max_jobs=2))
    for process in ("first", "second"):
        job_id = control(server, "POST", "/jobs", {"attributes": {"processID": process}}).json()["id"]
        assert requests.delete(f"{server.url}/jobs/{job_id}", timeout=10).status_code == 200
    assert app.job_ids() == []
    full = control(server, "POST", "/jobs", {"attributes": {"processID": "third"}})
    assert full.status_code == 409 and "processes declared" in full.json()["error"], full.text
    assert control(server, "POST", "/jobs", {"attributes": {"processID": "first"}}).status_code == 201, "a known one"


def test_cf_keeps_only_the_newest_minted_tokens(server: MockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jobcontract.mocks.cf.TOKEN_LIMIT", 2)
    serve_app(server, "cf")
    password = {"grant_type": "password", "username": "admin", "password": "admin"}
    minted = [
        requests.post(f"{server.url}/oauth/token", data=password, auth=("cf", ""), timeout=10).json() for _ in range(4)
    ]
    app_url = f"{server.url}/v3/apps"

    def status(token: str) -> int:
        return requests.get(app_url, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code

    assert [status(grant["access_token"]) for grant in minted] == [401, 401, 200, 200]
    assert status("jobcontract-cf-token") == 200, "the known tokens stay"
    refreshed = {"grant_type": "refresh_token", "refresh_token": minted[0]["refresh_token"]}
    forgotten = requests.post(f"{server.url}/oauth/token", data=refreshed, auth=("cf", ""), timeout=10)
    assert forgotten.status_code == 401 and forgotten.json()["error"] == "invalid_token"


def test_import_export_caps_on_motos_server() -> None:
    manifest = "manifestVersion:2.0\ndeviceId:1\nbucket:b\n"
    create = {"Action": "CreateJob", "Version": "2010-06-01", "JobType": "Import", "ValidateOnly": "false"}
    with served("importexport", "--max-jobs", "1", "--max-attribute-bytes", "500") as serving:
        too_big = manifest + "note: " + "x" * 500 + "\n"
        refused = requests.post(f"{serving.control}/jobs", json={"manifest": too_big}, timeout=10)
        assert refused.status_code == 400 and "--max-attribute-bytes" in refused.json()["error"], refused.text
        assert requests.post(f"{serving.control}/jobs", json={"manifest": manifest}, timeout=10).status_code == 201
        full = requests.post(f"{serving.control}/jobs", json={}, timeout=10)
        assert full.status_code == 409 and "--max-jobs" in full.json()["error"], full.text
        over = requests.post(f"{serving.url}/", data={**create, "Manifest": manifest}, timeout=10)
        assert over.status_code == 503 and "<Code>ServiceUnavailable</Code>" in over.text and "--max-jobs" in over.text


# -- bad numbers and deep JSON --------------------------------------------------------------------------------
BAD_CONTROL = [
    ("deep JSON", "/jobs", DEEP, "nests deeper than 64"),
    ("huge step seconds", "/jobs", f'{{"script": [{{"state": "running", "seconds": {HUGE}}}]}}', "4000 digits"),
    ("huge polls", "/jobs", f'{{"script": [{{"state": "running", "polls": {HUGE}}}, "successful"]}}', "4000 digits"),
    ("infinite seconds", "/jobs", '{"script": [{"state": "running", "seconds": Infinity}, "successful"]}', "not inf"),
    ("1e400 seconds", "/jobs", '{"script": [{"state": "running", "seconds": 1e400}, "successful"]}', "not inf"),
    ("seconds past the cap", "/jobs", {"script": [{"state": "running", "seconds": MAX_SECONDS + 1}]}, "at most"),
    ("huge fault poll", "/jobs", f'{{"faults": {{"{HUGE}": {{"delay": 0}}}}}}', "keyed by poll number"),
    ("unicode digits poll", "/jobs", {"faults": {"²": {"delay": 0}}}, "keyed by poll number"),
    ("huge injected poll", "/jobs/j/faults", f'{{"fault": {{}}, "poll": {HUGE}}}', "4000 digits"),
    ("1e400 delay", "/jobs/j/faults", '{"fault": {"delay": 1e400}}', "not inf"),
    ("huge advance", "/clock", f'{{"advance": {HUGE}}}', "4000 digits"),
    ("infinite advance", "/clock", '{"advance": Infinity}', "not inf"),
    ("deep queue script", "/queue", DEEP, "nests deeper than 64"),
]


@pytest.mark.parametrize(("path", "body", "says"), [c[1:] for c in BAD_CONTROL], ids=[c[0] for c in BAD_CONTROL])
def test_bad_numbers_and_deep_json_are_a_400_on_the_control_api(
    server: MockServer, path: str, body: Any, says: str
) -> None:
    app = serve_app(server, "clc" if path == "/queue" else "ogc")
    app.create_job(None, "j")
    answer = control(server, "PUT" if path == "/queue" else "POST", path, body)
    assert answer.status_code == 400, answer.text
    assert says in answer.json()["error"] and HUGE not in answer.text, answer.text
    assert app.job_ids() == ["j"] and app.engine.clock.seconds() == 0
    assert_no_unscripted(app)


def test_deep_json_and_bad_numbers_on_api_routes_are_the_apis_400(server: MockServer) -> None:
    app = serve_app(server, "ogc")
    json_type = {"Content-Type": "application/json"}
    execute = requests.post(f"{server.url}/processes/echo/execution", data=DEEP, headers=json_type, timeout=10)
    assert "nests deeper" in check_response("ogc", "execute", execute)["detail"] and execute.status_code == 400
    app.create_job(["running"], "j")
    for prefer in ("delay=1e400", f"delay={HUGE}", "dribble=inf", "delay=nan"):
        polled = requests.get(f"{server.url}/jobs/j", headers={"Prefer": prefer}, timeout=10)
        assert polled.status_code == 400 and "between 0 and 300" in polled.json()["detail"], (prefer, polled.text)
    for query in ({"limit": "²"}, {"offset": "9" * 5000}, {"limit": "9" * 5000}):
        assert requests.get(f"{server.url}/jobs", params=query, timeout=10).status_code == 400, query
    assert_no_unscripted(app)
    app = serve_app(server, "clc")
    login = requests.post(f"{server.url}/v2/authentication/login", data=DEEP, headers=json_type, timeout=10)
    assert login.status_code == 400 and "nests deeper" in login.json()["message"], login.text
    login = {"username": "user@company.com", "password": "mypassword"}
    token = requests.post(f"{server.url}/v2/authentication/login", json=login, timeout=10).json()["bearerToken"]
    queued = requests.post(
        f"{server.url}/v2/operations/ALIAS/servers/powerOn",
        data=DEEP,
        headers={**json_type, "Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert queued.status_code == 400 and "list of server names" in queued.json()["message"], queued.text
    assert_no_unscripted(app)


# -- credentials in error bodies ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "password",
    [["SECRETL3"], {"value": "SECRETL3"}, 31415926535],
    ids=["a list", "an object", "a number"],
)
def test_a_clc_login_with_a_password_not_a_string_does_not_echo_it(server: MockServer, password: Any) -> None:
    serve_app(server, "clc")
    login = {"username": "user@company.com", "password": password}
    answer = requests.post(f"{server.url}/v2/authentication/login", json=login, timeout=10)
    assert answer.status_code == 400, answer.text
    assert "SECRETL3" not in answer.text and "31415926535" not in answer.text
    assert "/password" in answer.json()["message"] and "credential" in answer.json()["message"]
    bad_user = requests.post(f"{server.url}/v2/authentication/login", json={"username": 5, "password": "x"}, timeout=10)
    assert "5 is not of type 'string'" in bad_user.json()["message"], "other fields are still quoted"


# -- scenarios ------------------------------------------------------------------------------------------------
def test_a_scenarios_undocumented_fault_status_names_the_file_and_job(tmp_path: Path) -> None:
    path = tmp_path / "bad-fault.yaml"
    path.write_text(yaml.safe_dump({"ogc": {"jobs": [{"id": "ok"}, {"id": "teapot", "faults": {2: {"status": 418}}}]}}))
    app = MockApp(dialect("ogc"))
    with pytest.raises(ScenarioError) as raised:
        seed_app(app, load_scenario(path)["ogc"], str(path))
    message = str(raised.value)
    assert message.startswith(
        f"{path}: ogc: job 'teapot' (jobs[1]): field faults: a fault status 418 is not documented"
    )
    assert app.job_ids() == [], "nothing seeded from a scenario with a bad job"


def test_a_scenario_over_the_job_cap_names_the_job(tmp_path: Path) -> None:
    app = MockApp(dialect("ogc"), Engine(limits=Limits(max_jobs=1)))
    with pytest.raises(ScenarioError) as raised:
        seed_app(app, [{"id": "first"}, {"id": "second"}], "many.yaml")
    assert str(raised.value).startswith("many.yaml: ogc: job 'second' (jobs[1]): the mock holds 1 jobs")
    with pytest.raises(ScenarioError, match="field attributes: the job's attributes take"):
        seed_app(MockApp(dialect("ogc")), [{"id": "big", "attributes": {"note": "x" * 70_000}}], "big.yaml")
