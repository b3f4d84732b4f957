"""Faulty CLC mocks. Each breaks exactly one rule of the CLC v2 contract; `tests/test_suites_bite.py`
proves the CLC suite fails on each, for that reason, and passes on the faithful mock."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..clc import DEFAULT_USER, Account, ClcDialect
from ..engine import Observation


class CapitalisedStatusKey(ClcDialect):
    """Sends `Status` (the entity table's spelling) where the wire format says `status`."""

    def status_body(self, observation: Observation) -> dict[str, Any]:
        return {"Status": self.wire_state(observation)}


class StatusOutsideTheEnum(ClcDialect):
    """Says `completed` where the document says `succeeded`."""

    def wire_state(self, observation: Observation) -> str:
        state = super().wire_state(observation)
        return "completed" if state == "succeeded" else state


class NoAuthCheck(ClcDialect):
    """Serves Get Status to anyone, token or not, as the example user."""

    def authenticated(self, request: Request) -> Account | None:
        return super().authenticated(request) or DEFAULT_USER


class UnknownIdIsUnknown(ClcDialect):
    """Answers 200 `unknown` for a status id it never issued, instead of 404."""

    def getStatus(self, request: Request, accountAlias: str, statusId: str) -> Response:
        account = self.authenticated(request)
        if account is not None and accountAlias.upper() == account.alias.upper() and not self.engine.exists(statusId):
            return self.json({"status": "unknown"})
        return super().getStatus(request, accountAlias, statusId)


class OtherAccountReadable(ClcDialect):
    """Lets any logged-in user read any account's statuses."""

    def getStatus(self, request: Request, accountAlias: str, statusId: str) -> Response:
        account = self.authenticated(request)
        if account is None:
            return self.error(request, 401, "Authorization has been denied for this request.")
        observation = self.poll(statusId)
        if observation is None:
            return self.error(request, 404, f"Status {statusId} was not found.")
        return self.json(self.status_body(observation))


class SucceededGoesBack(ClcDialect):
    """Shows `executing` again on every other poll once the job has succeeded."""

    def wire_state(self, observation: Observation) -> str:
        state = super().wire_state(observation)
        return "executing" if state == "succeeded" and observation.poll % 2 == 0 else state


class ResumedWithoutPause(ClcDialect):
    """Says `resumed` for a job that starts executing, though nothing paused it."""

    def wire_state(self, observation: Observation) -> str:
        state = super().wire_state(observation)
        started = [name for name, _ in observation.entered if name != "unknown"]
        return "resumed" if state == "executing" and started[-2:-1] == ["notStarted"] else state


class ErrorBodyNotMessage(ClcDialect):
    """Sends errors as `{"error": ...}` instead of the documented `{"message": ...}`."""

    def error(self, request: Request, status: int, detail: str, **extra: Any) -> Response:
        return self.json({"error": detail}, status)


class WrongCredentialsAre401(ClcDialect):
    """Answers a wrong password with 401, where the login document says 400."""

    def login(self, request: Request) -> Response:
        response = super().login(request)
        if response.status_code == 400:
            response.status_code = 401
        return response


class FormLoginRefused(ClcDialect):
    """Takes only JSON logins, though clc-sdk's get_session logs in with a form body."""

    def login(self, request: Request) -> Response:
        if request.mimetype == "application/x-www-form-urlencoded":
            return self.error(request, 400, "The request is invalid.")
        return super().login(request)


class TokensNeverExpire(ClcDialect):
    """Accepts tokens of any age (the documents say two weeks)."""

    token_lifetime = float("inf")


# name -> (dialect, what the suite's failure must say)
EXPECTED = {
    "capitalised-status-key": (CapitalisedStatusKey, "'status' is a required property"),
    "status-outside-the-enum": (StatusOutsideTheEnum, "'completed' is not one of"),
    "no-auth-check": (NoAuthCheck, "Get Status without a bearer token answered"),
    "unknown-id-is-unknown": (UnknownIdIsUnknown, "an unknown status id answered 200"),
    "other-account-readable": (OtherAccountReadable, "another account's alias answered 200"),
    "succeeded-goes-back": (SucceededGoesBack, "a terminal state changed: succeeded -> executing"),
    "resumed-without-pause": (ResumedWithoutPause, "resumed without a pause"),
    "error-body-not-message": (ErrorBodyNotMessage, "'message' is a required property"),
    "wrong-credentials-are-401": (WrongCredentialsAre401, "login does not document status 401"),
    "form-login-refused": (FormLoginRefused, "login with a form body answered 400"),
    "tokens-never-expire": (TokensNeverExpire, "a token older than two weeks answered 200"),
}
VARIANTS = {name: dialect for name, (dialect, _) in EXPECTED.items()}
