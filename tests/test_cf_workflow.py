"""cloudfoundry-client's whole workflow against `jobcontract serve --api cf` (real HTTP, another process):
discover, log in, list and read an app, delete it and wait for the job (the clock advanced over the control
API instead of sleeping), then the app is gone; and a crawler that walks every link the mock hands out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace

import polling2
import pytest
import requests
from cloudfoundry_client.client import CloudFoundryClient
from cloudfoundry_client.errors import InvalidStatusCode

from jobcontract.mocks.cf import PASSWORD, SEEDED_RECORDS, USERNAME, VALID_TOKEN
from tests.serving import Serving, behind_public_url, crawl, served

AUTH = {"Authorization": f"Bearer {VALID_TOKEN}"}


@pytest.fixture(scope="module")
def serving() -> Iterator[Serving]:
    with served("cf") as serving:
        yield serving


@pytest.fixture
def cf(serving: Serving) -> Iterator[Serving]:
    """The served mock, reset (jobs, records, tokens) after the test."""
    yield serving
    assert requests.post(f"{serving.control}/reset", timeout=10).status_code == 204


def advance(serving: Serving, seconds: float) -> None:
    assert requests.post(f"{serving.control}/clock", json={"advance": seconds}, timeout=10).status_code == 200


def test_delete_an_app_and_wait_for_the_job(cf: Serving, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    def advance_instead(seconds: float) -> None:  # polling2's sleeps move the served mock's clock
        slept.append(seconds)
        advance(cf, seconds)

    monkeypatch.setattr(polling2, "time", SimpleNamespace(time=time.time, sleep=advance_instead))
    client = CloudFoundryClient(cf.url)
    client.init_with_user_credentials(USERNAME, PASSWORD)

    app = client.v3.apps.get_first(names="my-app")
    assert app is not None and client.v3.apps.get(app["guid"])["name"] == "my-app"
    job_guid = client.v3.apps.remove(app["guid"])
    job = client.v3.jobs.get(job_guid)
    assert (job["state"], job["operation"]) == ("PROCESSING", "app.delete")
    assert job.app()["guid"] == app["guid"], "the app is there while its delete job runs"

    done = client.v3.jobs.wait_for_job_completion(job_guid)
    assert (done["state"], sorted(done["links"])) == ("COMPLETE", ["self"])
    assert slept == [1, 2]
    with pytest.raises(InvalidStatusCode) as gone:
        client.v3.apps.get(app["guid"])
    assert (gone.value.status_code, gone.value.body["errors"][0]["title"]) == (404, "CF-ResourceNotFound")
    assert [a["name"] for a in client.v3.apps.list()] == ["my-worker"]

    _, instance_guid, _ = SEEDED_RECORDS[2]
    client.v3.service_instances.remove(instance_guid, asynchronous=False)  # deletes, then waits for its job
    with pytest.raises(InvalidStatusCode) as instance_gone:
        client.v3.service_instances.get(instance_guid)
    assert instance_gone.value.status_code == 404


def test_every_link_resolves_through_a_whole_lifecycle(cf: Serving) -> None:
    crawl_a_lifecycle(cf, cf.url)


def test_every_link_resolves_behind_a_public_url() -> None:
    """Served with `--public-url`: every link is on the public address, and resolves through it."""
    public = "https://cf.example.test/api"
    with served("cf", "--public-url", public) as serving:
        crawl_a_lifecycle(serving, public, behind_public_url(public, serving))


def crawl_a_lifecycle(cf: Serving, base: str, session: requests.Session | None = None) -> None:
    jobs = [
        requests.post(f"{cf.control}/jobs", json=body, timeout=10).json()["url"]
        for body in (
            {"script": [{"state": "PROCESSING", "seconds": 5}, "COMPLETE"]},
            {"script": ["POLLING"], "attributes": {"operation": "service_instance.create"}},
            {"script": ["PROCESSING"], "attributes": {"operation": "space.apply_manifest"}},
            {"script": [{"state": "PROCESSING", "seconds": 5}, "FAILED"], "attributes": {"operation": "app.delete"}},
        )
    ]
    deletes = [
        requests.delete(f"{cf.url}/v3/{collection}/{guid}", headers=AUTH, timeout=10)
        for collection, guid, _ in SEEDED_RECORDS[1:]
    ]
    assert [response.status_code for response in deletes] == [202, 202]
    start = [f"{base}/", f"{base}/v3", *jobs, *(response.headers["Location"] for response in deletes)]

    followed: dict[str, int] = {}
    for stage in ("running", "ended"):
        answers = crawl(base, start, AUTH, session)
        broken = {url: status for url, status in answers.items() if status in (0, 404, 405)}
        assert not broken, f"{stage}: links that do not resolve: {broken}"
        followed.update({f"{stage} {url}": status for url, status in answers.items()})
        advance(cf, 10)
    print(f"the crawler followed {len(followed)} links")
    assert len(followed) >= 25, followed
    assert set(followed.values()) == {200}
