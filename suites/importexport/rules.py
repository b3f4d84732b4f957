"""The rules GetStatus answers keep beyond their schemas: what one answer's fields say to each other and to
the request that asked (Developer Guide, "Job and Device Status Codes", Status.html), and how a job's
answers over time relate (the device location and the job progress only move forward, a final progress
code stays, what CreateJob fixed never changes, a job that is no longer valid stays so). Each rule fails
with the violation of its requirement and the answer that broke it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import requests

from jobcontract import contracts
from jobcontract.suites.common import check_response, violation
from jobcontract.suites.importexport.provider import ImportExportTarget

CONTRACT = contracts.load("importexport")
DOCUMENT = CONTRACT.document_name
STATUS = CONTRACT.response("GetStatus", 200).requirement
ERRORS = CONTRACT.response("GetStatus", 400).requirement
LIFECYCLE_SECTION = "Developer Guide, Job and Device Status Codes (Status.html)"
LIFECYCLE = f"{DOCUMENT} {LIFECYCLE_SECTION}"
CANCEL_SECTION = "CancelJob (Developer Guide, CancelingAJob.html)"
CANCEL = f"{DOCUMENT} {CANCEL_SECTION}"

LOCATION_RANK = {"NotReceived": 0, "AtAWS": 1, "Returned": 2}
# Pending, then running (InProgress; the model's example says Started), then one final code.
RUNNING_RANK = {"Pending": 0, "Started": 1, "InProgress": 1}
FINAL_CODES = frozenset(
    {
        "Complete",
        "Success",  # the model's and the Developer Guide intro's name for Complete
        "SuccessWithErrors",
        "DeviceError",
        "InvalidSignature",
        "MissingDevice",
        "MissingSignature",
        "UnsupportedDeviceType",
        "UnsupportedFileFormat",
        "UnsupportedPowerSupply",
        "Canceled",
        "Expired",
    }
)
NO_LONGER_VALID = {"Canceled": "CanceledJobIdException", "Expired": "ExpiredJobIdException"}
FIXED_MEMBERS = ("JobId", "JobType", "CreationDate")
MIN_POLLS = 4  # polls of a job in a lifecycle check
REPOLLS = 3  # polls after the first final answer: the end is the end
MAX_POLLS = 10


@dataclass(frozen=True)
class Answer:
    """One GetStatus answer: its HTTP status, its body as boto3 parses it, and the exchange."""

    status: int
    body: dict[str, Any]
    response: requests.Response

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def code(self) -> str:
        """The error code of an error answer."""
        return str(self.body.get("Error", {}).get("Code"))

    @property
    def state(self) -> str:
        """`LocationCode/ProgressCode` of a 200, the error code otherwise."""
        return f"{self.body.get('LocationCode')}/{self.body.get('ProgressCode')}" if self.ok else self.code

    @property
    def final(self) -> bool:
        """A final ProgressCode, or the error of a job that is no longer valid."""
        return self.body.get("ProgressCode") in FINAL_CODES if self.ok else self.code in NO_LONGER_VALID.values()


def read_status(importexport: ImportExportTarget, job_id: str | None, **params: Any) -> tuple[int, dict[str, Any]]:
    """GetStatus over the wire, checked against the contract: (HTTP status, body as boto3 parses it)."""
    response = importexport.get_status(job_id, **params)
    return response.status_code, check_response("importexport", "GetStatus", response)


def decode(response: requests.Response) -> Answer:
    """A GetStatus answer parsed as boto3 parses it, without its schema (that is its own check): a rule
    between values is checked whatever else the answer breaks."""
    try:
        body = CONTRACT.decode("GetStatus", response.status_code, "text/xml", response.content)
    except (ValueError, TypeError) as error:
        raise violation(
            STATUS if response.status_code == 200 else ERRORS,
            f"the GetStatus answer {response.status_code} does not parse as boto3 parses it: {error}",
            operation="GetStatus",
            response=response,
        ) from None
    return Answer(response.status_code, body if isinstance(body, dict) else {}, response)


def poll(importexport: ImportExportTarget, job_id: str) -> Answer:
    """One GetStatus of a job that exists: 200, or the error of a job that is no longer valid."""
    answer = decode(importexport.get_status(job_id))
    if not answer.ok and answer.code not in NO_LONGER_VALID.values():
        raise violation(
            ERRORS,
            f"GetStatus of the existing job {job_id} answered {answer.status} {answer.code}",
            operation="GetStatus",
            response=answer.response,
        )
    return answer


def follow(importexport: ImportExportTarget, job_id: str) -> list[Answer]:
    """Polls of a job: at least MIN_POLLS, and after its first final answer REPOLLS more (MAX_POLLS at most)."""
    answers: list[Answer] = []
    first_final: int | None = None
    while len(answers) < MAX_POLLS:
        answers.append(poll(importexport, job_id))
        if first_final is None and answers[-1].final:
            first_final = len(answers) - 1
        enough = len(answers) >= MIN_POLLS
        if enough and (first_final is None or len(answers) - 1 - first_final >= REPOLLS):
            break
    return answers


def broken(requirement: str, message: str, answer: Answer) -> AssertionError:
    return violation(requirement, message, operation="GetStatus", response=answer.response)


def check_answer(answer: Answer, job_id: str | None = None) -> None:
    """What one GetStatus 200 must say, beyond its schema: about the job asked for, in documented codes
    that agree with each other."""
    if not answer.ok:
        return
    body = answer.body
    if job_id is not None and body.get("JobId") != job_id:
        raise broken(STATUS, f"GetStatus of job {job_id} answered JobId {body.get('JobId')!r}", answer)
    location, progress = body.get("LocationCode"), body.get("ProgressCode")
    if location not in LOCATION_RANK:
        raise broken(LIFECYCLE, f"LocationCode {location!r} is not a documented code", answer)
    if progress not in RUNNING_RANK and progress not in FINAL_CODES:
        raise broken(LIFECYCLE, f"ProgressCode {progress!r} is not a documented code", answer)
    if progress == "InProgress" and location != "AtAWS":
        raise broken(LIFECYCLE, f"the data is being loaded from a device that is {location}", answer)
    if location == "Returned" and progress not in FINAL_CODES:
        raise broken(LIFECYCLE, f"the device was returned while the job is {progress}", answer)
    if progress == "SuccessWithErrors" and not (isinstance(body.get("ErrorCount"), int) and body["ErrorCount"] >= 1):
        raise broken(LIFECYCLE, f"SuccessWithErrors with ErrorCount {body.get('ErrorCount')!r}", answer)


def _rank(body: dict[str, Any]) -> tuple[int, int]:
    return LOCATION_RANK.get(body.get("LocationCode", ""), 0), RUNNING_RANK.get(body.get("ProgressCode", ""), 2)


def check_lifecycle(answers: list[Answer], job_id: str | None = None) -> None:
    """Every rule of a sequence of GetStatus answers about one job, each answer's own and between them."""
    for answer in answers:
        check_answer(answer, job_id)
    for before, after in itertools.pairwise(answers):
        moved = f"{before.state} -> {after.state}"
        if before.ok and after.ok:
            if before.body.get("ProgressCode") in FINAL_CODES and after.body.get("ProgressCode") != before.body.get(
                "ProgressCode"
            ):
                raise broken(LIFECYCLE, f"a final code changed on a later poll: {moved}", after)
            if _rank(after.body)[0] < _rank(before.body)[0]:
                raise broken(LIFECYCLE, f"the device location went back: {moved}", after)
            if _rank(after.body)[1] < _rank(before.body)[1]:
                raise broken(LIFECYCLE, f"the job progress went back: {moved}", after)
            for member in FIXED_MEMBERS:
                if after.body.get(member) != before.body.get(member):
                    raise broken(
                        LIFECYCLE,
                        f"{member} changed between polls: {before.body.get(member)!r} -> {after.body.get(member)!r}",
                        after,
                    )
        elif before.ok:
            progress = before.body.get("ProgressCode")
            allowed = [NO_LONGER_VALID[progress]] if progress in NO_LONGER_VALID else list(NO_LONGER_VALID.values())
            if progress in FINAL_CODES - NO_LONGER_VALID.keys() or after.code not in allowed:
                raise broken(ERRORS, f"a job that was {before.state} then answered {after.status} {after.code}", after)
        elif after.ok:
            raise broken(ERRORS, f"a job that answered {before.code} is back as {after.state}", after)
        elif after.code != before.code:
            raise broken(ERRORS, f"a job answered {before.code}, then {after.code}", after)
