"""The Import/Export mock as a client developer meets it: `jobcontract serve --api importexport` in its
own process, boto3 walking the whole job workflow against it over real sockets (create, poll to the end
with the clock advanced over the control API, cancel another job, list, shipping label, the documents
fetched), the HTTP control API under `/__jobcontract` with its errors (the formats of `mocks/control.py`), and
the answers to a form post with a wrong `Version` or an unknown `Action`: Import/Export's own errors,
never another service's."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError
from serving import Serving, served

from jobcontract.suites.common import check_response
from jobcontract.suites.importexport.provider import EMBEDDED_CREDENTIALS, SigV4

KEY, SECRET = EMBEDDED_CREDENTIALS.access_key, EMBEDDED_CREDENTIALS.secret_key
MANIFEST = "manifestVersion:2.0\ngenerator:jobcontract\nbucket:my-bucket\ndeviceId:49382\n"
HOUR, DAY = 3600, 86400
LIFE = ["NotReceived/Pending", "AtAWS/Pending", "AtAWS/InProgress", "AtAWS/Complete", "Returned/Complete"]
SIGV2 = {
    "AWSAccessKeyId": KEY,
    "SignatureVersion": "2",
    "SignatureMethod": "HmacSHA256",
    "Timestamp": "2010-03-28T20:27:35Z",
    "Signature": "c2lnbmF0dXJl",
}


@pytest.fixture(scope="module")
def serving() -> Iterator[Serving]:
    with served("importexport") as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(serving: Serving) -> None:
    """Every test starts from an empty account (the control API's reset)."""
    assert requests.post(f"{serving.control}/reset", timeout=10).status_code == 204


def client_of(serving: Serving, config: Config | None = None) -> Any:
    return boto3.client(
        "importexport",
        region_name="us-east-1",
        endpoint_url=serving.url,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        config=config,
    )


def control(serving: Serving, method: str, path: str = "", body: Any = None) -> requests.Response:
    return requests.request(method, f"{serving.control}{path}", json=body, timeout=10)


def assert_pdf(response: requests.Response, *texts: str) -> None:
    """A PDF (its media type, header, trailer, and every cross-reference pointing at its object) that says `texts`."""
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf", response.text[:300]
    content = response.content
    assert content.startswith(b"%PDF-1.") and content.rstrip().endswith(b"%%EOF")
    xref = int(content.rsplit(b"startxref", 1)[1].split()[0])
    assert content[xref:].startswith(b"xref")
    offsets = [int(entry[:10]) for entry in re.findall(rb"\d{10} 00000 n", content[xref:])]
    assert offsets and all(content[offset:].startswith(b"%d 0 obj" % n) for n, offset in enumerate(offsets, 1))
    for text in texts:
        assert text.encode() in content, f"the PDF does not say {text!r}"


# -- a real client, end to end -----------------------------------------------------------------------------
def test_boto3_walks_the_whole_workflow(serving: Serving) -> None:
    client = client_of(serving)
    created = client.create_job(JobType="Import", Manifest=MANIFEST, ValidateOnly=False)
    job_id = created["JobId"]
    other = client.create_job(JobType="Import", Manifest=MANIFEST, ValidateOnly=False)["JobId"]

    [artifact] = created["ArtifactList"]
    assert artifact["URL"].startswith(f"{serving.url}/artifacts/")
    assert_pdf(requests.get(artifact["URL"], timeout=10), f"Job {job_id}", created["Signature"])

    assert client.cancel_job(JobId=other)["Success"] is True
    assert client.get_status(JobId=other)["ProgressCode"] == "Canceled"

    seen = []
    for _ in range(40):  # two hours of the mock's clock between polls, advanced over HTTP
        status = client.get_status(JobId=job_id)
        seen.append(f"{status['LocationCode']}/{status['ProgressCode']}")
        if seen[-1] == LIFE[-1]:
            break
        assert control(serving, "POST", "/clock", {"advance": 2 * HOUR}).status_code == 200
    assert list(dict.fromkeys(seen)) == LIFE
    assert status["ErrorCount"] == 0 and status["TrackingNumber"] in status["LocationMessage"]
    assert status["ArtifactList"] == created["ArtifactList"]

    listed = {job["JobId"]: job["IsCanceled"] for job in client.list_jobs()["Jobs"]}
    assert listed == {job_id: False, other: True}

    label = client.get_shipping_label(
        jobIds=[job_id], name="Jane Roe", street1="1 Main St", city="Seattle", country="US"
    )["ShippingLabelURL"]
    assert label.startswith(f"{serving.url}/shipping-labels/")
    assert_pdf(requests.get(label, timeout=10), f"job {job_id}", status["TrackingNumber"], "Jane Roe")

    actions = [entry["action"] for entry in control(serving, "GET", "/journal").json()["requests"]]
    for action in ("CreateJob", "CancelJob", "GetStatus", "ListJobs", "GetShippingLabel"):
        assert action in actions, f"the journal has no {action}: {actions}"


def test_a_document_that_is_not_there_is_s3_s_no_such_key(serving: Serving) -> None:
    job_id = client_of(serving).create_job(JobType="Import", Manifest=MANIFEST, ValidateOnly=False)["JobId"]
    url = client_of(serving).get_status(JobId=job_id)["ArtifactList"][0]["URL"]
    for missing in (url.replace(job_id, "NOJOB"), f"{serving.url}/shipping-labels/123456789012/nothing.pdf"):
        answer = requests.get(missing, timeout=10)
        assert answer.status_code == 404 and "<Code>NoSuchKey</Code>" in answer.text, missing
    refused = requests.post(url, timeout=10)
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"
    assert requests.head(url, timeout=10).headers["Content-Type"] == "application/pdf"


# -- the control API's verbs -------------------------------------------------------------------------------
def test_describe_names_the_api_its_states_and_scripts(serving: Serving) -> None:
    described = control(serving, "GET").json()
    assert described["api"] == "importexport" and "Returned/SuccessWithErrors" in described["states"]
    assert [step["state"] for step in described["default_script"]] == LIFE
    assert {"complete", "success-with-errors", "device-error", "expires"} <= set(described["scripts"])
    assert set(described["control"]) == {
        "create job",
        "show job",
        "inject fault",
        "advance clock",
        "reset",
        "journal",
    }


def test_a_job_created_over_http_follows_its_script(serving: Serving) -> None:
    created = control(
        serving,
        "POST",
        "/jobs",
        {"id": "SWERR", "type": "Export", "script": "success-with-errors", "error_count": 3},
    )
    assert created.status_code == 201 and created.json()["id"] == "SWERR"
    polled = requests.get(created.json()["url"], timeout=10)  # the url a client polls: GetStatus of the job
    assert polled.status_code == 200 and "<JobId>SWERR</JobId>" in polled.text
    assert "<JobType>Export</JobType>" in polled.text

    clock = control(serving, "POST", "/clock", {"advance": 3 * DAY}).json()
    assert clock["seconds"] >= 3 * DAY and control(serving, "GET", "/clock").json()["seconds"] >= clock["seconds"]
    status = client_of(serving).get_status(JobId="SWERR")
    assert (status["LocationCode"], status["ProgressCode"], status["ErrorCount"]) == (
        "Returned",
        "SuccessWithErrors",
        3,
    )

    shown = control(serving, "GET", "/jobs/SWERR").json()
    assert shown["state"] == "Returned/SuccessWithErrors" and shown["terminal"] and shown["polls"] == 2
    assert [entry["state"] for entry in shown["history"]][:2] == ["NotReceived/Pending", "AtAWS/Pending"]
    steps = [{"state": "AtAWS/InProgress", "polls": 1}, "AtAWS/DeviceError"]
    assert control(serving, "POST", "/jobs", {"id": "DEVER", "script": steps}).status_code == 201
    # the common control client's way: the job's fields as attributes
    assert control(serving, "POST", "/jobs", {"id": "ATTR", "attributes": {"type": "Export"}}).status_code == 201
    assert client_of(serving).get_status(JobId="ATTR")["JobType"] == "Export"
    assert control(serving, "GET", "/jobs").json() == {"jobs": ["SWERR", "DEVER", "ATTR"]}
    codes = [client_of(serving).get_status(JobId="DEVER")["ProgressCode"] for _ in range(2)]
    assert codes == ["InProgress", "DeviceError"]

    assert control(serving, "POST", "/reset").status_code == 204
    assert control(serving, "GET", "/jobs").json() == {"jobs": []}
    assert control(serving, "GET", "/clock").json()["seconds"] < DAY, "the clock starts again"


def test_faults_over_http_hold_up_or_drop_a_poll(serving: Serving) -> None:
    job_id = control(serving, "POST", "/jobs", {"faults": {"1": {"delay": 1}}}).json()["id"]
    assert control(serving, "POST", f"/jobs/{job_id}/faults", {"fault": {"drop": True}, "poll": 3}).json() == {
        "poll": 3
    }
    assert control(serving, "POST", f"/jobs/{job_id}/faults", {"fault": {"dribble": 0.5}, "poll": 2}).json() == {
        "poll": 2
    }
    client = client_of(serving, Config(retries={"total_max_attempts": 1}))
    started = time.monotonic()
    assert client.get_status(JobId=job_id)["JobId"] == job_id
    assert time.monotonic() - started >= 1, "the first poll was delayed"
    assert client.get_status(JobId=job_id)["JobId"] == job_id  # dribbled, whole
    with pytest.raises(ConnectionClosedError):
        client.get_status(JobId=job_id)
    journal = control(serving, "GET", "/journal").json()["requests"]
    polls = [entry for entry in journal if entry["action"] == "GetStatus"]
    assert [entry["dropped"] for entry in polls] == [False, False, True]
    assert all(entry["headers"]["Authorization"] == "[redacted]" for entry in polls)
    assert control(serving, "GET", f"/jobs/{job_id}").json()["polls"] == 3


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "says"),
    [
        ("POST", "/jobs", {"scirpt": "complete"}, 400, "unknown field(s) ['scirpt']"),
        ("POST", "/jobs", {"script": ["Lost/Pending"]}, 400, "is not an Import/Export state"),
        ("POST", "/jobs", {"script": "never"}, 400, "no script 'never'"),
        ("POST", "/jobs", {"script": 3}, 400, "script must be"),
        ("POST", "/jobs", {"type": "Transfer"}, 400, "type must be one of Import, Export"),
        ("POST", "/jobs", {"manifest": "not a manifest"}, 400, "manifest: Your manifest is not well-formed"),
        ("POST", "/jobs", {"error_count": -1}, 400, "error_count must be an integer >= 0"),
        ("POST", "/jobs", {"id": ""}, 400, "id must be a non-empty string"),
        ("POST", "/jobs", {"faults": {"1": {"status": 500}}}, 400, "not a status"),
        ("POST", "/jobs", {"faults": {"0": {"delay": 1}}}, 400, "keyed by poll number"),
        ("POST", "/jobs", {"attributes": {"colour": "red"}}, 400, "unknown attribute(s) ['colour']"),
        ("POST", "/jobs", {"type": "Import", "attributes": {"type": "Export"}}, 400, "give it once"),
        ("POST", "/jobs", "[1, 2]", 400, "takes a JSON object"),
        ("POST", "/jobs", "{not json", 400, "takes a JSON object"),
        ("POST", "/clock", {"advance": -5}, 400, "the clock only moves forward"),
        ("POST", "/clock", {"by": 5}, 400, 'advance the clock with {"advance": seconds}'),
        ("GET", "/jobs/NOJOB", None, 404, "no job 'NOJOB'"),
        ("POST", "/jobs/NOJOB/faults", {"fault": {"delay": 1}}, 404, "no job 'NOJOB'"),
        ("GET", "/nothing", None, 404, "not found"),
        ("DELETE", "/reset", None, 405, "not allowed"),
    ],
)
def test_a_malformed_control_request_says_what_is_wrong(
    serving: Serving, method: str, path: str, body: Any, status: int, says: str
) -> None:
    data = body if isinstance(body, str) else None
    json_body = None if isinstance(body, str) else body
    headers = {"Content-Type": "application/json"} if data is not None else {}
    answer = requests.request(
        method, f"{serving.control}{path}", json=json_body, data=data, headers=headers, timeout=10
    )
    assert answer.status_code == status and answer.headers["Content-Type"] == "application/json", answer.text
    assert says.lower() in answer.json()["error"].lower(), answer.json()


def test_control_errors_about_a_job_that_exists(serving: Serving) -> None:
    job_id = control(serving, "POST", "/jobs", {"id": "TAKEN"}).json()["id"]
    assert control(serving, "POST", "/jobs", {"id": "TAKEN"}).json() == {"error": "job 'TAKEN' already exists"}
    client_of(serving).get_status(JobId=job_id)
    past = control(serving, "POST", f"/jobs/{job_id}/faults", {"fault": {"delay": 1}, "poll": 1})
    assert past.status_code == 400 and "poll 1 is past" in past.json()["error"]
    bad = control(serving, "POST", f"/jobs/{job_id}/faults", {"fault": {"delay": "soon"}})
    assert bad.status_code == 400 and "delay" in bad.json()["error"]


# -- a wrong Version, an unknown Action: Import/Export's own errors ------------------------------------------
SIGNINGS = {
    "unsigned": ({}, None),
    "SigV2": (SIGV2, None),
    "SigV4": ({}, SigV4(EMBEDDED_CREDENTIALS)),
}


@pytest.mark.parametrize("signing", sorted(SIGNINGS))
@pytest.mark.parametrize(
    ("fields", "code", "says"),
    [
        ({"Action": "GetStatus", "Version": "2009-04-15", "JobId": "ABCDE"}, "InvalidVersionException", "2009-04-15"),
        ({"Action": "GetStatus", "Version": "2011-01-01", "JobId": "ABCDE"}, "InvalidVersionException", "2010-06-01"),
        ({"Action": "GetStatus", "JobId": "ABCDE"}, "MissingParameterException", "Version"),
        ({"Action": "ListBuckets", "Version": "2010-06-01"}, "InvalidParameterException", "ListBuckets"),
        ({"Version": "2010-06-01"}, "MissingParameterException", "Action"),
    ],
    ids=["sdb-version", "future-version", "no-version", "unknown-action", "no-action"],
)
def test_a_post_outside_the_api_gets_an_import_export_error(
    serving: Serving, signing: str, fields: dict[str, str], code: str, says: str
) -> None:
    extra, auth = SIGNINGS[signing]
    answer = requests.post(serving.url, data={**fields, **extra}, auth=auth, timeout=10)
    body = check_response("importexport", "GetStatus", answer)  # the documented 400 envelope, parsed as boto3 does
    assert answer.status_code == 400 and body["Error"]["Code"] == code and body["Error"]["Type"] == "Sender"
    assert says in body["Error"]["Message"]
    assert "ListAllMyBucketsResult" not in answer.text and "<ErrorResponse" in answer.text


def test_a_browser_s_get_of_the_endpoint_is_import_export_s_not_s3_s(serving: Serving) -> None:
    answer = requests.get(serving.url, timeout=10)
    assert answer.status_code == 400 and "<Code>MissingParameterException</Code>" in answer.text
    assert "ListAllMyBucketsResult" not in answer.text
