"""The state of the AWS Import/Export mock: per account and partition, the jobs and one lifecycle engine.

A job's life is a script of the shared engine whose states name both of the Developer Guide's
statuses, `<LocationCode>/<ProgressCode>` ("Job and Device Status Codes", Status.html): the device
location (`NotReceived`, `AtAWS`, `Returned`) and the job progress. The default script is the life of
a successful job:

    NotReceived/Pending (1 day: the device is in the post)
    -> AtAWS/Pending (1 hour: "when your storage device arrives its status is Pending")
    -> AtAWS/InProgress (4 hours: the data is loaded)
    -> AtAWS/Complete (1 day: the device is packed)
    -> Returned/Complete (for good: Carrier and TrackingNumber appear)

`SCRIPTS` holds the other realistic lives (errors in the load, a broken device, a device that never
arrives: "Your job expires after 30 days", DG createanexportjob.html); any script of known states works.

Canceled and expired jobs (decision, the documents leave it open; see contracts/importexport/NOTES.md):
a job that became `Canceled` or `Expired` still answers GetStatus 200 with that ProgressCode for
`retention_seconds` (one day) of the engine's clock, as aws-sdk-js' feature test shows right after a
CancelJob; from then on it is "no longer valid" / "expired out of the system" and GetStatus raises
`CanceledJobIdException` / `ExpiredJobIdException`.

The engine's clock is frozen (tests advance it: `backend.advance(3600)`), unless `REAL_TIME` is set
before the backend is created (`jobcontract serve` does, so served jobs age in real time).

Documents: a job's `ArtifactList` and GetShippingLabel's `ShippingLabelURL` are paths on the mock itself
(`documents.py`); the wire side makes them absolute from the request's host, so a client can fetch them.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.utilities.utils import PARTITION_NAMES

from ..engine import (
    Clock,
    Engine,
    Fault,
    Observation,
    OverLimit,
    ScriptError,
    Step,
    UnknownJob,
    parse_fault,
    parse_step,
)
from . import documents
from .documents import ShippingLabel
from .exceptions import (
    NOT_XML,
    CanceledJobIdException,
    ExpiredJobIdException,
    InvalidAccessKeyIdException,
    InvalidAddressException,
    InvalidClientTokenIdException,
    InvalidJobIdException,
    InvalidManifestFieldException,
    InvalidParameterException,
    InvalidVersionException,
    MalformedManifestException,
    MissingManifestFieldException,
    ServiceUnavailableException,
    UnableToCancelJobIdException,
    UnableToUpdateJobIdException,
    shown,
)

#: set before a backend is created to let its jobs age in real time (`jobcontract serve`)
REAL_TIME = False

MINUTE, HOUR, DAY = 60, 3600, 86400
JOB_TYPES = ("Import", "Export")

# Developer Guide "Job and Device Status Codes" (Status.html), with its placeholders as format fields.
LOCATION_MESSAGES = {
    "NotReceived": "AWS has not received your device.",
    "AtAWS": "Your device is at AWS.",
    "Returned": "Your device has been returned. The {carrier} tracking number is {tracking_number}.",
}
PROGRESS_MESSAGES = {
    "Pending": "The specified job has not started.",
    "InProgress": "The data on your device is currently being loaded.",
    "Complete": "The data loaded successfully. The log was saved to {log_key} in the bucket {log_bucket}.",
    "SuccessWithErrors": (
        "The data load completed with {error_count} errors. See {log_key} in the bucket {log_bucket} for more details."
    ),
    "Canceled": "The job was canceled.",
    "Expired": "The job expired.",
    "DeviceError": "The job was aborted. Your device would not function properly.",
    "InvalidSignature": "The job was aborted. The SIGNATURE file was invalid.",
    "MissingDevice": "The job was aborted. Your device, power supply, or device connectors were missing.",
    "MissingSignature": "The job was aborted. The SIGNATURE file was missing.",
    "UnsupportedDeviceType": (
        'The job was aborted. Disk requires a USB2 or eSATA connector type, or a 2.5" or 3.5" SATA hard drive.'
    ),
    "UnsupportedFileFormat": "The job was aborted. The file format is not supported.",
    "UnsupportedPowerSupply": "The job was aborted. The power supply is not compatible with the data center.",
}
LOCATIONS = tuple(LOCATION_MESSAGES)
PROGRESS_CODES = tuple(PROGRESS_MESSAGES)
RUNNING = frozenset({"Pending", "InProgress"})
SUCCEEDED = frozenset({"Complete", "SuccessWithErrors"})  # the codes that carry ErrorCount
ENDED = frozenset({"Canceled", "Expired"})  # the codes that later turn into an exception
STATES = tuple(f"{location}/{progress}" for location in LOCATIONS for progress in PROGRESS_CODES)


def refuse_ended(job: Job, progress: str) -> None:
    """A canceled or expired job is no longer valid: raise its documented error (else nothing)."""
    if progress == "Canceled":
        raise CanceledJobIdException(job.job_id)
    if progress == "Expired":
        raise ExpiredJobIdException(job.job_id)


def split_state(state: str) -> tuple[str, str]:
    """(LocationCode, ProgressCode) of an engine state `Location/Progress`."""
    location, _, progress = state.partition("/")
    return location, progress


def _life(outcome: str) -> tuple[Step, ...]:
    return (
        Step("NotReceived/Pending", seconds=DAY),
        Step("AtAWS/Pending", seconds=HOUR),
        Step("AtAWS/InProgress", seconds=4 * HOUR),
        Step(f"AtAWS/{outcome}", seconds=DAY),
        Step(f"Returned/{outcome}"),
    )


SCRIPTS: dict[str, tuple[Step, ...]] = {
    "complete": _life("Complete"),
    "success-with-errors": _life("SuccessWithErrors"),
    "device-error": (
        Step("NotReceived/Pending", seconds=DAY),
        Step("AtAWS/Pending", seconds=HOUR),
        Step("AtAWS/DeviceError", seconds=DAY),
        Step("Returned/DeviceError"),
    ),
    "expires": (Step("NotReceived/Pending", seconds=30 * DAY), Step("NotReceived/Expired")),
}
DEFAULT_SCRIPT = SCRIPTS["complete"]
RETENTION_SECONDS = DAY
DEFAULT_ERROR_COUNT = 12  # errors of a SuccessWithErrors job unless its creator says otherwise
MAX_JOBS_LIMIT = 1000
ADDRESS_FIELDS = ("name", "company", "phoneNumber", "country", "stateOrProvince", "city", "postalCode", "street1")
REQUIRED_ADDRESS_FIELDS = ("name", "street1", "city", "country")
CLIENT_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.\d+)?")
MANIFEST_LINE = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)\s*:\s*(.*)")
MANIFEST_VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "2.0")
SHIPPING_LABEL_LIMIT = 1000  # labels kept per account (the oldest go first): a long-running mock stays small


def check_client_version(version: str | None) -> None:
    """`APIVersion` is the version of the client tool: absent, or a dotted number of major version 1 or 2
    (the AWS Import/Export Web Service Tool and manifest versions); anything else is
    InvalidVersionException. This rule is the mock's: the documents give none."""
    if version is None:
        return
    found = CLIENT_VERSION.fullmatch(version)
    if found is None or int(found.group(1)) not in (1, 2):
        raise InvalidVersionException(version)


def parse_manifest(text: str, job_type: str) -> dict[str, str]:
    """The top-level fields of a manifest (`name: value` lines; indented lines belong to the field
    above). Raises the documented manifest errors."""
    unwritable = NOT_XML.search(text)
    if unwritable:  # GetStatus sends the manifest back as CurrentManifest, in XML
        raise MalformedManifestException(
            f"Your manifest is not well-formed: it contains the character {shown(unwritable.group())}."
        )
    fields: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t":
            if not fields:
                raise MalformedManifestException(f"Your manifest is not well-formed: line {number} is indented.")
            continue
        found = MANIFEST_LINE.fullmatch(line)
        if found is None:
            raise MalformedManifestException(
                f"Your manifest is not well-formed: line {number} is not 'name: value' ({line[:40]!r})."
            )
        name, value = found.groups()
        if name in fields:
            raise MalformedManifestException(f"Your manifest is not well-formed: {name} is given twice.")
        fields[name] = value.strip()
    required = ["manifestVersion", "deviceId", "bucket" if job_type == "Import" else "fileExport"]
    for name in required:
        if name not in fields:
            raise MissingManifestFieldException(name)
    if fields["manifestVersion"] not in MANIFEST_VERSIONS:
        raise InvalidManifestFieldException(
            f"manifestVersion {fields['manifestVersion']!r} is invalid; it is one of {', '.join(MANIFEST_VERSIONS)}."
        )
    return fields


@dataclass
class Job:
    """What CreateJob fixed about a job; its progress lives in the backend's engine."""

    job_id: str
    job_type: str
    manifest: str
    fields: dict[str, str]
    addendum: str | None = None
    error_count: int = DEFAULT_ERROR_COUNT
    carrier: str = "UPS"
    #: Description and URL of each artifact; the URLs are paths on the mock (the wire makes them absolute)
    artifacts: list[dict[str, str]] = field(default_factory=list)

    @property
    def access_key(self) -> str | None:
        """The manifest's accessKeyId: requests about the job must be signed with it."""
        return self.fields.get("accessKeyId") or None

    @property
    def signature(self) -> str:
        digest = hashlib.sha1(f"{self.job_id}\n{self.manifest}".encode()).digest()
        return base64.b64encode(digest).decode()

    @property
    def signature_file(self) -> str:
        return f"version:2.0\nsigningMethod:HmacSHA1\njobId:{self.job_id}\nsignature:{self.signature}\n"

    @property
    def tracking_number(self) -> str:
        return "1Z" + hashlib.sha1(self.job_id.encode()).hexdigest()[:16].upper()

    @property
    def log_bucket(self) -> str:
        return self.fields.get("logBucket") or self.fields.get("bucket") or "importexport-logs"

    @property
    def log_key(self) -> str:
        return f"{self.fields.get('logPrefix', '')}{self.job_id}-{self.job_type.lower()}-log.txt"

    def status(self, observation: Observation) -> dict[str, Any]:
        """GetStatusOutput: every member of the model, Carrier/TrackingNumber only once the device is
        Returned, ErrorCount only for Complete/SuccessWithErrors (the seed's conditions)."""
        location, progress = split_state(observation.state)
        error_count = 0 if progress == "Complete" else self.error_count
        words = {
            "carrier": self.carrier,
            "tracking_number": self.tracking_number,
            "log_key": self.log_key,
            "log_bucket": self.log_bucket,
            "error_count": error_count,
        }
        status: dict[str, Any] = {
            "JobId": self.job_id,
            "JobType": self.job_type,
            "LocationCode": location,
            "LocationMessage": LOCATION_MESSAGES[location].format(**words),
            "ProgressCode": progress,
            "ProgressMessage": PROGRESS_MESSAGES[progress].format(**words),
        }
        if location == "Returned":
            status["Carrier"] = self.carrier
            status["TrackingNumber"] = self.tracking_number
        status["LogBucket"] = self.log_bucket
        status["LogKey"] = self.log_key
        if progress in SUCCEEDED:
            status["ErrorCount"] = error_count
        status["Signature"] = self.signature
        status["SignatureFileContents"] = self.signature_file
        status["CurrentManifest"] = self.manifest
        status["CreationDate"] = observation.created
        status["ArtifactList"] = list(self.artifacts)
        return status


class ImportExportBackend(BaseBackend):
    """One account's AWS Import/Export in one partition: its jobs and the engine that ages them."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.engine = Engine(Clock(frozen=not REAL_TIME))
        self.jobs: dict[str, Job] = {}
        self.retention_seconds: float = RETENTION_SECONDS
        self.revoked_access_keys: set[str] = set()
        self.shipping_labels: dict[str, ShippingLabel] = {}
        self._random = random.Random(f"{account_id}/{region_name}")

    # -- control (Python only; moto's own /moto-api/reset clears everything) ---------------------------
    def advance(self, seconds: float) -> float:
        """Move this backend's clock forward; jobs move through their scripts accordingly."""
        return self.engine.advance(seconds)

    def revoke_access_key(self, access_key: str) -> None:
        """From now on requests signed with `access_key` get the documented 403 InvalidClientTokenIdException."""
        self.revoked_access_keys.add(access_key)

    def now(self) -> datetime:
        return self.engine.clock.now()

    # -- checks every operation makes ------------------------------------------------------------------
    def check_caller(self, access_key: str | None, api_version: str | None) -> None:
        check_client_version(api_version)
        if access_key is not None and access_key in self.revoked_access_keys:
            raise InvalidClientTokenIdException()

    def _find(self, job_id: str | None, access_key: str | None, *, poll: bool = False) -> tuple[Job, Observation]:
        """The job and how it looks now; raises the documented error for a job the caller cannot see."""
        job = self.jobs.get(job_id or "")
        if job is None or job_id is None:
            raise InvalidJobIdException(job_id)
        if job.access_key is not None and access_key is not None and access_key != job.access_key:
            raise InvalidAccessKeyIdException()
        observation = self.engine.poll(job.job_id) if poll else self.engine.peek(job.job_id)
        assert observation is not None
        progress = split_state(observation.state)[1]
        if progress in ENDED and (self.now() - observation.updated).total_seconds() >= self.retention_seconds:
            refuse_ended(job, progress)
        return job, observation

    # -- operations --------------------------------------------------------------------------------------
    def create_job(
        self,
        job_type: str,
        manifest: str,
        *,
        validate_only: bool = False,
        addendum: str | None = None,
        access_key: str | None = None,
        script: str | Iterable[Any] | None = None,
        job_id: str | None = None,
        error_count: int = DEFAULT_ERROR_COUNT,
        faults: Mapping[int, Any] | None = None,
    ) -> Job:
        """CreateJob; `script` (a name in SCRIPTS or a list of steps), `job_id`, `error_count` and `faults`
        (by GetStatus poll number, as `inject_fault` takes them) are the mock's controls. With
        `validate_only` the job is checked and returned but not kept."""
        if job_type not in JOB_TYPES:
            raise InvalidParameterException(f"JobType {job_type!r} is invalid; it is Import or Export.")
        fields = parse_manifest(manifest, job_type)
        if fields.get("accessKeyId") and access_key is not None and fields["accessKeyId"] != access_key:
            raise InvalidAccessKeyIdException()
        steps = self._script(script)
        for fault in (faults or {}).values():
            self._check_fault(fault)
        job_id = job_id or self._new_job_id()
        if job_id in self.jobs:
            raise ScriptError(f"job {job_id!r} already exists")
        job = Job(job_id, job_type, manifest, fields, addendum, error_count)
        job.artifacts = [
            {
                "Description": "Signature file and shipping instructions",
                "URL": documents.artifact_path(self.account_id, job_id),
            }
        ]
        try:
            self._check_size(manifest, addendum)
            if not validate_only:
                self.engine.create(steps, job_id, faults=faults)
        except OverLimit as error:
            raise ServiceUnavailableException(error) from None
        if not validate_only:
            self.jobs[job_id] = job
        return job

    def get_status(self, job_id: str | None, access_key: str | None) -> tuple[dict[str, Any], Fault | None]:
        """GetStatusOutput, and the fault scripted on this poll (the wire side carries it out)."""
        job, observation = self._find(job_id, access_key, poll=True)
        return job.status(observation), observation.fault

    def inject_fault(self, job_id: str, fault: Fault | Mapping[str, Any], poll: int | None = None) -> int:
        """Script a delay, a dropped connection or a dribbled answer on a GetStatus poll of the job
        (default: its next one); returns the poll number."""
        if job_id not in self.jobs:
            raise UnknownJob(job_id)
        return self.engine.inject(job_id, self._check_fault(fault), poll)

    @staticmethod
    def _check_fault(fault: Fault | Mapping[str, Any]) -> Fault:
        parsed = parse_fault(fault)
        if parsed.status is not None:
            raise ScriptError(
                "an Import/Export fault has a delay, a drop or a dribble, not a status: the service's errors"
                " come from their own conditions (an unknown or expired job, a revoked key, a bad manifest)"
            )
        return parsed

    def cancel_job(self, job_id: str | None, access_key: str | None) -> None:
        """Cancels a job that has not finished (DG CancelingAJob.html: "We can, however, cancel a job in
        progress"); a finished job is UnableToCancelJobIdException, a canceled one CanceledJobIdException."""
        job, observation = self._find(job_id, access_key)
        location, progress = split_state(observation.state)
        refuse_ended(job, progress)
        if progress not in RUNNING:
            raise UnableToCancelJobIdException(job.job_id, progress)
        self.engine.finish(job.job_id, f"{location}/Canceled")

    def update_job(
        self,
        job_id: str | None,
        job_type: str,
        manifest: str,
        *,
        validate_only: bool = False,
        access_key: str | None = None,
    ) -> Job:
        """Replaces the manifest of a job whose data transfer has not started (ProgressCode Pending)."""
        job, observation = self._find(job_id, access_key)
        progress = split_state(observation.state)[1]
        refuse_ended(job, progress)
        if progress != "Pending":
            raise UnableToUpdateJobIdException(job.job_id, progress)
        if job_type != job.job_type:
            raise InvalidParameterException(f"JobType {job_type!r} does not match the job's type {job.job_type}.")
        fields = parse_manifest(manifest, job_type)
        if fields.get("accessKeyId") and access_key is not None and fields["accessKeyId"] != access_key:
            raise InvalidAccessKeyIdException()
        try:
            self._check_size(manifest, job.addendum)
        except OverLimit as error:
            raise ServiceUnavailableException(error) from None
        if not validate_only:
            job.manifest, job.fields = manifest, fields
        return job

    def list_jobs(self, max_jobs: int | None, marker: str | None) -> tuple[list[dict[str, Any]], bool]:
        """The account's jobs, newest first (the model: "in reverse chronological order based on the date
        of creation"), `max_jobs` at a time after the job named by `marker`."""
        limit = MAX_JOBS_LIMIT if max_jobs is None else max_jobs
        if not 1 <= limit <= MAX_JOBS_LIMIT:
            raise InvalidParameterException(f"MaxJobs must be between 1 and {MAX_JOBS_LIMIT}, not {limit}.")
        newest_first = list(reversed(self.jobs))
        start = 0
        if marker is not None:
            if marker not in self.jobs:
                raise InvalidParameterException(f"Marker {marker!r} does not name one of your jobs.")
            start = newest_first.index(marker) + 1
        page = newest_first[start : start + limit]
        entries = []
        for job_id in page:
            observation = self.engine.peek(job_id)
            assert observation is not None
            entries.append(
                {
                    "JobId": job_id,
                    "CreationDate": observation.created,
                    "IsCanceled": split_state(observation.state)[1] == "Canceled",
                    "JobType": self.jobs[job_id].job_type,
                }
            )
        return entries, start + limit < len(newest_first)

    def get_shipping_label(
        self, job_ids: list[str] | None, address: Mapping[str, str | None], access_key: str | None
    ) -> str:
        """A pre-paid label for the devices of `job_ids`, sent to `address` (or to each manifest's
        returnAddress when no address field is given)."""
        if not job_ids:
            raise InvalidParameterException("jobIds must name at least one job.")
        for job_id in job_ids:
            job, observation = self._find(job_id, access_key)
            progress = split_state(observation.state)[1]
            refuse_ended(job, progress)
        given = {name: value for name, value in address.items() if value}
        if given:
            missing = [name for name in REQUIRED_ADDRESS_FIELDS if name not in given]
            if missing:
                raise InvalidAddressException(f"The address is missing {', '.join(missing)}.")
        label = ShippingLabel(tuple(job_ids), tuple(given.items()))
        token = hashlib.sha1(repr(label).encode()).hexdigest()[:16]
        self.shipping_labels.pop(token, None)  # newest last: the oldest label is the first to go
        self.shipping_labels[token] = label
        while len(self.shipping_labels) > SHIPPING_LABEL_LIMIT:
            del self.shipping_labels[next(iter(self.shipping_labels))]
        return documents.label_path(self.account_id, token)

    # -- the documents behind the URLs ---------------------------------------------------------------
    def artifact(self, job_id: str) -> bytes | None:
        """The PDF of a job's signature file and shipping instructions (None: no such job)."""
        job = self.jobs.get(job_id)
        if job is None:
            return None
        return documents.instructions_pdf(job.job_id, job.job_type, job.signature_file, job.fields)

    def shipping_label(self, token: str) -> bytes | None:
        """The PDF of a label GetShippingLabel handed out (None: no such label)."""
        label = self.shipping_labels.get(token)
        if label is None:
            return None
        jobs = [self.jobs[job_id] for job_id in label.job_ids if job_id in self.jobs]
        numbers = {job.job_id: job.tracking_number for job in jobs}
        return documents.label_pdf(label, numbers, jobs[0].carrier if jobs else "UPS")

    # -- helpers -------------------------------------------------------------------------------------------
    def _check_size(self, manifest: str, addendum: str | None) -> None:
        """A job's manifest and addendum are its attributes: OverLimit past the engine's `max_attribute_bytes`."""
        self.engine.limits.check_attributes({"manifest": manifest, "addendum": addendum})

    def _script(self, script: str | Iterable[Any] | None) -> tuple[Step, ...]:
        if script is None:
            return DEFAULT_SCRIPT
        if isinstance(script, str):
            if script not in SCRIPTS:
                raise ScriptError(f"no script {script!r}; the scripts are {', '.join(SCRIPTS)}")
            return SCRIPTS[script]
        steps = tuple(parse_step(raw) for raw in script)
        for step in steps:
            location, progress = split_state(step.state)
            if location not in LOCATIONS or progress not in PROGRESS_CODES:
                raise ScriptError(
                    f"{step.state!r} is not an Import/Export state: it is <LocationCode>/<ProgressCode> with"
                    f" LocationCode in {', '.join(LOCATIONS)} and ProgressCode in {', '.join(PROGRESS_CODES)}"
                )
        return steps

    def _new_job_id(self) -> str:
        """Five characters like the Developer Guide's and the CLI's examples (`EX1ID`, `ABCDE`)."""
        alphabet = string.ascii_uppercase + string.digits
        while True:
            job_id = "".join(self._random.choices(alphabet, k=5))
            if job_id not in self.jobs:
                return job_id


importexport_backends = BackendDict(
    ImportExportBackend, "importexport", use_boto3_regions=False, additional_regions=PARTITION_NAMES
)
