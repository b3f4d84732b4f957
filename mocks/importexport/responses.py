"""The wire side of the AWS Import/Export mock: query-protocol requests in, XML out, both through moto
(its botocore-model parser and serializer), for SigV4 (boto3), SigV2 and unsigned form posts alike.

Bad input always gets one of the service's own errors, never another service's answer nor a 500: a
`Version` other than 2010-06-01 is InvalidVersionException, a missing `Action` or `Version`
MissingParameterException, an unknown `Action` or a parameter that does not parse InvalidParameterException
(the Developer Guide's error table; it has no InvalidAction).

The URLs an answer hands out (`ArtifactList`, `ShippingLabelURL`) are made absolute from the request's
host; `document` serves them. Every request is written to the account's journal (secrets redacted).
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
import warnings
from typing import Any

from botocore.exceptions import ConnectionClosedError
from moto.core.responses import ActionResult, BaseResponse
from moto.core.serialize import never_return
from moto.core.utils import get_service_model

from ..engine import Fault, ScriptError, dribbled_pieces, prefer_fault
from ..links import request_base_url
from ..redaction import redact_headers, redact_query
from . import documents
from .exceptions import (
    ImportExportError,
    InvalidClientTokenIdException,
    InvalidJobIdException,
    InvalidParameterException,
    InvalidVersionException,
    MissingParameterException,
    ServiceUnavailableException,
    shown,
)
from .models import ADDRESS_FIELDS, ImportExportBackend, importexport_backends

API_VERSION = "2010-06-01"
OPERATIONS = frozenset(get_service_model("importexport").operation_names)
SIGV4_CREDENTIAL = re.compile(r"Credential=([^/\s,]+)/")
EXTRA_ADDRESS_FIELDS = ("street2", "street3")


class ImportExportResponse(BaseResponse):
    # The model's exception shapes have a lower-case `message` member; without this moto would send it
    # next to <Message>, which the Developer Guide's envelope does not have.
    RESPONSE_KEY_PATH_TO_TRANSFORMER = {"Exception.message": never_return}  # noqa: RUF012 - moto's own hook

    def __init__(self) -> None:
        super().__init__(service_name="importexport")
        self.automated_parameter_parsing = True
        self._unparsable: str | None = None
        self._faults: list[Fault] = []  # this answer's: the job's scripted one, then the request's own

    @property
    def backend(self) -> ImportExportBackend:
        return importexport_backends[self.current_account][self.partition]

    @property
    def request_access_key(self) -> str | None:
        """The access key that signed the request: SigV4's credential scope or SigV2's AWSAccessKeyId."""
        found = SIGV4_CREDENTIAL.search(self.headers.get("Authorization", ""))
        if found:
            return found.group(1)
        given = self.querystring.get("AWSAccessKeyId")
        return str(given[0]) if given else None

    # -- request handling: only the query protocol's Action picks the operation ---------------------------
    def _form_value(self, name: str) -> str:
        value = self.querystring.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        return str(value or "")

    def _get_action(self) -> str:
        return self._form_value("Action")

    def parse_parameters(self, request: Any) -> None:
        if self._get_action() not in OPERATIONS:
            self.params = {}
            return
        try:
            super().parse_parameters(request)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            self.params = {}
            self._unparsable = str(error) or type(error).__name__

    def call_action(self) -> Any:
        started = time.monotonic()
        status, headers, body, faults = self._answer()
        self.backend.engine.record(
            journal_entry(self.normalized_request, status, started, self._get_action(), any(f.drop for f in faults))
        )
        return self._with_faults(status, headers, body, faults)

    def _answer(self) -> tuple[int, dict[str, Any], Any, list[Fault]]:
        """The answer and the faults to carry out on it."""
        action = self._get_action()
        version = self._form_value("Version")
        try:
            if not version:
                raise MissingParameterException("Version")
            if version != API_VERSION:
                raise InvalidVersionException(version, api=True)
            if not action:
                raise MissingParameterException("Action")
            if action not in OPERATIONS:
                raise InvalidParameterException(f"The action {action!r} is not valid for this web service.")
            if self._unparsable is not None:
                raise InvalidParameterException(f"A parameter of {action} is invalid: {shown(self._unparsable)}")
            requested = self._requested_fault()
            self.backend.check_caller(self.request_access_key, self._get_param("APIVersion"))
        except ImportExportError as error:
            status, headers, body = self.serialized(ActionResult(error))
            headers, body = self._enrich_response(headers, body)
            return status, headers, body, []
        status, headers, body = super().call_action()
        return status, headers, body, [*self._faults, *([requested] if requested else [])]

    def serialized(self, action_result: ActionResult) -> Any:
        error = action_result.result
        if isinstance(error, InvalidClientTokenIdException | ServiceUnavailableException):
            with warnings.catch_warnings():  # moto warns that the code is not in the model: we know
                warnings.simplefilter("ignore", UserWarning)
                status, headers, body = super().serialized(action_result)
        else:
            status, headers, body = super().serialized(action_result)
        if isinstance(error, ImportExportError):
            status = error.http_status  # 403 for InvalidClientTokenIdException, moto would say 400
        return status, headers, body

    # -- faults: a delay, a dropped connection, a dribbled answer -------------------------------------------
    def _requested_fault(self) -> Fault | None:
        """The request's own fault, `Prefer: delay=SECONDS, dribble=SECONDS, drop`, as on the HTTP mocks."""
        try:
            return prefer_fault(self.headers.get("Prefer", ""))
        except ScriptError as error:
            raise InvalidParameterException(f"Prefer: {error}") from None

    def _with_faults(self, status: int, headers: dict[str, Any], body: Any, faults: list[Fault]) -> Any:
        """Carry out `faults` on the answer. On moto's server the thread serving this connection waits,
        closes its socket or writes the body in pieces; in-process (`mock_aws`) there is no socket, so a
        drop is what botocore raises for a connection closed mid-request (it retries, as it would against
        AWS) and a dribble is a wait of the same length before the whole body."""
        for fault in faults:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self._drop()
        dribble = max((fault.dribble for fault in faults), default=0.0)
        if not dribble:
            return status, headers, body
        whole = body.encode() if isinstance(body, str) else bytes(body)
        if self._socket() is None:
            time.sleep(dribble)
            return status, headers, whole
        headers["Content-Length"] = str(len(whole))
        return status, headers, dribbled_pieces(whole, dribble)

    def _socket(self) -> socket.socket | None:
        """The client's socket when moto's server is answering (werkzeug puts it in the environ)."""
        connection = self.normalized_request.environ.get("werkzeug.socket")
        return connection if isinstance(connection, socket.socket) else None

    def _drop(self) -> None:
        connection = self._socket()
        if connection is None:
            raise ConnectionClosedError(endpoint_url=self.uri)
        with contextlib.suppress(OSError):  # OSError: the client has gone already
            connection.shutdown(socket.SHUT_RDWR)  # werkzeug's write of the answer then fails, unseen

    def _absolute(self, url: str) -> str:
        """A path on the mock as a URL where the request was sent (Forwarded, X-Forwarded-*, Host), as the
        other mocks build their links (mocks.links.request_base_url)."""
        if not url.startswith("/"):
            return url
        request = self.normalized_request
        bound = request.host_url.rstrip("/")
        headers = request.headers
        base = request_base_url(
            headers.get("Forwarded"),
            headers.get("X-Forwarded-Proto"),
            headers.get("X-Forwarded-Host"),
            headers.get("Host"),
            bound.split("://", 1)[0],
            bound,
        )
        return base + url

    def _artifact_list(self, artifacts: list[dict[str, str]]) -> list[dict[str, str]]:
        return [{**artifact, "URL": self._absolute(artifact["URL"])} for artifact in artifacts]

    def _required(self, name: str) -> Any:
        value = self._get_param(name)
        if value is None or value == "":
            raise MissingParameterException(name)
        return value

    # -- operations ------------------------------------------------------------------------------------------
    def create_job(self) -> ActionResult:
        job_type = self._required("JobType")
        manifest = self._required("Manifest")
        validate_only = bool(self._required("ValidateOnly"))
        job = self.backend.create_job(
            job_type,
            manifest,
            validate_only=validate_only,
            addendum=self._get_param("ManifestAddendum"),
            access_key=self.request_access_key,
        )
        result: dict[str, Any] = {"JobType": job.job_type, "ArtifactList": self._artifact_list(job.artifacts)}
        if validate_only:
            result["WarningMessage"] = "ValidateOnly was set: the manifest is valid and no job was created."
        else:
            result.update(JobId=job.job_id, Signature=job.signature, SignatureFileContents=job.signature_file)
        return ActionResult(result)

    def get_status(self) -> ActionResult:
        job_id = self._get_param("JobId")
        if not job_id:
            raise InvalidJobIdException(None)
        status, fault = self.backend.get_status(job_id, self.request_access_key)
        if fault is not None:
            self._faults.append(fault)
        status["ArtifactList"] = self._artifact_list(status["ArtifactList"])
        return ActionResult(self.status_output(status))

    def status_output(self, status: dict[str, Any]) -> dict[str, Any]:
        """The GetStatusOutput members as sent (the faulty variants bend them here)."""
        return status

    def cancel_job(self) -> ActionResult:
        job_id = self._get_param("JobId")
        if not job_id:
            raise InvalidJobIdException(None)
        self.backend.cancel_job(job_id, self.request_access_key)
        return ActionResult({"Success": True})

    def update_job(self) -> ActionResult:
        job_id = self._get_param("JobId")
        if not job_id:
            raise InvalidJobIdException(None)
        validate_only = bool(self._required("ValidateOnly"))
        job = self.backend.update_job(
            job_id,
            self._required("JobType"),
            self._required("Manifest"),
            validate_only=validate_only,
            access_key=self.request_access_key,
        )
        result: dict[str, Any] = {"Success": True, "ArtifactList": self._artifact_list(job.artifacts)}
        if validate_only:
            result["WarningMessage"] = "ValidateOnly was set: the manifest is valid and the job was not changed."
        return ActionResult(result)

    def list_jobs(self) -> ActionResult:
        jobs, truncated = self.backend.list_jobs(self._get_param("MaxJobs"), self._get_param("Marker"))
        return ActionResult({"Jobs": jobs, "IsTruncated": truncated})

    def get_shipping_label(self) -> ActionResult:
        address = {name: self._get_param(name) for name in (*ADDRESS_FIELDS, *EXTRA_ADDRESS_FIELDS)}
        url = self.backend.get_shipping_label(self._get_param("jobIds"), address, self.request_access_key)
        return ActionResult({"ShippingLabelURL": self._absolute(url)})


_response_class: type[ImportExportResponse] = ImportExportResponse


def serve_with(response_class: type[ImportExportResponse]) -> type[ImportExportResponse]:
    """Answer every request with `response_class` (a faulty variant, or the faithful class to go back);
    returns the class it replaces."""
    global _response_class
    previous, _response_class = _response_class, response_class
    return previous


def answer(request: Any, full_url: str, headers: Any) -> Any:
    """moto's entry point (urls.py): hands the request to the class currently serving. (Not named
    `dispatch`: moto's server takes a function of that name for a bound classmethod.)"""
    return _response_class.dispatch(request, full_url, headers)


def journal_entry(
    request: Any, status: int | None, started: float, action: str = "", dropped: bool = False
) -> dict[str, Any]:
    """What the journal keeps of a request: the HTTP mocks' fields (`mocks/app.py`) and the query action."""
    return {
        "method": request.method,
        "path": request.path,
        "query": redact_query(request.query_string.decode("latin-1")),
        "headers": redact_headers(request.headers.items()),
        "status": None if dropped else status,
        "dropped": dropped,
        "unscripted": status is not None and status >= 500,
        "seconds": round(time.monotonic() - started, 6),
        "action": action,
    }


def document(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], Any]:
    """moto's entry point for the documents' URLs (urls.py): a job's artifact, a shipping label."""
    started = time.monotonic()
    path = request.path
    artifact, label = documents.parse_artifact_path(path), documents.parse_label_path(path)
    account_id = (artifact or label or ("", ""))[0]
    backend = importexport_backends[account_id]["aws"] if account_id in importexport_backends else None
    if request.method not in ("GET", "HEAD"):
        body = "<Error><Code>MethodNotAllowed</Code><Message>The specified method is not allowed.</Message></Error>"
        answered: tuple[int, dict[str, str], Any] = (
            405,
            {"Content-Type": "application/xml", "Allow": "GET, HEAD"},
            body,
        )
    else:
        content = None
        if backend is not None:
            content = backend.artifact(artifact[1]) if artifact else backend.shipping_label(label[1]) if label else None
        if content is None:
            answered = documents.no_such_key(path)
        else:
            answered = 200, {"Content-Type": documents.PDF, "Content-Length": str(len(content))}, content
    if backend is not None:
        backend.engine.record(journal_entry(request, answered[0], started))
    return answered
