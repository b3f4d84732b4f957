"""The AWS Import/Export suite's target, signing, and the jobs it reads.

The target is `--importexport-url` (a real endpoint; credentials from the usual AWS variables and
files, as boto3 finds them) or else moto's server on 127.0.0.1 with the Import/Export backend
registered, one per session, reset after every test. `--importexport-mock-variant NAME` (or
`JOBCONTRACT_IMPORTEXPORT_MOCK_VARIANT`) makes that server answer as a faulty variant.

Requests are the query protocol's form posts (`POST /`, `Action=...&Version=2010-06-01&...`), signed
with SigV4 under boto3's signing name `IngestionService` in us-east-1, so that a response is checked
exactly as it came off the wire.

Against a real endpoint the suite only reads (GetStatus and ListJobs) and never creates, updates or
cancels a job. The jobs it reads come from the options: `--importexport-job` (any jobs of the account;
without it, the first jobs ListJobs lists), `--importexport-canceled-job` (a job canceled with
CancelJob; without it, a job ListJobs marks IsCanceled) and `--importexport-expired-job`. A check whose
job is not there is *not verified*, naming the option. On the embedded mock the same jobs are
provisioned through the backend (`mocks.importexport.backend()`: jobs created with a script, the clock
advanced) and over the wire with boto3 (CreateJob, CancelJob), so the embedded run verifies everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session
import pytest
import requests
from botocore.auth import SigV2Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import BotoCoreError, ClientError

from jobcontract import mocks
from jobcontract.mocks import importexport as importexport_mock
from jobcontract.mocks.importexport import ImportExportBackend, ImportExportServer
from jobcontract.mocks.pytest_plugin import mock_variant
from jobcontract.suites.common import PoliteSession, Target, not_verified, politeness
from jobcontract.suites.options import option_value

API_VERSION = "2010-06-01"
SIGNING_NAME, SIGNING_REGION = "IngestionService", "us-east-1"
# The AWS documentation's example key pair: the embedded server accepts any key and never checks signatures.
EMBEDDED_CREDENTIALS = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
IMPORT_MANIFEST = "manifestVersion:2.0\ngenerator:jobcontract\nbucket:jobcontract-import\ndeviceId:49382\n"
EXPIRES_AFTER = 30 * 86400  # "Your job expires after 30 days" (the mock's `expires` script)
DISCOVERED_JOBS = 5  # jobs of the account's first ListJobs page read when no --importexport-job is named
# What a provider's account holds, provisioned on the embedded mock: a job of each kind of life GetStatus
# shows (a device in the post, data loading, the device back after a load with and without errors, a broken
# device), so that the rules between answers are checked on every kind.
EMBEDDED_JOB_SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("AtAWS/InProgress",),
    ("Returned/SuccessWithErrors",),
    ("Returned/Complete",),
    ("Returned/DeviceError",),
)


class SigV4(requests.auth.AuthBase):
    """Sign a request as boto3 signs importexport: SigV4, service IngestionService, region us-east-1."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        content_type = prepared.headers.get("Content-Type", "application/x-www-form-urlencoded")
        signed = AWSRequest(
            method=prepared.method, url=prepared.url, data=prepared.body, headers={"Content-Type": content_type}
        )
        SigV4Auth(self.credentials, SIGNING_NAME, SIGNING_REGION).add_auth(signed)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            if name in signed.headers:
                prepared.headers[name] = signed.headers[name]
        return prepared


class Unsigned(requests.auth.AuthBase):
    """No signature at all (instead of the session's SigV4)."""

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        return prepared


def sigv2_fields(url: str, credentials: Credentials, fields: dict[str, str]) -> dict[str, str]:
    """`fields` with the Developer Guide's Signature Version 2 fields added, signed for a POST to `url`
    (AWSAccessKeyId, SignatureVersion 2, SignatureMethod HmacSHA256, Timestamp, Signature)."""
    request = AWSRequest(method="POST", url=url, data=dict(fields))
    SigV2Auth(credentials).add_auth(request)
    return dict(request.data)  # type: ignore[arg-type]


@dataclass
class ImportExportTarget(Target):
    """A Target whose embedded mock is moto's server; `backend` provisions jobs on it."""

    credentials: Credentials = EMBEDDED_CREDENTIALS
    moto: ImportExportServer | None = None
    _client: Any = field(default=None, init=False, repr=False)

    @property
    def embedded(self) -> bool:
        return self.moto is not None

    @property
    def backend(self) -> ImportExportBackend:
        """The embedded mock's backend of the default account, to provision what a provider supplies (jobs
        with a script, the clock). Only for the embedded mock: a provider check asks `embedded` first."""
        assert self.moto is not None, "the backend is the embedded mock's; a real endpoint has none"
        return importexport_mock.backend()  # fetched afresh: moto replaces backends when it resets

    @property
    def access_key(self) -> str:
        return str(self.credentials.access_key)

    def post(self, action: str, auth: requests.auth.AuthBase | None = None, **params: Any) -> requests.Response:
        """A query-protocol request, signed with the target's credentials unless `auth` says otherwise."""
        fields = {"Action": action, "Version": API_VERSION, **{k: v for k, v in params.items() if v is not None}}
        return self.session.post(self.url("/"), data=fields, auth=auth, timeout=30)

    def get_status(self, job_id: str | None, **params: Any) -> requests.Response:
        return self.post("GetStatus", JobId=job_id, **params)

    def client(self) -> Any:
        """boto3's own client for the target (ListJobs; on the mock also CreateJob and CancelJob)."""
        if self._client is None:
            self._client = boto3.client(
                "importexport",
                region_name=SIGNING_REGION,
                endpoint_url=self.base_url,
                aws_access_key_id=self.credentials.access_key,
                aws_secret_access_key=self.credentials.secret_key,
                aws_session_token=self.credentials.token,
            )
        return self._client

    def create_job(self, manifest: str = IMPORT_MANIFEST, job_type: str = "Import") -> str:
        """CreateJob over the wire, on the embedded mock only (a real account is never changed)."""
        assert self.embedded, "the suite never creates a job on a real endpoint"
        return str(self.client().create_job(JobType=job_type, Manifest=manifest, ValidateOnly=False)["JobId"])

    def listed_jobs(self, max_jobs: int = DISCOVERED_JOBS) -> list[dict[str, Any]]:
        """The account's newest jobs on ListJobs' first page; none if ListJobs fails (its own test says why)."""
        try:
            return list(self.client().list_jobs(MaxJobs=max_jobs).get("Jobs", []))
        except (BotoCoreError, ClientError):
            return []


@pytest.fixture(scope="session")
def importexport_server(pytestconfig: pytest.Config) -> Iterator[ImportExportServer]:
    """moto's server with the Import/Export backend (or the faulty variant asked for) on 127.0.0.1."""
    variant = mock_variant(pytestconfig, "importexport")
    answer_with = None
    if variant:
        try:
            answer_with = mocks.variant_class("importexport", variant)
        except ValueError as error:
            raise pytest.UsageError(str(error)) from None
    previous = importexport_mock.serve_with(answer_with or importexport_mock.ImportExportResponse)
    with ImportExportServer() as server:
        yield server
    importexport_mock.serve_with(previous)


@pytest.fixture(scope="session")
def importexport(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> ImportExportTarget:
    url = option_value(pytestconfig, "importexport_url")
    if url:
        credentials = botocore.session.get_session().get_credentials()
        if credentials is None:
            raise pytest.UsageError(
                "--importexport-url needs AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                " (or AWS_PROFILE), as for boto3"
            )
        frozen = credentials.get_frozen_credentials()
        signed = Credentials(frozen.access_key, frozen.secret_key, frozen.token)
        session = PoliteSession(politeness(pytestconfig))
        target = ImportExportTarget("importexport", str(url).rstrip("/"), session=session, credentials=signed)
    else:
        server: ImportExportServer = request.getfixturevalue("importexport_server")
        target = ImportExportTarget("importexport", server.url, moto=server)
    target.session.auth = SigV4(target.credentials)
    return target


@pytest.fixture(autouse=True)
def _fresh_mock(importexport: ImportExportTarget) -> Iterator[None]:
    """Every test starts with no jobs and fresh clocks; a real endpoint is left alone."""
    yield
    if importexport.moto is not None:
        importexport.moto.reset()


@pytest.fixture
def named_jobs(pytestconfig: pytest.Config) -> list[str]:
    return [str(job) for job in option_value(pytestconfig, "importexport_job") or []]  # type: ignore[union-attr]


@pytest.fixture
def existing_jobs(importexport: ImportExportTarget, named_jobs: list[str]) -> list[str]:
    """Jobs to read: the named ones; on the mock one created over the wire and one of each kind of life
    (EMBEDDED_JOB_SCRIPTS); else the newest jobs ListJobs lists. Not verified when there are none."""
    if named_jobs:
        return named_jobs
    if importexport.embedded:
        backend = importexport.backend
        scripted = [backend.create_job("Import", IMPORT_MANIFEST, script=list(s)).job_id for s in EMBEDDED_JOB_SCRIPTS]
        return [importexport.create_job(), *scripted]
    listed = [str(job["JobId"]) for job in importexport.listed_jobs()]
    if not listed:
        not_verified(f"needs jobs of the account at {importexport.base_url} (ListJobs lists none)", "importexport_job")
    return listed


@pytest.fixture
def canceled_job(importexport: ImportExportTarget, pytestconfig: pytest.Config) -> str:
    """A job canceled with CancelJob: `--importexport-canceled-job`; on the mock one created and canceled
    over the wire a day ago (the mock's retention, so it answers CanceledJobIdException); else one that
    ListJobs marks IsCanceled. Not verified when there is none."""
    named = option_value(pytestconfig, "importexport_canceled_job")
    if named:
        return str(named)
    if importexport.embedded:
        job_id = importexport.create_job()
        importexport.client().cancel_job(JobId=job_id)
        importexport.backend.advance(importexport.backend.retention_seconds)
        return job_id
    listed = [str(job["JobId"]) for job in importexport.listed_jobs() if job.get("IsCanceled") is True]
    if not listed:
        not_verified("needs a job canceled with CancelJob (ListJobs lists none)", "importexport_canceled_job")
    return listed[0]


@pytest.fixture
def expired_job(importexport: ImportExportTarget, pytestconfig: pytest.Config) -> str:
    """An expired job: `--importexport-expired-job`; on the mock one whose device never came, a day after
    it expired (the mock's retention, so it answers ExpiredJobIdException). Not verified otherwise."""
    named = option_value(pytestconfig, "importexport_expired_job")
    if named:
        return str(named)
    if importexport.embedded:
        backend = importexport.backend
        job = backend.create_job("Import", IMPORT_MANIFEST, script="expires")  # no device within 30 days
        backend.advance(EXPIRES_AFTER + backend.retention_seconds)
        return job.job_id
    not_verified("needs an expired job", "importexport_expired_job")
