"""The AWS Import/Export suite's target, signing and jobs.

The target is `--importexport-url` (a real endpoint; credentials from the usual AWS variables and
files, as boto3 finds them) or else moto's server on 127.0.0.1 with the Import/Export backend
registered, one per session, reset after every test. `--importexport-mock-variant NAME` (or
`JOBCONTRACT_IMPORTEXPORT_MOCK_VARIANT`) makes that server answer as a faulty variant.

Requests are the query protocol's form posts (`POST /`, `Action=...&Version=2010-06-01&...`), signed
with SigV4 under boto3's signing name `IngestionService` in us-east-1, so that a response is checked
exactly as it came off the wire. Against a real endpoint the suite only calls GetStatus and ListJobs
(on `--importexport-job` ids) and never creates, updates or cancels a job.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import mocks
from conftest import option_value
from mocks import importexport as importexport_mock
from mocks.importexport import ImportExportBackend, ImportExportServer
from mocks.pytest_plugin import mock_variant
from suites.common import Target, check_response

API_VERSION = "2010-06-01"
SIGNING_NAME, SIGNING_REGION = "IngestionService", "us-east-1"
# The AWS documentation's example key pair: the embedded server accepts any key and never checks signatures.
EMBEDDED_CREDENTIALS = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
IMPORT_MANIFEST = "manifestVersion:2.0\ngenerator:jobcontract\nbucket:jobcontract-import\ndeviceId:49382\n"


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


@dataclass
class ImportExportTarget(Target):
    """A Target whose embedded mock is moto's server; `backend` is its Python control API."""

    credentials: Credentials = EMBEDDED_CREDENTIALS
    moto: ImportExportServer | None = None
    _client: Any = field(default=None, init=False, repr=False)

    @property
    def embedded(self) -> bool:
        return self.moto is not None

    @property
    def backend(self) -> ImportExportBackend:
        """The default account's backend (jobs, clock); skips the test against a real endpoint."""
        if self.moto is None:
            pytest.skip(
                "needs the mock's control API (jobs created with a script, the clock, revoked keys);"
                f" importexport is checked against the real endpoint {self.base_url}"
            )
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
        """boto3's own client for the target (used for ListJobs and, on the mock, CreateJob/CancelJob)."""
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
        self.backend  # noqa: B018 - skips against a real endpoint
        return str(self.client().create_job(JobType=job_type, Manifest=manifest, ValidateOnly=False)["JobId"])


@pytest.fixture(scope="session")
def importexport_server(pytestconfig: pytest.Config) -> Iterator[ImportExportServer]:
    """moto's server with the Import/Export backend (or the faulty variant asked for) on 127.0.0.1."""
    variant = mock_variant(pytestconfig, "importexport")
    answer_with = None
    if variant:
        known = mocks.variants("importexport")
        if variant not in known:
            raise pytest.UsageError(f"importexport has no variant {variant!r}; its variants are {', '.join(known)}")
        answer_with = known[variant]
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
        target = ImportExportTarget("importexport", str(url).rstrip("/"), credentials=signed)
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
    """Jobs to read: the named ones, or on the mock one created over the wire."""
    if named_jobs:
        return named_jobs
    if not importexport.embedded:
        pytest.skip(f"name jobs of {importexport.base_url} with --importexport-job to check them")
    return [importexport.create_job()]


class Unsigned(requests.auth.AuthBase):
    """No signature at all (instead of the session's SigV4)."""

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        return prepared


def read_status(importexport: ImportExportTarget, job_id: str | None, **params: Any) -> tuple[int, dict[str, Any]]:
    """GetStatus over the wire, checked against the contract: (HTTP status, body as boto3 parses it)."""
    response = importexport.get_status(job_id, **params)
    return response.status_code, check_response("importexport", "GetStatus", response)
