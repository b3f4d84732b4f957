"""Faulty AWS Import/Export backends. Each answers like the faithful moto backend but breaks one
rule of the seed (boto3 `get_status`), the Developer Guide or the contract; `tests/test_suites_bite.py`
proves the Import/Export suite fails on each, for that reason.

They are response classes: `mocks.importexport.serve_with(variant)` makes moto answer with one
(the suite's `--importexport-mock-variant NAME` does that).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from moto.core.responses import ActionResult

from ..importexport import ImportExportResponse
from ..importexport.exceptions import ExpiredJobIdException, InvalidJobIdException


class ProgressGoesBack(ImportExportResponse):
    """Shows `Pending` again on every other poll once the data is loading."""

    def status_output(self, status: dict[str, Any]) -> dict[str, Any]:
        status = super().status_output(status)
        observation = self.backend.engine.peek(status["JobId"])
        loading = status["LocationCode"] == "AtAWS" and status["ProgressCode"] != "Pending"
        if loading and observation is not None and observation.poll % 2 == 0:
            status.pop("ErrorCount", None)
            status.update(ProgressCode="Pending", ProgressMessage="The specified job has not started.")
        return status


class MissingJobType(ImportExportResponse):
    """Leaves out JobType, which every job has (contract: required)."""

    def status_output(self, status: dict[str, Any]) -> dict[str, Any]:
        status = super().status_output(status)
        del status["JobType"]
        return status


class UnknownJobIsExpired(ImportExportResponse):
    """Answers ExpiredJobIdException for a job that never existed."""

    def get_status(self) -> ActionResult:
        try:
            return super().get_status()
        except InvalidJobIdException:
            raise ExpiredJobIdException(str(self._get_param("JobId"))) from None


class ErrorsAre200(ImportExportResponse):
    """Sends its ErrorResponse bodies with HTTP 200."""

    def serialized(self, action_result: ActionResult) -> Any:
        status, headers, body = super().serialized(action_result)
        return (200 if isinstance(action_result.result, Exception) else status), headers, body


class CarrierBeforeReturned(ImportExportResponse):
    """Names the carrier and tracking number before the device is Returned."""

    def status_output(self, status: dict[str, Any]) -> dict[str, Any]:
        status = super().status_output(status)
        status.setdefault("Carrier", "UPS")
        status.setdefault("TrackingNumber", "1Z999AA10123456784")
        return status


class JobTypeOutsideEnum(ImportExportResponse):
    """Says `Transfer` where the seed's JobType is Import or Export."""

    def status_output(self, status: dict[str, Any]) -> dict[str, Any]:
        status = super().status_output(status)
        status["JobType"] = "Transfer"
        return status


class MalformedCreationDate(ImportExportResponse):
    """Writes CreationDate as `28/03/2010 20:27`: not ISO 8601, and no time zone."""

    def serialized(self, action_result: ActionResult) -> Any:
        status, headers, body = super().serialized(action_result)
        return (
            status,
            headers,
            re.sub(r"<CreationDate>[^<]*</CreationDate>", "<CreationDate>28/03/2010 20:27</CreationDate>", body),
        )


class DuplicateMessage(ImportExportResponse):
    """Lets moto send the model's lower-case `message` next to `Message` in every error."""

    RESPONSE_KEY_PATH_TO_TRANSFORMER = {}  # noqa: RUF012 - moto's own hook


class NoErrorCount(ImportExportResponse):
    """Leaves out ErrorCount from a Complete job (seed: returned when the ProgressCode is Success)."""

    def status_output(self, status: dict[str, Any]) -> dict[str, Any]:
        status = super().status_output(status)
        status.pop("ErrorCount", None)
        return status


class CancelDoesNotCancel(ImportExportResponse):
    """Says Success to CancelJob and lets the job go on."""

    def cancel_job(self) -> ActionResult:
        return ActionResult({"Success": True})


class FinalCodeChanges(ImportExportResponse):
    """A job that ended (Complete, SuccessWithErrors, an abort code) reports its data loading again from its
    fourth poll on: the end is not the end, and a client that stops at the first final answer never sees it."""

    def status_output(self, status: dict[str, Any]) -> dict[str, Any]:
        status = super().status_output(status)
        observation = self.backend.engine.peek(status["JobId"])
        ended = status["ProgressCode"] not in ("Pending", "InProgress", "Canceled", "Expired")
        if ended and observation is not None and observation.poll >= 4:
            for member in ("ErrorCount", "Carrier", "TrackingNumber"):
                status.pop(member, None)
            status.update(
                LocationCode="AtAWS",
                LocationMessage="Your device is at AWS.",
                ProgressCode="InProgress",
                ProgressMessage="The data on your device is currently being loaded.",
            )
        return status


class SuccessWithErrorsWithoutErrors(ImportExportResponse):
    """Says SuccessWithErrors with ErrorCount 0 (the load "completed with 0 errors")."""

    def status_output(self, status: dict[str, Any]) -> dict[str, Any]:
        status = super().status_output(status)
        if status["ProgressCode"] == "SuccessWithErrors":
            status["ErrorCount"] = 0
        return status


class AnswersAnotherJobId(ImportExportResponse):
    """Answers about the job asked for, but names it in lower case (a JobId that is not the one asked for)."""

    def status_output(self, status: dict[str, Any]) -> dict[str, Any]:
        status = super().status_output(status)
        status["JobId"] = status["JobId"].lower()
        return status


class CreationDateMoves(ImportExportResponse):
    """Moves CreationDate a second later on every poll (CreateJob fixed it)."""

    def status_output(self, status: dict[str, Any]) -> dict[str, Any]:
        status = super().status_output(status)
        observation = self.backend.engine.peek(status["JobId"])
        if observation is not None:
            status["CreationDate"] = status["CreationDate"] + timedelta(seconds=observation.poll)
        return status


class ExpiredJobIsUnknown(ImportExportResponse):
    """Forgets an expired job: InvalidJobIdException where the job is Expired or ExpiredJobIdException."""

    def get_status(self) -> ActionResult:
        job_id = str(self._get_param("JobId"))
        try:
            answer = super().get_status()
        except ExpiredJobIdException:
            raise InvalidJobIdException(job_id) from None
        if isinstance(answer.result, dict) and answer.result.get("ProgressCode") == "Expired":
            raise InvalidJobIdException(job_id)
        return answer


class UnsignedPostReachesS3(ImportExportResponse):
    """Answers a form post without SigV4 (the Developer Guide's SigV2, or unsigned) as moto's default backend,
    S3, would: 200 `ListAllMyBucketsResult` (what moto's server does without the API version mapping)."""

    def call_action(self) -> Any:
        if "Authorization" in self.headers:
            return super().call_action()
        body = (
            '<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>bcaf1ffd86f41161'
            "</ID><DisplayName>webfile</DisplayName></Owner><Buckets></Buckets></ListAllMyBucketsResult>"
        )
        return 200, {"Content-Type": "text/xml"}, body


# name -> (backend response class, what the suite's failure must say)
EXPECTED = {
    "progress-goes-back": (ProgressGoesBack, "the job progress went back"),
    "missing-job-type": (MissingJobType, "'JobType' is a required property"),
    "unknown-job-is-expired": (UnknownJobIsExpired, "answered ExpiredJobIdException, not InvalidJobIdException"),
    "errors-are-200": (ErrorsAre200, "answered HTTP 200, not 400"),
    "carrier-before-returned": (CarrierBeforeReturned, "False schema does not allow 'UPS'"),
    "job-type-outside-enum": (JobTypeOutsideEnum, "'Transfer' is not one of ['Import', 'Export']"),
    "malformed-creation-date": (MalformedCreationDate, "/CreationDate: '2010-03-28T20:27:00' is not a 'date-time'"),
    "duplicate-message": (DuplicateMessage, "('message' was unexpected)"),
    "no-error-count": (NoErrorCount, "'ErrorCount' is a required property"),
    "cancel-does-not-cancel": (CancelDoesNotCancel, "not CanceledJobIdException nor ProgressCode Canceled"),
    "final-code-changes": (
        FinalCodeChanges,
        "a final code changed on a later poll: Returned/",
    ),
    "success-with-errors-without-errors": (SuccessWithErrorsWithoutErrors, "SuccessWithErrors with ErrorCount 0"),
    "answers-another-job-id": (AnswersAnotherJobId, "answered JobId '"),
    "creation-date-moves": (CreationDateMoves, "CreationDate changed between polls"),
    "expired-job-is-unknown": (ExpiredJobIsUnknown, "answered InvalidJobIdException, not ExpiredJobIdException"),
    "unsigned-post-reaches-s3": (UnsignedPostReachesS3, "post reached another service"),
}
VARIANTS = {name: backend for name, (backend, _) in EXPECTED.items()}
