"""The errors of AWS Import/Export 2010-06-01: `code` is the botocore shape name (what boto3 matches
`client.exceptions.<Code>` on), the message paraphrases the model's or the Developer Guide's text.

The model gives no HTTP status (no `error` trait), so moto answers 400, which is what the Developer
Guide's error table says for every one of these. `InvalidClientTokenIdException` is the Developer
Guide's only 403 and is not in the model: it carries its own `http_status`, which the response class
applies (moto alone would answer 400).
"""

from __future__ import annotations

import re

from moto.core.exceptions import ServiceException

from ..engine import OverLimit

# Characters XML 1.0 cannot carry: a message that echoes them must escape them or it breaks the body.
NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def shown(value: object) -> str:
    """`value` as an error message may echo it: characters XML cannot carry become `\\xNN` escapes."""
    return NOT_XML.sub(lambda found: f"\\x{ord(found.group()):02x}", str(value))


class ImportExportError(ServiceException):
    """An error in the service's ErrorResponse envelope, HTTP 400 unless `http_status` says otherwise."""

    http_status = 400


class InvalidJobIdException(ImportExportError):
    code = "InvalidJobIdException"

    def __init__(self, job_id: str | None) -> None:
        if job_id:
            # The real service's text, quoted in aws-sdk-ruby's feature tests.
            super().__init__(f"No such job {shown(job_id)} for your account")
        else:
            super().__init__("The JOBID was missing, not found, or not associated with the AWS account.")


class ExpiredJobIdException(ImportExportError):
    code = "ExpiredJobIdException"

    def __init__(self, job_id: str) -> None:
        super().__init__(f"Job {shown(job_id)} has expired out of the system.")


class CanceledJobIdException(ImportExportError):
    code = "CanceledJobIdException"

    def __init__(self, job_id: str) -> None:
        super().__init__(f"The specified job ID {shown(job_id)} has been canceled and is no longer valid.")


class InvalidAccessKeyIdException(ImportExportError):
    code = "InvalidAccessKeyIdException"

    def __init__(self) -> None:
        super().__init__(
            "The AWS Access Key ID specified in the request did not match the manifest's accessKeyId value."
            " The manifest and the request authentication must use the same AWS Access Key ID."
        )


class InvalidVersionException(ImportExportError):
    """A client tool version (`APIVersion`) the service does not know, or (`api=True`) a query `Version`
    other than the service's one API version: the model's "version is invalid" error serves both."""

    code = "InvalidVersionException"

    def __init__(self, version: str, *, api: bool = False) -> None:
        if api:
            super().__init__(
                f"The API version {shown(repr(version))} is invalid: AWS Import/Export's only version is 2010-06-01."
            )
        else:
            super().__init__(f"The client tool version {shown(repr(version))} is invalid.")


class UnableToCancelJobIdException(ImportExportError):
    code = "UnableToCancelJobIdException"

    def __init__(self, job_id: str, progress: str) -> None:
        super().__init__(f"AWS Import/Export cannot cancel job {job_id}: its status is {progress}.")


class UnableToUpdateJobIdException(ImportExportError):
    code = "UnableToUpdateJobIdException"

    def __init__(self, job_id: str, progress: str) -> None:
        super().__init__(
            f"AWS Import/Export cannot update job {job_id}: its status is {progress};"
            " a job can only be updated before the data transfer starts."
        )


class InvalidParameterException(ImportExportError):
    code = "InvalidParameterException"


class MissingParameterException(ImportExportError):
    code = "MissingParameterException"

    def __init__(self, name: str) -> None:
        super().__init__(f"The required parameter {shown(name)} is missing.")


class MalformedManifestException(ImportExportError):
    code = "MalformedManifestException"


class MissingManifestFieldException(ImportExportError):
    code = "MissingManifestFieldException"

    def __init__(self, field: str) -> None:
        super().__init__(f"The manifest is missing the required field {shown(field)}.")


class InvalidManifestFieldException(ImportExportError):
    code = "InvalidManifestFieldException"


class InvalidAddressException(ImportExportError):
    code = "InvalidAddressException"


class InvalidClientTokenIdException(ImportExportError):
    """The Developer Guide's 403 (not in the botocore model): the access key does not exist."""

    code = "InvalidClientTokenIdException"
    http_status = 403

    def __init__(self) -> None:
        super().__init__("The AWS Access Key ID you provided does not exist in our records.")


class ServiceUnavailableException(ImportExportError):
    """AWS's common `ServiceUnavailable` (503, which the SDKs retry): the job is over one of the mock's limits
    (mocks/engine.py Limits: the jobs it holds, a manifest's bytes, `--max-jobs`, `--max-attribute-bytes`).
    `limit` is the engine's error, which the control API answers in its own way."""

    code = "ServiceUnavailable"
    http_status = 503

    def __init__(self, limit: OverLimit) -> None:
        super().__init__(f"The mock cannot take this job: {limit}")
        self.limit = limit
