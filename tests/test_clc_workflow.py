"""clc-sdk's whole workflow against `jobcontract serve --api clc` (real HTTP, another process): log in,
read a server, power it off and wait to success, then a power-off scripted over HTTP to fail; and a crawler
that walks every link the mock hands out."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import clc
import pytest
import requests
from clc_sdk import logged_out_sdk

from jobcontract.mocks.clc import DEFAULT_USER, SERVERS
from tests.serving import Serving, behind_public_url, crawl, hrefs, served

SERVER = SERVERS[DEFAULT_USER.alias][0]


@pytest.fixture(scope="module")
def serving() -> Iterator[Serving]:
    with served("clc") as serving:
        yield serving


@pytest.fixture
def sdk(serving: Serving, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """clc-sdk pointed at the served mock, logged out; the mock is reset after the test."""
    session = logged_out_sdk(serving.url, monkeypatch)
    yield clc
    session.close()
    assert requests.post(f"{serving.control}/reset", timeout=10).status_code == 204


def queue(serving: Serving, script: list[Any]) -> None:
    response = requests.put(f"{serving.control}/queue", json={"script": script}, timeout=10)
    assert response.status_code == 200, response.text


def test_power_a_server_off_to_success_then_to_a_scripted_failure(sdk: ModuleType, serving: Serving) -> None:
    server = sdk.v2.Server(SERVER)
    assert (server.name, server.power_state) == (SERVER, "started")

    queue(serving, [{"state": "notStarted", "polls": 1}, {"state": "executing", "polls": 2}, "succeeded"])
    power_off = server.PowerOff()
    assert power_off.WaitUntilComplete(poll_freq=0) == 0 and len(power_off.success_requests) == 1
    server.Refresh()
    assert server.power_state == "stopped"

    queue(serving, [{"state": "executing", "polls": 1}, "failed"])
    power_on = server.PowerOn()
    assert power_on.WaitUntilComplete(poll_freq=0) == 1 and len(power_on.error_requests) == 1
    server.Refresh()
    assert server.power_state == "stopped", "a failed power-on leaves the server off"


def test_every_link_resolves_through_a_whole_lifecycle(serving: Serving, sdk: ModuleType) -> None:
    crawl_a_lifecycle(serving, serving.url, requests.Session())


def test_every_link_resolves_behind_a_public_url() -> None:
    """Served with `--public-url`: every status link is on the public address, and resolves through it."""
    public = "https://clc.example.test/api"
    with served("clc", "--public-url", public) as serving:
        crawl_a_lifecycle(serving, public, behind_public_url(public, serving))


def crawl_a_lifecycle(serving: Serving, base: str, session: requests.Session) -> None:
    login = session.post(
        f"{base}/v2/authentication/login",
        json={"username": DEFAULT_USER.username, "password": DEFAULT_USER.password},
        timeout=10,
    ).json()
    headers = {"Authorization": f"Bearer {login['bearerToken']}"}
    alias = login["accountAlias"]
    queue(serving, [{"state": "executing", "polls": 2}, "succeeded"])
    start = [f"{base}/v2/servers/{alias}/{server}" for server in SERVERS[alias]]
    for operation in ("powerOff", "pause", "startMaintenance"):
        queued = session.post(
            f"{base}/v2/operations/{alias}/servers/{operation}",
            json=[SERVER, "WA1ALIASNEW01"],
            headers=headers,
            timeout=10,
        )
        assert queued.status_code == 202
        start.extend(hrefs(queued.json()))
    start.append(f"{base}/v2/servers/{alias}/WA1ALIASNEW01")  # a server a power operation named is the account's

    followed: dict[str, int] = {}
    for stage in ("queued", "executing", "ended"):
        answers = crawl(base, start, headers, session)
        broken = {url: status for url, status in answers.items() if status in (0, 404, 405)}
        assert not broken, f"{stage}: links that do not resolve (0: not on {base}): {broken}"
        followed.update({f"{stage} {url}": status for url, status in answers.items()})
    print(f"the crawler followed {len(followed)} links")
    assert len(followed) >= 27 and set(followed.values()) == {200}, followed
    assert requests.get(f"{serving.control}/jobs", timeout=10).json()["jobs"], "the operations queued jobs"
