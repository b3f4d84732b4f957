"""Faulty CLC mocks. Each breaks exactly one rule of the CLC v2 contract; `tests/test_suites_bite.py`
proves the CLC suite fails on each (in EXPECTED), for that reason, and passes on the faithful mock.

Two dialects are not in EXPECTED, because no check on a server we do not control can see what they break:
`ResumedWithoutPause` (only polls that saw every state can tell, and a real server's polls cannot know
that) and `TokensNeverExpire` (two weeks on the mock's clock). `tests/test_clc_mock_checks.py` shows the
mock's own checks catching both."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..answer import Answer, answer_of
from ..clc import DEFAULT_USER, Account, ClcDialect
from ..engine import Engine, Observation
from ..links import Links


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


class StatusIdPrefixMatch(ClcDialect):
    """Answers a status id it never issued with the job whose id it begins with (`wa1-12345-x` is `wa1-12345`)."""

    def getStatus(self, request: Request, accountAlias: str, statusId: str) -> Response:
        if not self.engine.exists(statusId):
            statusId = next((known for known in self.engine.job_ids() if statusId.startswith(known)), statusId)
        return super().getStatus(request, accountAlias, statusId)


class IdsNotScopedToTheAccount(ClcDialect):
    """Checks the alias, but finds any account's status id under the caller's own alias."""

    def owns(self, account: Account, status_id: str) -> bool:
        return self.engine.exists(status_id)


class LoginNamesAnotherUser(ClcDialect):
    """Answers a login with another user's `userName` than the one that was authenticated."""

    def login_body(self, account: Account) -> dict[str, Any]:
        other = next(user for user in self.users if user.username != account.username)
        return {**super().login_body(account), "userName": other.username}


class LoginAliasNotTheCallers(ClcDialect):
    """Answers a login with the documented example's `accountAlias` (RLS1), not the user's own account."""

    def login_body(self, account: Account) -> dict[str, Any]:
        return {**super().login_body(account), "accountAlias": "RLS1"}


class StatusAsTextPlain(ClcDialect):
    """Answers Get Status with a JSON body labelled `text/plain`, though the client asked for application/json."""

    def getStatus(self, request: Request, accountAlias: str, statusId: str) -> Answer:
        answer = answer_of(super().getStatus(request, accountAlias, statusId))
        if answer.response.status_code == 200:
            answer.response.headers["Content-Type"] = "text/plain; charset=utf-8"
        return answer


class EndForgottenOnTheThirdRepoll(ClcDialect):
    """Keeps a job's end for two more polls, then shows it `executing` once: only a third re-poll sees it."""

    def __init__(self, engine: Engine, links: Links) -> None:
        super().__init__(engine, links)
        self._first_end: dict[str, int] = {}  # job id -> the poll that first showed its end

    def wire_state(self, observation: Observation) -> str:
        state = super().wire_state(observation)
        if state not in self.terminal_states:
            return state
        first = self._first_end.setdefault(observation.job_id, observation.poll)
        return "executing" if observation.poll - first == 3 else state

    def reset(self) -> None:
        super().reset()
        self._first_end.clear()


# name -> (dialect, what the suite's failure must say)
EXPECTED = {
    "capitalised-status-key": (CapitalisedStatusKey, "'status' is a required property"),
    "status-outside-the-enum": (StatusOutsideTheEnum, "'completed' is not one of"),
    "no-auth-check": (NoAuthCheck, "Get Status without a bearer token answered"),
    "unknown-id-is-unknown": (UnknownIdIsUnknown, "an unknown status id answered 200"),
    "other-account-readable": (OtherAccountReadable, "another account's alias answered 200"),
    "succeeded-goes-back": (SucceededGoesBack, "a terminal state changed: succeeded -> executing"),
    "error-body-not-message": (ErrorBodyNotMessage, "'message' is a required property"),
    "wrong-credentials-are-401": (WrongCredentialsAre401, "login does not document status 401"),
    "form-login-refused": (FormLoginRefused, "login with a form body answered 400"),
    "status-id-prefix-match": (StatusIdPrefixMatch, "(it only begins with the named"),
    "ids-not-scoped-to-the-account": (
        IdsNotScopedToTheAccount,
        "another account's status id under the caller's alias answered 200",
    ),
    "login-names-another-user": (LoginNamesAnotherUser, "answered userName 'other@company.com'"),
    "login-alias-not-the-callers": (LoginAliasNotTheCallers, "accountAlias 'RLS1' of a JSON login answered 403"),
    "status-as-text-plain": (StatusAsTextPlain, "Content-Type 'text/plain' is not documented"),
    "end-forgotten-on-the-third-repoll": (
        EndForgottenOnTheThirdRepoll,
        "a terminal state changed: succeeded -> executing",
    ),
}
VARIANTS = {name: dialect for name, (dialect, _) in EXPECTED.items()}
