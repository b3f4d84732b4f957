"""Faulty OGC mocks. Each breaks exactly one rule of OGC 18-062r2; `tests/test_suites_bite.py`
proves the OGC suite fails on each, for that reason, and passes on the faithful mock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from ..engine import Observation
from ..ogc import OgcDialect, timestamp


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
}
VARIANTS = {name: dialect for name, (dialect, _) in EXPECTED.items()}
