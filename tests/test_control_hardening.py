"""Who may drive a mock through its control API (mocks/control.py `ControlPolicy`), over real sockets: JSON
bodies only (a web page's `text/plain` or form post is 415), no request from a web page of another site
(`Origin`, `Sec-Fetch-Site`: 403), the `Host` one of the mock's own addresses (DNS rebinding: 403), and with
`serve --control-token` the token on every call (401 without it). `serve` refuses an address beyond loopback
without a token unless `--control-open`, which warns. The job list comes in pages that `Control` follows."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest
import requests
from serving import Serving, refused_serve, served

from jobcontract.mocks import CONTROL_PREFIX, MockServer, make_app
from jobcontract.mocks.control import TOKEN_VARIABLE, Control, ControlError

TOKEN = "s3cret-control-token"
JOB = b'{"script": ["running"]}'


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(make_app("ogc")) as running:  # stopping a server takes half a second: one per module
        yield running


@pytest.fixture
def served_ogc(server: MockServer) -> MockServer:
    """A fresh OGC mock on 127.0.0.1, its control API under the default policy (no token: Host checked)."""
    server.app = make_app("ogc")
    server.app.base_url = server.url
    return server


def port_of(url: str) -> str:
    return url.rsplit(":", 1)[1]


# -- JSON only, and no web page of another site ---------------------------------------------------------------
REFUSED = [
    # a browser's "simple" cross-site request: no preflight, so the only guard is the server's
    ("text/plain from another site", {"Content-Type": "text/plain", "Origin": "http://evil.example"}, JOB, 403),
    ("text/plain", {"Content-Type": "text/plain"}, JOB, 415),
    ("a form", {"Content-Type": "application/x-www-form-urlencoded"}, b"script=running", 415),
    ("multipart", {"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\n\r\n{}\r\n--x--\r\n", 415),
    ("no Content-Type", {}, JOB, 415),
    ("JSON from another site", {"Content-Type": "application/json", "Origin": "http://evil.example"}, JOB, 403),
    ("JSON from an opaque origin", {"Content-Type": "application/json", "Origin": "null"}, JOB, 403),
    ("Sec-Fetch-Site cross-site", {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, JOB, 403),
    ("Sec-Fetch-Site same-site", {"Content-Type": "application/json", "Sec-Fetch-Site": "same-site"}, JOB, 403),
]


@pytest.mark.parametrize(("headers", "body", "status"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_a_request_a_web_page_can_send_creates_no_job(
    served_ogc: MockServer, headers: dict[str, str], body: bytes, status: int
) -> None:
    answer = requests.post(f"{served_ogc.url}{CONTROL_PREFIX}/jobs", data=body, headers=headers, timeout=10)
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/json" and list(answer.json()) == ["error"]
    if status == 415:
        assert "Content-Type: application/json" in answer.json()["error"]
    else:
        assert "other sites" in answer.json()["error"]
    assert served_ogc.app.job_ids() == [], "a refused request made a job"


def test_the_mocks_own_pages_and_plain_clients_still_drive_it(served_ogc: MockServer) -> None:
    jobs = f"{served_ogc.url}{CONTROL_PREFIX}/jobs"
    own = {"Origin": served_ogc.url, "Sec-Fetch-Site": "same-origin"}
    assert requests.post(jobs, data=JOB, headers={"Content-Type": "application/json", **own}, timeout=10).ok
    charset = {"Content-Type": "application/json; charset=utf-8"}
    assert requests.post(jobs, data=JOB, headers=charset, timeout=10).status_code == 201
    assert requests.post(f"{served_ogc.url}{CONTROL_PREFIX}/reset", timeout=10).status_code == 204, "no body: fine"
    assert served_ogc.app.job_ids() == []


# -- the Host: DNS rebinding ------------------------------------------------------------------------------------
def test_a_rebinding_host_is_refused_and_the_mocks_own_addresses_are_not(served_ogc: MockServer) -> None:
    port = port_of(served_ogc.url)
    describe = f"{served_ogc.url}{CONTROL_PREFIX}"
    rebound = requests.get(describe, headers={"Host": f"evil.example:{port}"}, timeout=10)
    assert rebound.status_code == 403, rebound.text
    assert "DNS rebinding" in rebound.json()["error"] and f"127.0.0.1:{port}" in rebound.json()["error"]
    for other in ("127.0.0.1:1", f"evil.example@127.0.0.1:{port}", f"evil.example:{port}.127.0.0.1", "[::1"):
        assert requests.get(describe, headers={"Host": other}, timeout=10).status_code == 403, other
    created = requests.post(
        f"{describe}/jobs", json={"id": "x"}, headers={"Host": f"attacker.example:{port}"}, timeout=10
    )
    assert created.status_code == 403 and served_ogc.app.job_ids() == []
    for own in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}"):
        assert requests.get(describe, headers={"Host": own}, timeout=10).status_code == 200, own
    assert requests.get(f"{served_ogc.url}/conformance", headers={"Host": "evil.example"}, timeout=10).ok, (
        "the API itself answers any Host"
    )


def test_the_public_urls_host_is_one_of_the_mocks_addresses(served_ogc: MockServer) -> None:
    served_ogc.app.public_url = "https://jobs.example.test/ogc"
    describe = f"{served_ogc.url}{CONTROL_PREFIX}"
    public = {"Host": "jobs.example.test", "Origin": "https://jobs.example.test"}
    assert requests.get(describe, headers=public, timeout=10).status_code == 200
    assert requests.get(describe, headers={"Host": "jobs.example.test:8443"}, timeout=10).status_code == 403


# -- the token ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ogc_with_token() -> Iterator[Serving]:
    with served("ogc", "--control-token", TOKEN) as serving:
        yield serving


def test_with_a_token_every_control_call_needs_it(ogc_with_token: Serving) -> None:
    control = ogc_with_token.control
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        refused = requests.get(f"{control}/jobs", headers=headers, timeout=10)
        assert refused.status_code == 401, refused.text
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert "--control-token" in refused.json()["error"] and TOKEN not in refused.text
    posted = requests.post(f"{control}/reset", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert posted.status_code == 401
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert requests.get(f"{control}/jobs", headers=bearer, timeout=10).json() == {"jobs": []}
    # a web page cannot have the token: with it, any Host will do (a container's name, a published port)
    port = port_of(ogc_with_token.url)
    assert requests.get(control, headers={**bearer, "Host": f"mocks:{port}"}, timeout=10).status_code == 200
    assert requests.get(f"{ogc_with_token.url}/conformance", timeout=10).ok, "the API itself needs no token"


def test_the_client_sends_the_token_given_or_the_environments(
    ogc_with_token: Serving, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)
    with pytest.raises(ControlError) as refused:
        Control(ogc_with_token.url).jobs()
    assert refused.value.status == 401
    job_id = Control(ogc_with_token.url, token=TOKEN).create_job(["running"])
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    assert Control(ogc_with_token.control).jobs() == [job_id]
    Control(ogc_with_token.url).reset()


def test_the_import_export_mock_on_motos_server_has_the_same_guards() -> None:
    with served("importexport", "--control-token", TOKEN) as serving:
        assert requests.get(f"{serving.control}/jobs", timeout=10).status_code == 401
        control = Control(serving.url, token=TOKEN)
        job_id = control.create_job(job_id="GUARD")
        assert control.jobs() == [job_id]
        text = requests.post(
            f"{serving.control}/jobs",
            data=b"{}",
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"},
            timeout=10,
        )
        assert text.status_code == 415, text.text
        cross_site = requests.post(
            f"{serving.control}/reset",
            headers={"Authorization": f"Bearer {TOKEN}", "Origin": "http://evil.example"},
            timeout=10,
        )
        assert cross_site.status_code == 403 and control.jobs() == [job_id]


def test_the_import_export_mock_without_a_token_checks_the_host() -> None:
    with served("importexport") as serving:
        port = port_of(serving.url)
        rebound = requests.get(serving.control, headers={"Host": f"evil.example:{port}"}, timeout=10)
        assert rebound.status_code == 403 and "DNS rebinding" in rebound.json()["error"]
        assert requests.get(serving.control, headers={"Host": f"localhost:{port}"}, timeout=10).status_code == 200


# -- serve: beyond loopback only with a token (or --control-open, loudly) ------------------------------------
NOT_HERE = "192.0.2.1"  # TEST-NET-1 (RFC 5737): not loopback, and no address of this machine, so never bound


def serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != TOKEN_VARIABLE} | (env or {})
    return refused_serve("--api", "ogc", "--port", "0", *args, env=environment, timeout=30)


def test_serve_beyond_loopback_without_a_token_refuses_to_start_saying_how() -> None:
    refused = serve("--host", NOT_HERE)
    assert refused.returncode == 2, refused.stderr
    assert "--control-token" in refused.stderr and "--control-open" in refused.stderr and NOT_HERE in refused.stderr
    assert refused.stdout == ""
    both = serve("--control-token", TOKEN, "--control-open")
    assert both.returncode == 2 and "not both" in both.stderr


def test_serve_beyond_loopback_with_control_open_warns_loudly() -> None:
    # the address cannot be bound, so serve stops right after its checks: the warning is what it said first
    opened = serve("--host", NOT_HERE, "--control-open")
    assert opened.stderr.startswith("WARNING: --control-open"), opened.stderr
    assert "anyone" in opened.stderr and opened.returncode == 1, opened.stderr
    with_token = serve("--host", NOT_HERE, env={TOKEN_VARIABLE: TOKEN})
    assert with_token.returncode == 1 and "WARNING" not in with_token.stderr, with_token.stderr
    assert "cannot listen" in with_token.stderr, "the token from the environment let it try"


# -- the job list, in pages -------------------------------------------------------------------------------------
def test_the_job_list_comes_in_pages_that_the_client_follows(served_ogc: MockServer) -> None:
    app = served_ogc.app
    made = [app.create_job(["running"], f"job-{number:04d}") for number in range(1005)]
    jobs = f"{served_ogc.url}{CONTROL_PREFIX}/jobs"
    first = requests.get(jobs, params={"limit": 2}, timeout=10).json()
    assert first["jobs"] == made[:2] and first["next"] == f"{jobs}?limit=2&after=job-0001"
    second = requests.get(first["next"], timeout=10).json()
    assert second["jobs"] == made[2:4]
    last = requests.get(jobs, params={"limit": 10, "after": made[-3]}, timeout=10).json()
    assert last == {"jobs": made[-2:]}, "no next page after the last"
    assert len(requests.get(jobs, timeout=10).json()["jobs"]) == 1000, "1000 a page unless asked"
    assert Control(served_ogc.url).jobs() == made
    for query, says in (
        ({"limit": 0}, "limit is an integer from 1 to 10000"),
        ({"limit": "²"}, "limit is an integer"),
        ({"limit": "9" * 5000}, "limit is an integer"),
        ({"after": "gone"}, "after='gone' names no job"),
    ):
        answer = requests.get(jobs, params=query, timeout=10)
        assert answer.status_code == 400 and says in answer.json()["error"], answer.text
