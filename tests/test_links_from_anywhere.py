"""Links that work from anywhere: every Location and link a served mock hands out is built from where the
request was sent (`Host`, RFC 7239 `Forwarded`, `X-Forwarded-Proto`/`-Host`) or from `--public-url`, so a
client in another container or behind a proxy can follow them; a malformed value is never copied into a link."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from serving import Serving, refused_serve, served

from jobcontract.mocks.links import request_base_url

EXECUTE = {"inputs": {"message": "hello"}}


@pytest.fixture(scope="module")
def ogc() -> Iterator[Serving]:
    with served("ogc") as serving:
        yield serving


def execute(ogc: Serving, **headers: str) -> requests.Response:
    headers = {"Prefer": "respond-async", **headers}
    response = requests.post(f"{ogc.url}/processes/echo/execution", json=EXECUTE, headers=headers, timeout=10)
    assert response.status_code == 201, response.text
    return response


@pytest.mark.parametrize(
    ("headers", "base"),
    [
        ({"Host": "jobs.example.test:8443"}, "http://jobs.example.test:8443"),
        ({"Forwarded": 'for=10.0.0.1;proto=https;host="public.example.test"'}, "https://public.example.test"),
        ({"X-Forwarded-Proto": "https", "X-Forwarded-Host": "proxy.example.test"}, "https://proxy.example.test"),
        ({"Host": "[::1]:9000"}, "http://[::1]:9000"),
    ],
    ids=["host", "forwarded", "x-forwarded", "ipv6-host"],
)
def test_locations_and_links_follow_the_request(ogc: Serving, headers: dict[str, str], base: str) -> None:
    answer = execute(ogc, **headers)
    job_id = answer.json()["jobID"]
    assert answer.headers["Location"] == f"{base}/jobs/{job_id}"
    status = requests.get(f"{ogc.url}/jobs/{job_id}", headers=headers, timeout=10).json()
    assert {link["href"] for link in status["links"] if link["rel"] == "self"} == {f"{base}/jobs/{job_id}"}
    control = requests.post(f"{ogc.control}/jobs", json={"script": ["running"]}, headers=headers, timeout=10)
    if "Host" in headers:  # the control API answers only at the mock's own addresses (DNS rebinding)
        assert control.status_code == 403, control.text
    else:
        assert control.json()["url"].startswith(f"{base}/jobs/"), control.text


def test_without_such_headers_links_are_where_the_mock_listens(ogc: Serving) -> None:
    job_id = execute(ogc).json()["jobID"]
    assert execute(ogc).headers["Location"].startswith(f"{ogc.url}/jobs/")
    assert requests.get(f"{ogc.url}/jobs/{job_id}", timeout=10).json()["links"][0]["href"].startswith(ogc.url)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-Host": "evil.example/<script>"},
        {"Forwarded": "host=a b"},
        {"X-Forwarded-Host": "x.example:99999999"},
    ],
    ids=["path-in-host", "space", "long-port"],
)
def test_a_malformed_value_is_never_copied_into_a_link(ogc: Serving, headers: dict[str, str]) -> None:
    assert execute(ogc, **headers).headers["Location"].startswith(f"{ogc.url}/jobs/")


def test_a_public_url_is_the_base_of_every_link() -> None:
    with served("cf", "--public-url", "https://cf.example.test/mock/") as cf:
        created = requests.post(f"{cf.control}/jobs", json={"script": ["PROCESSING"]}, timeout=10).json()
        assert created["url"] == f"https://cf.example.test/mock/v3/jobs/{created['id']}"
        token = {"Authorization": "Bearer jobcontract-cf-token", "Host": "elsewhere.example.test"}
        job = requests.get(f"{cf.url}/v3/jobs/{created['id']}", headers=token, timeout=10).json()
        assert job["links"]["self"]["href"] == f"https://cf.example.test/mock/v3/jobs/{created['id']}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--api", "ogc", "--public-url", "ftp://x.example"], "is not an http:// or https:// URL"),
        (["--api", "all", "--public-url", "https://x.example"], "with --api all, links follow each request's Host"),
    ],
)
def test_a_bad_public_url_is_refused(args: list[str], message: str) -> None:
    result = refused_serve(*args)
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_the_first_forwarded_hop_wins_and_a_bad_proto_is_not_used() -> None:
    forwarded = "proto=https;host=first.example, proto=http;host=second.example"
    assert request_base_url(forwarded, None, None, "h:1", "http", "http://b") == "https://first.example"
    assert request_base_url("proto=gopher;host=x.example", None, None, None, "http", "b") == "http://x.example"
    assert request_base_url(None, None, None, "0.0.0.0:8080", "http", "http://127.0.0.1:1") == "http://127.0.0.1:1"


def test_the_import_export_documents_follow_the_request_too() -> None:
    """CreateJob's ArtifactList URL, from a SigV2 form post (the service's own query protocol)."""
    fields = {
        "Action": "CreateJob",
        "Version": "2010-06-01",
        "JobType": "Import",
        "Manifest": "manifestVersion:2.0\ndeviceId:1\nbucket:b\n",
        "ValidateOnly": "false",
        "AWSAccessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "SignatureVersion": "2",
        "SignatureMethod": "HmacSHA256",
        "Signature": "not-checked-by-the-mock",
        "Timestamp": "2010-03-28T20:27:35Z",
    }
    forwarded = {"X-Forwarded-Host": "ie.example.test", "X-Forwarded-Proto": "https"}
    with served("importexport") as importexport:
        answer = requests.post(f"{importexport.url}/", data=fields, headers=forwarded, timeout=10)
        assert answer.status_code == 200, answer.text
        url = answer.text.split("<URL>", 1)[1].split("</URL>", 1)[0]
        assert url.startswith("https://ie.example.test/artifacts/"), url
        document = requests.get(importexport.url + url.removeprefix("https://ie.example.test"), timeout=10)
    assert document.status_code == 200 and document.headers["Content-Type"].startswith("application/pdf")
