"""boto3's own `importexport` client against the moto backend, in both of moto's modes: in-process
(`mock_aws()`) and moto's stock `ThreadedMotoServer` through `endpoint_url`. And the form posts boto3
never sends (the Developer Guide's SigV2, and unsigned): they must reach Import/Export, not S3. And the
faults a client developer scripts: a delayed poll, a dropped connection, a dribbled answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError
from moto import mock_aws
from moto.moto_server import werkzeug_app
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from jobcontract.mocks import ScriptError, importexport

KEY, OTHER_KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
MANIFEST = "manifestVersion:2.0\ngenerator:jobcontract\nbucket:my-bucket\ndeviceId:49382\nlogPrefix:logs/\n"
EXPORT_MANIFEST = "manifestVersion:2.0\ndeviceId:80234\nfileSystem:NTFS\nfileExport:\n    bucket:my-bucket\n"
DAY = 86400
SIGV2 = {
    "AWSAccessKeyId": KEY,
    "SignatureVersion": "2",
    "SignatureMethod": "HmacSHA256",
    "Timestamp": "2010-03-28T20:27:35Z",
    "Signature": "c2lnbmF0dXJl",
}


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    importexport.register()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["mock_aws", "moto_server"])
def endpoint(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """`None` for in-process `mock_aws()`, else the URL of a ThreadedMotoServer (reset after the test)."""
    importexport.register()  # before mock_aws starts (it snapshots the URL patterns for `requests`)
    if request.param == "mock_aws":
        with mock_aws():
            yield None
    else:
        url: str = request.getfixturevalue("moto_server")
        yield url
        requests.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()


def client_for(endpoint: str | None, access_key: str = KEY) -> Any:
    return boto3.client(
        "importexport",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=SECRET,
    )


@pytest.fixture
def client(endpoint: str | None) -> Any:
    return client_for(endpoint)


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[int, dict[str, str]]:
    return raised.value.response["ResponseMetadata"]["HTTPStatusCode"], raised.value.response["Error"]


def create(client: Any, manifest: str = MANIFEST, job_type: str = "Import") -> str:
    return str(client.create_job(JobType=job_type, Manifest=manifest, ValidateOnly=False)["JobId"])


def test_create_status_cancel_status(client: Any) -> None:
    created = client.create_job(JobType="Import", Manifest=MANIFEST, ValidateOnly=False)
    job_id = created["JobId"]
    assert len(job_id) == 5 and created["JobType"] == "Import" and created["Signature"]
    assert f"jobId:{job_id}" in created["SignatureFileContents"] and created["ArtifactList"]

    status = client.get_status(JobId=job_id)
    assert (status["JobId"], status["JobType"]) == (job_id, "Import")
    assert (status["LocationCode"], status["ProgressCode"]) == ("NotReceived", "Pending")
    assert status["LocationMessage"] == "AWS has not received your device."
    assert status["ProgressMessage"] == "The specified job has not started."
    assert isinstance(status["CreationDate"], datetime) and status["CurrentManifest"] == MANIFEST
    assert (status["LogBucket"], status["LogKey"]) == ("my-bucket", f"logs/{job_id}-import-log.txt")
    assert not {"Carrier", "TrackingNumber", "ErrorCount"} & set(status)

    assert client.cancel_job(JobId=job_id)["Success"] is True
    canceled = client.get_status(JobId=job_id)
    assert (canceled["ProgressCode"], canceled["ProgressMessage"]) == ("Canceled", "The job was canceled.")
    assert canceled["CreationDate"] == status["CreationDate"]
    assert client.list_jobs()["Jobs"][0]["IsCanceled"] is True

    importexport.advance(DAY)  # the mock keeps a canceled job visible for a day, then it is no longer valid
    with pytest.raises(client.exceptions.CanceledJobIdException) as raised:
        client.get_status(JobId=job_id)
    assert error_of(raised) == (
        400,
        {
            "Type": "Sender",
            "Code": "CanceledJobIdException",
            "Message": f"The specified job ID {job_id} has been canceled and is no longer valid.",
        },
    )


def test_a_job_lives_through_the_documented_codes(client: Any) -> None:
    job_id = create(client)
    seen = []
    for _ in range(36):  # three days, two hours apart
        status = client.get_status(JobId=job_id)
        seen.append(f"{status['LocationCode']}/{status['ProgressCode']}")
        importexport.advance(2 * 3600)
    assert list(dict.fromkeys(seen)) == [
        "NotReceived/Pending",
        "AtAWS/Pending",
        "AtAWS/InProgress",
        "AtAWS/Complete",
        "Returned/Complete",
    ]
    assert status["ErrorCount"] == 0 and status["Carrier"] == "UPS" and status["TrackingNumber"].startswith("1Z")
    assert status["TrackingNumber"] in status["LocationMessage"]
    assert status["ProgressMessage"] == (
        f"The data loaded successfully. The log was saved to logs/{job_id}-import-log.txt in the bucket my-bucket."
    )


def test_scripted_outcomes(client: Any) -> None:
    backend = importexport.backend()
    with_errors = backend.create_job("Import", MANIFEST, script="success-with-errors", error_count=3).job_id
    broken = backend.create_job("Import", MANIFEST, script="device-error").job_id
    importexport.advance(5 * DAY)
    assert client.get_status(JobId=with_errors)["ErrorCount"] == 3
    status = client.get_status(JobId=broken)
    assert (status["LocationCode"], status["ProgressCode"]) == ("Returned", "DeviceError")
    assert "ErrorCount" not in status


def test_list_jobs_pages_newest_first(client: Any) -> None:
    created = []
    for _ in range(5):
        created.append(create(client))
        importexport.advance(1)
    first = client.list_jobs(MaxJobs=2)
    assert [job["JobId"] for job in first["Jobs"]] == created[:-3:-1] and first["IsTruncated"] is True
    second = client.list_jobs(MaxJobs=2, Marker=first["Jobs"][-1]["JobId"])
    assert [job["JobId"] for job in second["Jobs"]] == created[-3:-5:-1]
    pages = client.get_paginator("list_jobs").paginate(PaginationConfig={"PageSize": 2})
    listed = [job["JobId"] for page in pages for job in page["Jobs"]]
    assert listed == created[::-1]


def test_update_job_before_the_transfer_starts(client: Any) -> None:
    job_id = create(client)
    new_manifest = MANIFEST.replace("49382", "50000")
    checked = client.update_job(JobId=job_id, Manifest=new_manifest, JobType="Import", ValidateOnly=True)
    assert checked["Success"] is True and client.get_status(JobId=job_id)["CurrentManifest"] == MANIFEST
    assert client.update_job(JobId=job_id, Manifest=new_manifest, JobType="Import", ValidateOnly=False)["Success"]
    assert client.get_status(JobId=job_id)["CurrentManifest"] == new_manifest
    importexport.advance(2 * DAY)
    with pytest.raises(client.exceptions.UnableToUpdateJobIdException):
        client.update_job(JobId=job_id, Manifest=MANIFEST, JobType="Import", ValidateOnly=False)


def test_shipping_label_and_export_jobs(client: Any, endpoint: str | None) -> None:
    job_id = create(client, EXPORT_MANIFEST, "Export")
    assert client.get_status(JobId=job_id)["JobType"] == "Export"
    label = client.get_shipping_label(
        jobIds=[job_id], name="Jane Roe", street1="1 Main St", city="Seattle", country="US"
    )
    # a URL on the host the request reached (tests/test_importexport_serve.py fetches it from `serve`)
    host = endpoint or "https://importexport.amazonaws.com"
    assert label["ShippingLabelURL"].startswith(f"{host}/shipping-labels/")
    validated = client.create_job(JobType="Export", Manifest=EXPORT_MANIFEST, ValidateOnly=True)
    assert "JobId" not in validated and validated["WarningMessage"]
    assert [job["JobId"] for job in client.list_jobs()["Jobs"]] == [job_id]


def test_in_process_the_documents_resolve_through_mock_aws() -> None:
    """In-process, the artifact and label URLs (on importexport.amazonaws.com) are answered by the mock too."""
    importexport.register()
    with mock_aws():
        client = client_for(None)
        created = client.create_job(JobType="Import", Manifest=MANIFEST, ValidateOnly=False)
        label = client.get_shipping_label(jobIds=[created["JobId"]])["ShippingLabelURL"]
        for url in (created["ArtifactList"][0]["URL"], label):
            fetched = requests.get(url, timeout=10)
            assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "application/pdf", url
            assert fetched.content.startswith(b"%PDF-") and created["JobId"].encode() in fetched.content


def _expire(client: Any) -> dict[str, Any]:
    job_id = importexport.backend().create_job("Import", MANIFEST, script="expires").job_id
    importexport.advance(30 * DAY + 3600)  # no device within 30 days: Expired, for one more day
    assert client.get_status(JobId=job_id)["ProgressCode"] == "Expired"
    importexport.advance(DAY)
    return {"JobId": job_id}


def _finished(client: Any) -> dict[str, Any]:
    job_id = create(client)
    importexport.advance(30 * DAY)
    return {"JobId": job_id}


# error code -> (operation, how to get its arguments); every modelled exception boto3 can send a request for
SCENARIOS: dict[str, tuple[str, Any]] = {
    "InvalidJobIdException": ("get_status", lambda client: {"JobId": "NOJOB"}),
    "ExpiredJobIdException": ("get_status", _expire),
    "InvalidVersionException": ("get_status", lambda client: {"JobId": create(client), "APIVersion": "0.9"}),
    "UnableToCancelJobIdException": ("cancel_job", _finished),
    "InvalidParameterException": ("list_jobs", lambda client: {"MaxJobs": 0}),
    "MalformedManifestException": (
        "create_job",
        lambda client: {"JobType": "Import", "Manifest": "this is not a manifest", "ValidateOnly": False},
    ),
    "MissingManifestFieldException": (
        "create_job",
        lambda client: {"JobType": "Import", "Manifest": "manifestVersion:2.0\ndeviceId:1\n", "ValidateOnly": False},
    ),
    "InvalidManifestFieldException": (
        "create_job",
        lambda client: {"JobType": "Import", "Manifest": MANIFEST.replace("2.0", "9.9"), "ValidateOnly": False},
    ),
    "InvalidAddressException": ("get_shipping_label", lambda client: {"jobIds": [create(client)], "city": "Seattle"}),
}


@pytest.mark.parametrize("code", sorted(SCENARIOS))
def test_every_error_is_its_modelled_exception(client: Any, code: str) -> None:
    operation, arguments = SCENARIOS[code]
    kwargs = arguments(client)
    with pytest.raises(getattr(client.exceptions, code)) as raised:
        getattr(client, operation)(**kwargs)
    status, error = error_of(raised)
    assert status == 400 and error["Code"] == code and error["Type"] == "Sender"
    assert set(error) == {"Type", "Code", "Message"}, "the model's lower-case `message` must not be sent"


def test_an_access_key_other_than_the_manifests_is_refused(endpoint: str | None) -> None:
    owner, other = client_for(endpoint, KEY), client_for(endpoint, OTHER_KEY)
    job_id = create(owner, f"{MANIFEST}accessKeyId:{KEY}\n")
    assert owner.get_status(JobId=job_id)["JobId"] == job_id
    for call in (lambda: other.get_status(JobId=job_id), lambda: create(other, f"{MANIFEST}accessKeyId:{KEY}\n")):
        with pytest.raises(other.exceptions.InvalidAccessKeyIdException) as raised:
            call()
        assert error_of(raised)[0] == 400


def test_a_job_of_another_account_does_not_exist(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    job_id = create(client)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "210987654321")  # moto's own way to act as another account
    with pytest.raises(client.exceptions.InvalidJobIdException):
        client.get_status(JobId=job_id)
    monkeypatch.delenv("MOTO_ACCOUNT_ID")
    assert client.get_status(JobId=job_id)["JobId"] == job_id


def test_an_access_key_that_does_not_exist_is_403(client: Any) -> None:
    job_id = create(client)
    importexport.backend().revoke_access_key(KEY)
    with pytest.raises(ClientError) as raised:  # not in the model: boto3 has no class for it
        client.get_status(JobId=job_id)
    assert error_of(raised)[0] == 403 and error_of(raised)[1]["Code"] == "InvalidClientTokenIdException"


@pytest.mark.parametrize("signature", ["SigV2", "unsigned"])
def test_a_form_post_reaches_import_export(endpoint: str | None, signature: str) -> None:
    """The Developer Guide's SigV2 form post (no Authorization header), and an unsigned one."""
    job_id = create(client_for(endpoint))
    fields = {
        "Action": "GetStatus",
        "Version": "2010-06-01",
        "JobId": job_id,
        **(SIGV2 if signature == "SigV2" else {}),
    }
    response = requests.post(endpoint or "https://importexport.amazonaws.com/", data=fields, timeout=10)
    assert response.status_code == 200, response.text
    assert response.text.startswith("<GetStatusResponse") and f"<JobId>{job_id}</JobId>" in response.text
    assert "ListAllMyBucketsResult" not in response.text


def test_without_the_version_mapping_a_form_post_would_reach_s3(
    moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the mapping of API version 2010-06-01 matters: without it moto's server sends a form post
    without SigV4 to its default backend, S3, whose 200 `ListAllMyBucketsResult` a careless client
    would take for success. The test above would catch that."""
    monkeypatch.delitem(werkzeug_app.SERVICE_BY_VERSION, importexport.API_VERSION)
    fields = {"Action": "GetStatus", "Version": "2010-06-01", "JobId": "ABCDE", **SIGV2}
    response = requests.post(moto_server, data=fields, timeout=10)
    assert response.status_code == 200 and "ListAllMyBucketsResult" in response.text


# -- faults: a delayed GetStatus, a dropped connection (botocore retries it, as it would against AWS), a
# dribbled answer; per job (`backend().inject_fault`, `create_job(faults=...)`) and per request (`Prefer`)
NO_RETRIES = Config(retries={"total_max_attempts": 1})


def faulty_client(endpoint: str | None, config: Config | None = None, prefer: str | None = None) -> Any:
    """A client that may give up sooner (`config`) or ask for its own fault (`prefer`)."""
    client = boto3.client(
        "importexport",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        config=config,
    )
    if prefer is not None:  # a header of the client's own, as any botocore user can add one

        def add_prefer(request: Any, **_: Any) -> None:
            request.headers["Prefer"] = prefer

        client.meta.events.register("before-sign.importexport.GetStatus", add_prefer)
    return client


def test_a_delayed_poll_waits_while_another_client_is_served(endpoint: str | None) -> None:
    client = faulty_client(endpoint)
    slow, quick = create(client), create(client)
    importexport.backend().inject_fault(slow, {"delay": 1.5})
    answers: dict[str, float] = {}

    def poll_slow() -> None:
        started = time.monotonic()
        assert faulty_client(endpoint).get_status(JobId=slow)["JobId"] == slow
        answers["slow"] = time.monotonic() - started

    waiting = threading.Thread(target=poll_slow)
    waiting.start()
    while importexport.backend().engine.peek(slow).poll == 0:  # wait until the slow poll is being served
        time.sleep(0.01)
    assert client.get_status(JobId=quick)["JobId"] == quick
    answers["quick"] = 0.0 if waiting.is_alive() else float("inf")
    waiting.join()
    assert answers["quick"] == 0.0, "the other client was answered while the delayed poll waited"
    assert answers["slow"] >= 1.5


def test_a_delayed_poll_times_out_a_client_with_a_shorter_read_timeout(moto_server: str) -> None:
    client = faulty_client(moto_server)
    job = create(client)
    importexport.backend().inject_fault(job, {"delay": 2})
    impatient = faulty_client(moto_server, Config(read_timeout=0.5, retries={"total_max_attempts": 1}))
    with pytest.raises(ReadTimeoutError):
        impatient.get_status(JobId=job)
    requests.post(f"{moto_server}/moto-api/reset", timeout=10)


def test_a_dropped_poll_is_retried_by_botocore_and_fails_without_retries(endpoint: str | None) -> None:
    client = faulty_client(endpoint)
    job = importexport.backend().create_job("Import", MANIFEST, faults={1: {"drop": True}, 3: {"drop": True}}).job_id
    assert client.get_status(JobId=job)["JobId"] == job, "botocore retries a closed connection"
    assert importexport.backend().engine.peek(job).poll == 2, "the dropped poll, then the retry"
    with pytest.raises(ConnectionClosedError):
        faulty_client(endpoint, NO_RETRIES).get_status(JobId=job)


def test_a_dribbled_answer_arrives_whole_but_late(endpoint: str | None) -> None:
    client = faulty_client(endpoint)
    job = create(client)
    whole = client.get_status(JobId=job)
    importexport.backend().inject_fault(job, {"dribble": 1})
    started = time.monotonic()
    dribbled = client.get_status(JobId=job)
    assert time.monotonic() - started >= 1
    assert dribbled["CurrentManifest"] == whole["CurrentManifest"] and dribbled["JobId"] == job


def test_on_moto_s_server_the_dribbled_body_comes_in_pieces(moto_server: str) -> None:
    job = create(faulty_client(moto_server))
    form = {"Action": "GetStatus", "JobId": job, "Version": "2010-06-01", "AWSAccessKeyId": KEY}
    answer = requests.post(moto_server, data=form, headers={"Prefer": "dribble=1"}, stream=True, timeout=10)
    first = next(answer.iter_content(64))
    body = first + b"".join(answer.iter_content(64))
    assert answer.status_code == 200 and len(first) < len(body) == int(answer.headers["Content-Length"])
    assert job.encode() in body and body.rstrip().endswith(b"</GetStatusResponse>")
    requests.post(f"{moto_server}/moto-api/reset", timeout=10)


def test_a_request_asks_for_its_own_fault_with_prefer(endpoint: str | None) -> None:
    job = create(faulty_client(endpoint))
    started = time.monotonic()
    assert faulty_client(endpoint, prefer="delay=1").get_status(JobId=job)["JobId"] == job
    assert time.monotonic() - started >= 1
    with pytest.raises(ConnectionClosedError):
        faulty_client(endpoint, NO_RETRIES, prefer="drop").get_status(JobId=job)
    with pytest.raises(ClientError) as refused:
        faulty_client(endpoint, prefer="delay=soon").get_status(JobId=job)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "Prefer: delay=soon is not a number of seconds" in refused.value.response["Error"]["Message"]


def test_a_status_fault_is_refused_naming_where_the_errors_come_from(endpoint: str | None) -> None:
    job = create(faulty_client(endpoint))
    with pytest.raises(ScriptError, match="not a status: the service's errors come from their own conditions"):
        importexport.backend().inject_fault(job, {"status": 500})
    with pytest.raises(ScriptError, match="not a status"):
        importexport.backend().create_job("Import", MANIFEST, faults={1: {"status": 400}})
    with pytest.raises(KeyError, match="nobody"):
        importexport.backend().inject_fault("nobody", {"delay": 1})
