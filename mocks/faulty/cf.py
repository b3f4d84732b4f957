"""Faulty Cloud Foundry v3 mocks. Each breaks exactly one rule of the CF v3 API docs (or of the
contract where it follows the seed); `tests/test_suites_bite.py` proves the CF suite fails on each,
for that reason, and passes on the faithful mock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from ..cf import INVALID_TOKEN, CfDialect, derived_guid, timestamp
from ..engine import Observation


class LowerCaseState(CfDialect):
    """Says `complete` where the job object says `COMPLETE` (every state in lower case)."""

    def job(self, observation: Observation) -> dict[str, Any]:
        body = super().job(observation)
        body["state"] = body["state"].lower()
        return body


class MissingWarnings(CfDialect):
    """Leaves out `warnings` (as Korifi does) although the job object always has it."""

    def job(self, observation: Observation) -> dict[str, Any]:
        body = super().job(observation)
        del body["warnings"]
        return body


class UnknownJobIsNotFound10000(CfDialect):
    """Answers an unknown job with CF-NotFound 10000 (an unknown route) instead of CF-ResourceNotFound 10010."""

    def getJob(self, request: Request, guid: str) -> Response:
        if self.authorize(request, "cloud_controller.read") is None and not self.engine.exists(guid):
            return self.error(request, 404, "Unknown request", code=10000, title="CF-NotFound")
        return super().getJob(request, guid)


class UnknownJobIs401(CfDialect):
    """Answers 401 CF-InvalidAuthToken for a job it does not know, as if the token were to blame."""

    def getJob(self, request: Request, guid: str) -> Response:
        if not self.engine.exists(guid):
            return self.error(request, 401, INVALID_TOKEN[2], code=INVALID_TOKEN[0], title=INVALID_TOKEN[1])
        return super().getJob(request, guid)


class NoAuthCheck(CfDialect):
    """Shows jobs to anyone: no token, a bad token and a token without scopes all get 200."""

    def authorize(self, request: Request, scope: str) -> Response | None:
        return None


class InvalidTokenIsNotAuthenticated(CfDialect):
    """Answers a bad token with CF-NotAuthenticated 10002, so clients never refresh their token."""

    def authorize(self, request: Request, scope: str) -> Response | None:
        refused = super().authorize(request, scope)
        if refused is not None and refused.status_code == 401:
            return self.error(request, 401, "Authentication error")
        return refused


class FailedWithoutErrors(CfDialect):
    """Shows a FAILED job with an empty `errors` (cloud_controller_ng#1959 as the rule, not the accident)."""

    def job(self, observation: Observation) -> dict[str, Any]:
        body = super().job(observation)
        if body["state"] == "FAILED":
            body["errors"] = []
        return body


class CompleteWithErrors(CfDialect):
    """Keeps the job's error on a COMPLETE job."""

    def job(self, observation: Observation) -> dict[str, Any]:
        body = super().job(observation)
        if body["state"] == "COMPLETE":
            body["errors"] = [{"code": 10008, "title": "CF-UnprocessableEntity", "detail": "something went wrong"}]
        return body


class UpdatedAtGoesBack(CfDialect):
    """Shows created_at as updated_at on every other poll, so it goes back once the job has changed state."""

    def job(self, observation: Observation) -> dict[str, Any]:
        body = super().job(observation)
        if observation.poll % 2 == 0:
            body["updated_at"] = body["created_at"]
        return body


class SubSecondTimestamps(CfDialect):
    """Writes timestamps with milliseconds, which #timestamps rules out."""

    def job(self, observation: Observation) -> dict[str, Any]:
        body = super().job(observation)
        body["created_at"] = observation.created.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return body


class StateGoesBack(CfDialect):
    """Shows PROCESSING again on every other poll while the job is POLLING."""

    def job(self, observation: Observation) -> dict[str, Any]:
        body = super().job(observation)
        if body["state"] == "POLLING" and observation.poll % 2 == 0:
            body["state"] = "PROCESSING"
        return body


class CreatedAfterUpdated(CfDialect):
    """Stamps created_at a day late, so that it is after updated_at (and stays the same on every poll)."""

    def job(self, observation: Observation) -> dict[str, Any]:
        body = super().job(observation)
        body["created_at"] = timestamp(observation.created + timedelta(days=1))
        return body


class WrongContentType(CfDialect):
    """Serves JSON as text/plain (as Cloud Controller's rate limiter does)."""

    def json(self, body: Any, status: int = 200, content_type: str = "application/json", **headers: str) -> Response:
        return super().json(body, status, "text/plain", **headers)


class Wrapped502(CfDialect):
    """Sends the 502 in the `{"errors": [...]}` wrapper, as Cloud Controller does, not as the seed has it.
    Not in EXPECTED: a provider cannot be made to answer 502, so only the mock's own check (a scripted 502,
    tests/test_cf_mock_checks.py) can catch it."""

    def error(self, request: Request, status: int, detail: str, **extra: Any) -> Response:
        response = super().error(request, status, detail, **extra)
        if status == 502:
            return self.json({"errors": [response.get_json()]}, 502)
        return response


class SelfLinkElsewhere(CfDialect):
    """Points links.self at the jobs collection instead of the job."""

    def job(self, observation: Observation) -> dict[str, Any]:
        body = super().job(observation)
        body["links"]["self"]["href"] = f"{self.base_url}/v3/jobs"
        return body


class EndIsNotFinal(CfDialect):
    """Shows a COMPLETE or FAILED job as PROCESSING again on every third poll: a suite that stops polling at
    the first end never sees it."""

    def job(self, observation: Observation) -> dict[str, Any]:
        body = super().job(observation)
        if observation.terminal and observation.poll % 3 == 0:
            body["state"] = "PROCESSING"
        return body


class ResourceGuidAsJobGuid(CfDialect):
    """Shows the guid of the resource the job works on as the job's guid."""

    def job(self, observation: Observation) -> dict[str, Any]:
        body = super().job(observation)
        body["guid"] = observation.attributes.get("resource_guid") or derived_guid(observation.job_id)
        return body


class CreatedAtFollowsUpdatedAt(CfDialect):
    """Shows updated_at as created_at too, so a job's created_at moves whenever its state changes."""

    def job(self, observation: Observation) -> dict[str, Any]:
        body = super().job(observation)
        body["created_at"] = body["updated_at"]
        return body


class UnknownJobWithoutTokenIs404(CfDialect):
    """Looks the job up before the token: without one, an unknown job is 404, telling anyone which jobs exist."""

    def getJob(self, request: Request, guid: str) -> Response:
        if not self.engine.exists(guid):
            return self.error(request, 404, "Job not found")
        return super().getJob(request, guid)


class ReadScopeNotChecked(CfDialect):
    """Checks the token but not its scopes: a token without cloud_controller.read reads jobs."""

    def authorize(self, request: Request, scope: str) -> Response | None:
        refused = super().authorize(request, scope)
        return None if refused is not None and refused.status_code == 403 else refused


# name -> (dialect, what the suite's failure must say)
EXPECTED = {
    "lower-case-state": (LowerCaseState, "is not one of ['PROCESSING', 'POLLING', 'COMPLETE', 'FAILED']"),
    "missing-warnings": (MissingWarnings, "'warnings' is a required property"),
    "unknown-job-is-not-found-10000": (UnknownJobIsNotFound10000, "expected 10010 CF-ResourceNotFound"),
    "unknown-job-is-401": (UnknownJobIs401, "answered 401, not 404"),
    "no-auth-check": (NoAuthCheck, "a request without a token for a-job answered 200, not 401"),
    "invalid-token-is-not-authenticated": (InvalidTokenIsNotAuthenticated, "expected 1000 CF-InvalidAuthToken"),
    "failed-without-errors": (FailedWithoutErrors, "a FAILED job has no errors"),
    "complete-with-errors": (CompleteWithErrors, "a COMPLETE job has errors"),
    "updated-at-goes-back": (UpdatedAtGoesBack, "Timestamps (#timestamps): updated_at went back"),
    "sub-second-timestamps": (SubSecondTimestamps, "does not match '^[0-9]{4}-[0-9]{2}-[0-9]{2}T"),
    "state-goes-back": (StateGoesBack, "the state went back: POLLING -> PROCESSING"),
    "created-after-updated": (CreatedAfterUpdated, "Timestamps (#timestamps): created_at"),
    "wrong-content-type": (WrongContentType, "asked for application/json, answered 'text/plain'"),
    "self-link-elsewhere": (SelfLinkElsewhere, "Links (#links): links.self"),
    "end-is-not-final": (EndIsNotFinal, "COMPLETE and FAILED are final: the job was COMPLETE, then PROCESSING"),
    "resource-guid-as-job-guid": (ResourceGuidAsJobGuid, "the job answered is the job asked for: GET /v3/jobs/"),
    "created-at-follows-updated-at": (CreatedAtFollowsUpdatedAt, "created_at never change: created_at changed"),
    "unknown-job-without-token-is-404": (
        UnknownJobWithoutTokenIs404,
        "a request without a token for an-unknown-job answered 404, not 401",
    ),
    "read-scope-not-checked": (ReadScopeNotChecked, "a token without the read scope answered 200, not 403"),
}
VARIANTS = {name: dialect for name, (dialect, _) in EXPECTED.items()}
