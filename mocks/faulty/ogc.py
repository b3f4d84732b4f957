"""Faulty OGC mocks. Each breaks exactly one rule of OGC 18-062r2; `tests/test_suites_bite.py`
proves the OGC suite fails on each, for that reason, and passes on the faithful mock.

Variants that break different operations override different methods (`execute`, `dismiss`, `wants_html`,
`no_such_job`, `status_info`), and every override calls `super()`, so `type("X", (A, B), {})` is a server
with both faults (a misbehaving provider rarely has only one)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, ClassVar

from werkzeug.wrappers import Request, Response

from ..engine import Observation
from ..ogc import ERROR_TYPES, PROCESSES, OgcDialect, timestamp


class WrongStatusEnum(OgcDialect):
    """Says `finished` where statusCode.yaml says `successful`."""

    def status_info(self, observation: Observation) -> dict[str, Any]:
        info = super().status_info(observation)
        if info["status"] == "successful":
            info["status"] = "finished"
        return info


class MissingType(OgcDialect):
    """Leaves out the required `type` member of statusInfo."""

    def status_info(self, observation: Observation) -> dict[str, Any]:
        info = super().status_info(observation)
        del info["type"]
        return info


class WrongContentType(OgcDialect):
    """Serves JSON as text/plain."""

    def json(self, body: Any, status: int = 200, content_type: str = "application/json", **headers: str) -> Response:
        return super().json(body, status, "text/plain", **headers)


class UnknownJobIs400(OgcDialect):
    """Answers 400 instead of 404 for a job it does not know."""

    def no_such_job(self, request: Request, job_id: str) -> Response:
        return self.error(request, 400, f"bad job id {job_id!r}")


class StateGoesBack(OgcDialect):
    """Shows `accepted` again on every other poll once the job runs."""

    def status_info(self, observation: Observation) -> dict[str, Any]:
        info = super().status_info(observation)
        if info["status"] == "running" and observation.poll % 2 == 0:
            info["status"] = "accepted"
        return info


class TimestampsOutOfOrder(OgcDialect):
    """Stamps `finished` an hour before `started`."""

    def status_info(self, observation: Observation) -> dict[str, Any]:
        info = super().status_info(observation)
        if "finished" in info:
            info["finished"] = timestamp(observation.created - timedelta(hours=1))
        return info


class MalformedException(OgcDialect):
    """Sends exception bodies without the required `type`."""

    def error(self, request: Request, status: int, detail: str, **extra: Any) -> Response:
        if self.wants_html(request):
            return super().error(request, status, detail, **extra)
        return self.json({"title": "Error", "detail": detail}, status)


class DismissDoesNotDismiss(OgcDialect):
    """Answers DELETE with the job's current state and lets it live on."""

    def dismiss(self, request: Request, jobId: str) -> Response:
        observation = self.engine.peek(jobId)
        if observation is None:
            return self.no_such_job(request, jobId)
        return self.status_response(request, observation)


class ProgressGoesBack(OgcDialect):
    """Counts progress down instead of up."""

    def status_info(self, observation: Observation) -> dict[str, Any]:
        info = super().status_info(observation)
        info["progress"] = 100 - observation.progress
        return info


class ShortExceptionCode(OgcDialect):
    """Uses a short code instead of the no-such-job URI for an unknown job."""

    def no_such_job(self, request: Request, job_id: str) -> Response:
        return self.error(request, 404, f"there is no job {job_id!r}", type="NoSuchJob")


class ExecuteBodyEmpty(OgcDialect):
    """Answers an asynchronous execute 201 with a good Location but an empty body."""

    def execute(self, request: Request, processId: str) -> Response:
        response = super().execute(request, processId)
        if response.status_code == 201:
            response.set_data(b"")
        return response


class TerminalStateFlips(OgcDialect):
    """Shows a successful job `running` again on every even poll after it ended."""

    def status_info(self, observation: Observation) -> dict[str, Any]:
        info = super().status_info(observation)
        if info["status"] == "successful" and observation.poll % 2 == 0:
            info["status"] = "running"
        return info


class WrongJobId(OgcDialect):
    """Answers every job's status with another jobID."""

    def status_info(self, observation: Observation) -> dict[str, Any]:
        info = super().status_info(observation)
        info["jobID"] = f"{info['jobID']}-other"
        return info


class HtmlIgnored(OgcDialect):
    """Declares the HTML conformance class but answers JSON to `Accept: text/html`."""

    @staticmethod
    def wants_html(request: Request) -> bool:
        return False


class SelfLinkElsewhere(OgcDialect):
    """Points a job's `self` link at the job list."""

    def status_info(self, observation: Observation) -> dict[str, Any]:
        info = super().status_info(observation)
        for link in info["links"]:
            if link["rel"] == "self":
                link["href"] = f"{self.base_url}/jobs"
        return info


class UpdatedGoesBack(OgcDialect):
    """Reports `updated` as the creation time on every even poll once the job has moved on."""

    def status_info(self, observation: Observation) -> dict[str, Any]:
        info = super().status_info(observation)
        if info["status"] != "accepted" and observation.poll % 2 == 0:
            info["updated"] = timestamp(observation.created)
        return info


class WrongProcessId(OgcDialect):
    """Names another process than the one executed in processID."""

    def status_info(self, observation: Observation) -> dict[str, Any]:
        info = super().status_info(observation)
        if "processID" in info:
            info["processID"] = f"not-{info['processID']}"
        return info


class FailedWithoutFinished(OgcDialect):
    """Leaves `finished` out of a failed job's status."""

    def status_info(self, observation: Observation) -> dict[str, Any]:
        info = super().status_info(observation)
        if info["status"] == "failed":
            info.pop("finished", None)
        return info


class ResultsAlwaysReady(OgcDialect):
    """Answers the results of a job that has not finished with 200 and an empty results document."""

    def getResult(self, request: Request, jobId: str) -> Response:
        observation = self.engine.peek(jobId)
        if observation is not None and observation.state in ("accepted", "running"):
            return self.json({})
        return super().getResult(request, jobId)


class JobListIgnoresLimit(OgcDialect):
    """Lists every job, whatever `limit` asks for."""

    def getJobs(self, request: Request) -> Response:
        response = super().getJobs(request)
        if response.status_code == 200 and not self.wants_html(request):
            body = response.get_json()
            body["jobs"] = [info for job_id in self.engine.job_ids() if (info := self.job_info(job_id))]
            response.set_data(json.dumps(body))
        return response

    def job_info(self, job_id: str) -> dict[str, Any] | None:
        observation = self.engine.peek(job_id)
        return self.status_info(observation) if observation is not None else None


class DeclaresJobListUnserved(OgcDialect):
    """Declares the job-list class but answers /jobs with 404."""

    def getJobs(self, request: Request) -> Response:
        return self.error(request, 404, "there is nothing at /jobs")


class LandingPageWithoutProcesses(OgcDialect):
    """Leaves the link to /processes out of the landing page."""

    def link(self, path: str, rel: str, media_type: str, title: str) -> dict[str, str]:
        if path == "/processes" and rel != "self":
            rel = "related"
        return super().link(path, rel, media_type, title)


class UnknownProcessNotFound(OgcDialect):
    """Answers an unknown process's description with the generic not-found type, not no-such-process."""

    def getProcessDescription(self, request: Request, processId: str) -> Response:
        if self.described(processId) is None:
            return self.error(request, 404, f"no {processId!r}", type=ERROR_TYPES[404])
        return super().getProcessDescription(request, processId)


class SyncIgnored(OgcDialect):
    """Runs echo asynchronously without Prefer, though its description offers sync-execute."""

    processes: ClassVar[dict[str, dict[str, Any]]] = {
        name: {**described, "jobControlOptions": [o for o in described["jobControlOptions"] if o != "sync-execute"]}
        for name, described in PROCESSES.items()
    }

    def process_summary(self, process_id: str) -> dict[str, Any]:
        summary = super().process_summary(process_id)
        if process_id in PROCESSES:  # what it says, not what it does
            summary["jobControlOptions"] = PROCESSES[process_id]["jobControlOptions"]
        return summary


# name -> (dialect, what the suite's failure must say)
EXPECTED = {
    "wrong-status-enum": (WrongStatusEnum, "'finished' is not one of"),
    "missing-type": (MissingType, "'type' is a required property"),
    "wrong-content-type": (WrongContentType, "'text/plain' is not documented"),
    "unknown-job-is-400": (UnknownJobIs400, "does not document status 400"),
    "state-goes-back": (StateGoesBack, "the state went back"),
    "timestamps-out-of-order": (TimestampsOutOfOrder, "/rec/core/job-status: started"),
    "malformed-exception": (MalformedException, "/req/core/job-exception-no-such-job"),
    "dismiss-does-not-dismiss": (DismissDoesNotDismiss, "/req/dismiss/job-dismiss-success"),
    "progress-goes-back": (ProgressGoesBack, "progress went back"),
    "short-exception-code": (ShortExceptionCode, "/req/core/job-exception-no-such-job"),
    "execute-body-empty": (ExecuteBodyEmpty, "-> 201: the body does not parse as application/json"),
    "terminal-state-flips": (TerminalStateFlips, "a terminal state changed: the job was successful"),
    "wrong-job-id": (WrongJobId, "answered job"),
    "html-ignored": (HtmlIgnored, "/req/html/definition: Accept: text/html got a 200 in application/json"),
    "self-link-elsewhere": (SelfLinkElsewhere, "clause 5 link relation self: the self link of job"),
    "updated-goes-back": (UpdatedGoesBack, "/rec/core/job-status: updated went back"),
    "wrong-process-id": (WrongProcessId, "/rec/core/job-status: processID is"),
    "failed-without-finished": (FailedWithoutFinished, "a failed job that started has no finished time"),
    "results-always-ready": (ResultsAlwaysReady, "/req/core/job-results-exception/results-not-ready: the results"),
    "job-list-ignores-limit": (JobListIgnoresLimit, "/req/job-list/limit-response: limit=1 answered"),
    "declares-job-list-unserved": (DeclaresJobListUnserved, "conf/job-list is declared, but GET /jobs"),
    "landing-page-without-processes": (LandingPageWithoutProcesses, "has no link to /processes"),
    "unknown-process-not-found": (UnknownProcessNotFound, "/req/core/process-exception/no-such-process"),
    "sync-ignored": (SyncIgnored, "/req/core/process-execute-default-execution-mode:"),
}
VARIANTS = {name: dialect for name, (dialect, _) in EXPECTED.items()}
