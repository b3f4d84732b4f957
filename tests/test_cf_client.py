"""The real Cloud Foundry client (PyPI `cloudfoundry-client`) against the CF mock, over HTTP and
in-process through `responses`: it discovers the API from `GET /`, logs in with the password grant,
follows jobs to COMPLETE and FAILED, refreshes an expired token, follows a 202's Location, and reads the
apps and service instances jobs link to (gone once their delete job is COMPLETE).

`wait_for_job_completion` sleeps between polls through polling2; here each of those sleeps advances
the mock's clock instead, so a job scripted in seconds finishes without the test waiting."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import polling2
import pytest
import requests
from cloudfoundry_client.client import CloudFoundryClient
from cloudfoundry_client.errors import InvalidStatusCode
from oauth2_client.credentials_manager import OAuthError

from jobcontract.mocks import CONTROL_PREFIX, MockApp, MockServer, make_app
from jobcontract.mocks.cf import (
    NO_READ_SCOPE_TOKEN,
    PASSWORD,
    SEEDED_RECORDS,
    SPACE_GUID,
    TOKEN_LIFETIME,
    USERNAME,
    VALID_TOKEN,
)

JOB_ERROR = {"code": 290006, "title": "CF-JobTimeout", "detail": "The job execution has timed out."}


@pytest.fixture(params=["http", "in-process"])
def cf_api(request: pytest.FixtureRequest) -> Iterator[MockApp]:
    """The CF mock, served on 127.0.0.1 or to `requests` in-process; `app.base_url` is its root."""
    if request.param == "http":
        server: MockServer = request.getfixturevalue("cf_mock")
        yield server.app
    else:
        app = make_app("cf")
        with app.intercept("http://cf.jobcontract.invalid"):
            yield app


@pytest.fixture
def client(cf_api: MockApp) -> CloudFoundryClient:
    client = CloudFoundryClient(cf_api.base_url)
    client.init_with_user_credentials(USERNAME, PASSWORD)
    return client


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch, cf_api: MockApp) -> list[float]:
    """Every sleep polling2 asks for, each turned into the same advance of the mock's clock."""
    slept: list[float] = []

    def advance_instead(seconds: float) -> None:
        slept.append(seconds)
        cf_api.advance(seconds)

    monkeypatch.setattr(polling2, "time", SimpleNamespace(time=time.time, sleep=advance_instead))
    return slept


def requests_seen(app: MockApp) -> list[tuple[str, str, int | None]]:
    return [(entry["method"], entry["path"], entry["status"]) for entry in app.journal()]


def test_the_client_discovers_the_api_logs_in_and_reads_a_job(cf_api: MockApp, client: CloudFoundryClient) -> None:
    guid = cf_api.create_job()
    job = client.v3.jobs.get(guid)
    assert (job["guid"], job["state"], job["operation"]) == (guid, "PROCESSING", "app.delete")
    assert client.info.api_v3_url == f"{cf_api.base_url}/v3"
    assert requests_seen(cf_api) == [
        ("GET", "/", 200),
        ("POST", "/oauth/token", 200),
        ("GET", f"/v3/jobs/{guid}", 200),
    ]
    token_request, job_request = cf_api.journal()[1:]
    assert token_request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" in job_request["headers"]  # redacted in the journal, but sent


def test_wait_for_job_completion_follows_a_job_to_complete(
    cf_api: MockApp, client: CloudFoundryClient, sleeps: list[float]
) -> None:
    guid = cf_api.create_job()  # PROCESSING for 2 s, then COMPLETE
    started = cf_api.engine.clock.seconds()
    job = client.v3.jobs.wait_for_job_completion(guid)
    assert (job["state"], job["errors"]) == ("COMPLETE", [])
    assert sleeps == [1, 2], "polled at 0 s, 1 s and 3 s of the mock's clock"
    assert cf_api.engine.clock.seconds() - started == 3
    assert [path for _, path, _ in requests_seen(cf_api)].count(f"/v3/jobs/{guid}") == 3


def test_wait_for_job_completion_returns_a_failed_job_with_its_errors(
    cf_api: MockApp, client: CloudFoundryClient, sleeps: list[float]
) -> None:
    guid = cf_api.create_job([{"state": "PROCESSING", "seconds": 5}, "FAILED"], errors=[JOB_ERROR], warnings=["late"])
    job = client.v3.jobs.wait_for_job_completion(guid)
    assert job["state"] == "FAILED"
    assert job["errors"] == [JOB_ERROR]
    assert job["warnings"] == [{"detail": "late"}]
    assert sleeps == [1, 2, 4]


def test_wait_for_job_completion_keeps_polling_through_polling(cf_api: MockApp, client: CloudFoundryClient) -> None:
    """POLLING is a running state (cf-python-client#143): a job scripted by polls, a tiny step."""
    guid = cf_api.create_job(
        [{"state": "PROCESSING", "polls": 1}, {"state": "POLLING", "polls": 3}, "COMPLETE"],
        operation="service_instance.create",
    )
    job = client.v3.jobs.wait_for_job_completion(guid, step=0.001, step_function=lambda step: step)
    assert job["state"] == "COMPLETE"
    assert [path for _, path, _ in requests_seen(cf_api)].count(f"/v3/jobs/{guid}") == 5


def test_an_expired_token_is_refreshed_and_the_request_retried(cf_api: MockApp, client: CloudFoundryClient) -> None:
    first_token = client._access_token
    guid = cf_api.create_job(["PROCESSING"])
    cf_api.advance(TOKEN_LIFETIME + 1)
    job = client.v3.jobs.get(guid)
    assert job["state"] == "PROCESSING"
    assert requests_seen(cf_api)[2:] == [  # after discovery and login
        ("GET", f"/v3/jobs/{guid}", 401),  # CF-InvalidAuthToken 1000
        ("POST", "/oauth/token", 200),  # grant_type=refresh_token
        ("GET", f"/v3/jobs/{guid}", 200),
    ]
    assert client._access_token != first_token


def test_deleting_an_app_answers_202_with_the_job_in_location(
    cf_api: MockApp, client: CloudFoundryClient, sleeps: list[float]
) -> None:
    (_, app_guid, _), (_, other_guid, _) = SEEDED_RECORDS[:2]
    job_guid = client.v3.apps.remove(app_guid)  # asynchronous: the guid from the Location header
    assert job_guid is not None
    job: Any = client.v3.jobs.get(job_guid)
    assert job["operation"] == "app.delete"
    assert job["links"]["app"]["href"] == f"{cf_api.base_url}/v3/apps/{app_guid}"
    assert requests_seen(cf_api)[-2] == ("DELETE", f"/v3/apps/{app_guid}", 202)

    before = len(cf_api.journal())
    assert client.v3.apps.remove(other_guid, asynchronous=False) is None  # deletes, then waits for the job
    seen = requests_seen(cf_api)[before:]
    assert seen[0] == ("DELETE", f"/v3/apps/{other_guid}", 202)
    assert [status for _, path, status in seen[1:] if path.startswith("/v3/jobs/")] == [200, 200, 200]
    assert sleeps == [1, 2]


def test_an_app_is_there_until_its_delete_job_is_complete(
    cf_api: MockApp, client: CloudFoundryClient, sleeps: list[float]
) -> None:
    _, app_guid, app_name = SEEDED_RECORDS[0]
    assert client.v3.apps.get(app_guid)["name"] == app_name
    job_guid = client.v3.apps.remove(app_guid)
    job = client.v3.jobs.get(job_guid)
    app = job.app()  # the job's `app` link, through the client's apps manager
    assert (app["guid"], app["name"], app["relationships"]["space"]["data"]["guid"]) == (app_guid, app_name, SPACE_GUID)
    assert client.v3.jobs.wait_for_job_completion(job_guid)["state"] == "COMPLETE"
    assert "app" not in client.v3.jobs.get(job_guid)["links"]
    with pytest.raises(InvalidStatusCode) as gone:
        client.v3.apps.get(app_guid)
    assert (gone.value.status_code, gone.value.body["errors"][0]["code"]) == (404, 10010)
    assert app_guid not in [app["guid"] for app in client.v3.apps.list()]
    with pytest.raises(InvalidStatusCode) as again:
        client.v3.apps.remove(app_guid)
    assert again.value.status_code == 404, "a deleted app cannot be deleted again"


def test_another_jobs_link_to_an_app_goes_once_the_apps_delete_job_completes(
    cf_api: MockApp, client: CloudFoundryClient, sleeps: list[float]
) -> None:
    """A link a mock hands out resolves: an earlier job's `app` link goes with the app, though nothing listed
    the apps since the delete (the records take in a new delete job on the next full answer)."""
    _, app_guid, _ = SEEDED_RECORDS[0]
    update = cf_api.create_job(["COMPLETE"], operation="app.update", resource_guid=app_guid)
    assert client.v3.jobs.get(update)["links"]["app"]["href"] == f"{cf_api.base_url}/v3/apps/{app_guid}"
    deletion = client.v3.apps.remove(app_guid)
    assert "app" in client.v3.jobs.get(update)["links"], "the app is there while its delete job runs"
    assert client.v3.jobs.wait_for_job_completion(deletion)["state"] == "COMPLETE"
    assert "app" not in client.v3.jobs.get(update)["links"]


def test_a_failed_delete_leaves_the_app_there(cf_api: MockApp, client: CloudFoundryClient) -> None:
    app_guid = "6c8a4d1e-0b5f-4f7a-9d3e-2a1b0c9d8e7f"
    job_guid = cf_api.create_job(["FAILED"], operation="app.delete", resource_guid=app_guid)
    job = client.v3.jobs.get(job_guid)
    assert job["state"] == "FAILED" and job.app()["guid"] == app_guid
    assert client.v3.apps.get(app_guid)["guid"] == app_guid


def test_a_service_instance_is_deleted_by_a_job(
    cf_api: MockApp, client: CloudFoundryClient, sleeps: list[float]
) -> None:
    _, instance_guid, name = SEEDED_RECORDS[2]
    instance = client.v3.service_instances.get(instance_guid)
    assert (instance["name"], instance["last_operation"]["state"]) == (name, "succeeded")
    response = requests.delete(
        f"{cf_api.base_url}/v3/service_instances/{instance_guid}",
        headers={"Authorization": f"Bearer {VALID_TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 202
    job = client.v3.jobs.get(response.headers["Location"].rsplit("/", 1)[-1])
    assert job["operation"] == "service_instance.delete"
    assert job.service_instance()["last_operation"] == {
        **instance["last_operation"],
        "type": "delete",
        "state": "in progress",
    }
    assert client.v3.jobs.wait_for_job_completion(job["guid"])["state"] == "COMPLETE"
    with pytest.raises(InvalidStatusCode) as gone:
        client.v3.service_instances.get(instance_guid)
    assert gone.value.body["errors"][0] == {
        "code": 10010,
        "title": "CF-ResourceNotFound",
        "detail": "Service instance not found",
    }


def test_a_job_links_to_a_resource_that_exists(cf_api: MockApp, client: CloudFoundryClient) -> None:
    """A job made through the control API brings its resource into being: every link it hands out resolves."""
    job_guid = cf_api.create_job(["POLLING"], operation="service_instance.create")
    # the client's getter for a plural link (`service_instances`) expects a page, so read the link by hand
    href = client.v3.jobs.get(job_guid)["links"]["service_instances"]["href"]
    instance = client.v3.service_instances.get(href.rsplit("/", 1)[-1])
    assert instance["links"]["self"]["href"] == href
    assert instance["guid"] in [i["guid"] for i in client.v3.service_instances.list()]
    space_job = cf_api.create_job(["PROCESSING"], operation="space.apply_manifest")
    space = client.v3.jobs.get(space_job)["links"]["space"]["href"]
    assert requests.get(space, headers={"Authorization": f"Bearer {VALID_TOKEN}"}, timeout=10).status_code == 200


def test_the_v3_root_links_the_collections_served(cf_api: MockApp, client: CloudFoundryClient) -> None:
    root = requests.get(f"{cf_api.base_url}/v3", timeout=10)  # no token: CC's v3 root is public
    assert root.status_code == 200
    base = f"{cf_api.base_url}/v3"
    assert root.json()["links"] == {
        "self": {"href": base},
        "apps": {"href": f"{base}/apps"},
        "service_instances": {"href": f"{base}/service_instances"},
    }
    assert [app["name"] for app in client.v3.apps.list()] == ["my-app", "my-worker"]
    assert client.v3.apps.get_first(names="my-worker")["name"] == "my-worker"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/v3/apps/no-such-app", 404, 10010),
        ("/v3/service_instances/no-such-instance", 404, 10010),
        ("/v3/widgets/x", 404, 10000),
        ("/v3/jobs", 404, 10000),
        ("/v3/apps?colour=blue", 400, 10005),
        ("/v3/apps?per_page=0", 400, 10005),
    ],
)
def test_records_answer_cloud_controllers_errors(cf_api: MockApp, path: str, status: int, code: int) -> None:
    response = requests.get(f"{cf_api.base_url}{path}", headers={"Authorization": f"Bearer {VALID_TOKEN}"}, timeout=10)
    assert (response.status_code, response.json()["errors"][0]["code"]) == (status, code)


@pytest.mark.parametrize(("method", "path"), [("GET", "/v3/apps"), ("GET", f"/v3/apps/{SEEDED_RECORDS[0][1]}")])
def test_records_need_a_token_with_read_scope(cf_api: MockApp, method: str, path: str) -> None:
    url = f"{cf_api.base_url}{path}"
    assert requests.request(method, url, timeout=10).status_code == 401
    forbidden = requests.request(method, url, headers={"Authorization": f"Bearer {NO_READ_SCOPE_TOKEN}"}, timeout=10)
    assert (forbidden.status_code, forbidden.json()["errors"][0]["code"]) == (403, 10003)


def test_pages_link_to_each_other(cf_api: MockApp) -> None:
    headers = {"Authorization": f"Bearer {VALID_TOKEN}"}
    first = requests.get(f"{cf_api.base_url}/v3/apps?per_page=1", headers=headers, timeout=10).json()
    assert first["pagination"]["total_pages"] == 2 and first["pagination"]["previous"] is None
    second = requests.get(first["pagination"]["next"]["href"], headers=headers, timeout=10).json()
    assert [app["name"] for app in first["resources"] + second["resources"]] == ["my-app", "my-worker"]
    assert second["pagination"]["next"] is None and second["pagination"]["previous"] == first["pagination"]["first"]


def test_a_reset_brings_deleted_records_back(cf_api: MockApp) -> None:
    _, app_guid, _ = SEEDED_RECORDS[0]
    cf_api.create_job(["COMPLETE"], operation="app.delete", resource_guid=app_guid)
    headers = {"Authorization": f"Bearer {VALID_TOKEN}"}
    assert requests.get(f"{cf_api.base_url}/v3/apps/{app_guid}", headers=headers, timeout=10).status_code == 404
    cf_api.reset()
    assert requests.get(f"{cf_api.base_url}/v3/apps/{app_guid}", headers=headers, timeout=10).status_code == 200


def test_wrong_credentials_are_refused_as_uaa_does(cf_api: MockApp) -> None:
    client = CloudFoundryClient(cf_api.base_url)
    with pytest.raises(OAuthError) as refused:
        client.init_with_user_credentials(USERNAME, "wrong")
    assert (refused.value.status_code, refused.value.error) == (401, "unauthorized")


def test_an_unknown_job_raises_the_documented_404(cf_api: MockApp, client: CloudFoundryClient) -> None:
    with pytest.raises(InvalidStatusCode) as raised:
        client.v3.jobs.get("no-such-job")
    assert raised.value.status_code == 404
    assert raised.value.body["errors"][0]["code"] == 10010
    assert raised.value.request_id  # X-VCAP-Request-ID, which the client reports


@pytest.mark.parametrize(
    ("client_auth", "form", "status", "error"),
    [
        (None, {"grant_type": "password", "username": USERNAME, "password": PASSWORD}, 401, "unauthorized"),
        (
            ("cf", "not-the-secret"),
            {"grant_type": "password", "username": USERNAME, "password": PASSWORD},
            401,
            "unauthorized",
        ),
        (("cf", ""), {"username": USERNAME, "password": PASSWORD}, 400, "invalid_request"),
        (("cf", ""), {"grant_type": "authorization_code", "code": "x"}, 400, "unsupported_grant_type"),
        (("cf", ""), {"grant_type": "refresh_token", "refresh_token": "never-issued"}, 401, "invalid_token"),
    ],
)
def test_the_token_endpoint_refuses_bad_requests_as_uaa_does(
    cf_api: MockApp, client_auth: tuple[str, str] | None, form: dict[str, str], status: int, error: str
) -> None:
    response = requests.post(f"{cf_api.base_url}/oauth/token", auth=client_auth, data=form, timeout=10)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_description"]


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, 10002),
        ({"Authorization": "Bearer nope"}, 401, 1000),
        ({"Authorization": f"Bearer {NO_READ_SCOPE_TOKEN}"}, 403, 10003),
    ],
)
def test_deleting_an_app_needs_a_token_with_write_scope(
    cf_api: MockApp, headers: dict[str, str], status: int, code: int
) -> None:
    response = requests.delete(f"{cf_api.base_url}/v3/apps/{SEEDED_RECORDS[0][1]}", headers=headers, timeout=10)
    assert (response.status_code, response.json()["errors"][0]["code"]) == (status, code)
    assert cf_api.engine.job_ids() == [], "a refused delete starts no job"


@pytest.mark.parametrize(
    "attributes",
    [{"warnings": "not a list"}, {"errors": [{"code": "10008"}]}, {"operation": 7}, {"colour": "blue"}],
)
def test_the_control_api_refuses_attributes_the_mock_cannot_render(cf_api: MockApp, attributes: dict[str, Any]) -> None:
    response = requests.post(f"{cf_api.base_url}{CONTROL_PREFIX}/jobs", json={"attributes": attributes}, timeout=10)
    assert response.status_code == 400, response.text
    assert cf_api.engine.job_ids() == []
