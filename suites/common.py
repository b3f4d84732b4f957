"""What every contract suite shares: the target under test, and checks that name the document and
requirement a failure breaks."""

from __future__ import annotations

import email.utils
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NoReturn

import pytest
import requests
import schemathesis
from hypothesis import core as hypothesis_core
from hypothesis import strategies as st
from hypothesis.vendor import pretty
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import hypothesis as schemathesis_hypothesis

from jobcontract import contracts
from jobcontract.mocks import MockApp, MockServer
from jobcontract.suites.report import documents, remember_exchange, shorten

log = logging.getLogger("jobcontract.suites")


# Schemathesis swaps Hypothesis' printer for one that prints nothing (a speed-up for its own runner), which
# leaves a failing example's values blank ("ogc=, steps="): put Hypothesis' own back, so failures reproduce.
schemathesis_hypothesis.setup()
hypothesis_core.RepresentationPrinter = pretty.RepresentationPrinter  # type: ignore[misc]

NOT_VERIFIED = "not verified: "
NOT_APPLICABLE = "not applicable: "
RETRY_STATUSES = frozenset({429, 503})
MAX_RETRIES = 3
MAX_RETRY_WAIT = 60.0  # seconds; a longer Retry-After is not waited for


class RequestBudgetExhausted(Exception):
    """The run spent --request-budget requests on a named server."""


@dataclass
class Politeness:
    """What a run may ask of a named server: a request rate, a budget for the run, and bounded retries of
    429 and 503 that say when to come back (`Retry-After`). The embedded mocks get no limits."""

    rate: float = 0.0  # requests per second, 0 for no limit
    budget: int = 0  # requests in the whole run, 0 for no limit
    sent: int = 0
    retried: int = 0
    _next_slot: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take_turn(self) -> None:
        with self._lock:
            if self.budget and self.sent >= self.budget:
                raise RequestBudgetExhausted(
                    f"the request budget of {self.budget} requests ran out"
                    " (--request-budget or JOBCONTRACT_REQUEST_BUDGET)"
                )
            self.sent += 1
            now = time.monotonic()
            wait = max(0.0, self._next_slot - now)
            self._next_slot = max(now, self._next_slot) + (1.0 / self.rate if self.rate else 0.0)
        if wait:
            time.sleep(wait)

    def count_retry(self) -> None:
        with self._lock:
            self.retried += 1


def retry_after(response: requests.Response) -> float | None:
    """Seconds a 429 or 503 asks to wait (`Retry-After` as seconds or an HTTP date), None if it does not say."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds()) if when.tzinfo else None


class PoliteSession(requests.Session):
    """A session that keeps to its Politeness; every request a suite makes (Schemathesis' too) goes through it."""

    def __init__(self, politeness: Politeness | None = None) -> None:
        super().__init__()
        self.politeness = politeness or Politeness()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        for attempt in range(MAX_RETRIES + 1):
            try:
                self.politeness.take_turn()
            except RequestBudgetExhausted as error:
                not_verified(str(error))
            response = super().send(request, **kwargs)
            if response.status_code in RETRY_STATUSES and attempt < MAX_RETRIES:
                wait = retry_after(response)
                if wait is not None and wait <= MAX_RETRY_WAIT:
                    self.politeness.count_retry()
                    log.info("%s answered %s: retrying in %.1f s", request.url, response.status_code, wait)
                    time.sleep(wait)
                    continue
            return response
        raise AssertionError("unreachable")


@dataclass
class Target:
    """The server a suite checks: a real one named by `--<api>-url`, or the embedded mock."""

    api: str
    base_url: str
    server: MockServer | None = None
    session: requests.Session = field(default_factory=PoliteSession)

    def __post_init__(self) -> None:
        # the conformance report shows the request a failing test made last
        self.session.hooks["response"].append(remember_exchange)

    @property
    def embedded(self) -> bool:
        return self.server is not None

    @property
    def mock(self) -> MockApp | None:
        """The embedded mock's application, to provision what a provider would supply (a job in a given
        state, a second account); None against a real server."""
        return self.server.app if self.server is not None else None

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        response = self.session.request(method, self.url(path), **kwargs)
        if log.isEnabledFor(logging.DEBUG):  # every request a suite makes (secrets redacted by suites/report.py)
            headers = dict(response.request.headers)
            log.debug("%s %s headers=%s -> %s", method, response.url, headers, response.status_code)
        return response


_POLITENESS = pytest.StashKey[Politeness]()


def politeness(config: pytest.Config) -> Politeness:
    """The run's one Politeness for named servers, its rate shared out among pytest-xdist workers."""
    if _POLITENESS not in config.stash:
        from jobcontract.suites.options import option_value

        workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
        rate = float(option_value(config, "rate_limit") or 0) / max(1, workers)
        budget = int(option_value(config, "request_budget") or 0)
        config.stash[_POLITENESS] = Politeness(rate, -(-budget // max(1, workers)) if budget else 0)
    return config.stash[_POLITENESS]


def target(config: pytest.Config, api: str, server_fixture: str, request: pytest.FixtureRequest) -> Iterator[Target]:
    """The target of `api`'s suite: `--<api>-url` if given, else the embedded mock fixture."""
    from jobcontract.suites.options import option_value

    url = option_value(config, f"{api}_url")
    if url:
        yield Target(api, str(url), session=PoliteSession(politeness(config)))
    else:
        server: MockServer = request.getfixturevalue(server_fixture)
        yield Target(api, server.url, server)


def option_hint(*dests: str) -> str:
    """`--cf-failed-job (or JOBCONTRACT_CF_FAILED_JOB)` for the options named by their dest."""
    from jobcontract.suites.options import option_named

    return " and ".join(option_named(dest).where for dest in dests)


def not_verified(what: str, *options: str) -> NoReturn:
    """Stop a check that lacks what only the provider can supply: the requirement is *not verified* (never
    silently skipped), and the reason names the options (by dest, "cf_failed_job") that would verify it."""
    hint = f"; give {option_hint(*options)} to verify it" if options else ""
    pytest.skip(f"{NOT_VERIFIED}{what}{hint}")


def not_applicable(why: str) -> NoReturn:
    """Stop a check whose requirement does not apply to this server (it does not declare the conformance class
    the requirement belongs to, say). Not a failure and not a gap: the report lists it as not applicable."""
    pytest.skip(f"{NOT_APPLICABLE}{why}")


def summarize(response: requests.Response | schemathesis.Response | None) -> tuple[str, str]:
    """(`METHOD URL`, `STATUS short body`) of an exchange, for a violation's fields."""
    if response is None:
        return "", ""
    request = response.request
    url = getattr(request, "url", None) or getattr(request, "path_url", "")
    content = response.content if isinstance(response.content, bytes) else b""
    return (
        f"{request.method} {url}",
        f"{response.status_code} {shorten(content.decode('utf-8', 'replace'), 200)}".strip(),
    )


class ContractViolation(AssertionError):
    """A response breaks the contract. Its fields say which document and requirement, which operation, and the
    request and answer; the message starts with the document and requirement, for people."""

    def __init__(
        self,
        requirement: str,
        detail: str,
        *,
        operation: str = "",
        response: requests.Response | schemathesis.Response | None = None,
    ) -> None:
        # the longest document name first: one may begin with another
        names = sorted(documents().values(), key=len, reverse=True)
        self.document = next((d for d in names if requirement.startswith(d + " ")), "")
        self.requirement = requirement.removeprefix(self.document).strip()
        self.detail = detail
        self.operation = operation
        self.request, self.response = summarize(response)
        super().__init__(f"{requirement}: {detail}")

    @property
    def fields(self) -> dict[str, str]:
        """What the report and the JUnit properties read."""
        names = ("document", "requirement", "operation", "request", "response", "detail")
        return {name: getattr(self, name) for name in names if getattr(self, name)}


def violation(
    requirement: str,
    message: str,
    *,
    operation: str = "",
    response: requests.Response | schemathesis.Response | None = None,
) -> ContractViolation:
    return ContractViolation(requirement, message, operation=operation, response=response)


def require(
    condition: object,
    requirement: str,
    message: str,
    *,
    operation: str = "",
    response: requests.Response | schemathesis.Response | None = None,
) -> None:
    """Raise the violation of `requirement` unless `condition` holds."""
    if not condition:
        raise violation(requirement, message, operation=operation, response=response)


def _header(response: requests.Response | schemathesis.Response, name: str) -> str | None:
    """A header of a requests response, or of a Schemathesis one (lower-case names, lists of values)."""
    value = response.headers.get(name, response.headers.get(name.lower()))
    return value[0] if isinstance(value, list) else value


def check_response(api: str, operation_id: str, response: requests.Response | schemathesis.Response) -> Any:
    """Check a response (from requests, or `case.call`) against `operation_id`'s contract (status,
    media type, body) and return the decoded body. Every failure names the document and requirement
    it breaks."""
    contract = contracts.load(api)
    where = f"{response.request.method} {response.request.path_url} -> {response.status_code}"

    def broken(requirement: str, detail: str) -> ContractViolation:
        return violation(requirement, f"{where}: {detail}", operation=operation_id, response=response)

    try:
        documented = contract.response(operation_id, response.status_code)
    except contracts.ContractError as error:
        raise broken(f"{contract.document_name} {operation_id}", str(error)) from None
    media_type = (_header(response, "Content-Type") or "").split(";", 1)[0].strip().lower()
    if media_type not in documented.media_types:
        raise broken(
            documented.requirement,
            f"Content-Type {media_type or '(none)'!r} is not documented"
            f" (documented: {', '.join(documented.media_types)})",
        )
    for name, header in documented.spec.get("headers", {}).items():
        if header.get("required") and _header(response, name) is None:
            raise broken(documented.requirement, f"the required header {name} is missing")
    try:
        body = contract.decode(operation_id, response.status_code, media_type, response.content)
    except ValueError as error:
        raise broken(documented.requirement, f"the body does not parse as {media_type}: {error}") from None
    errors = documented.validate(media_type, body)
    if errors:
        lines = [f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]
        raise broken(documented.requirement, "the body breaks the schema:\n" + "\n".join(lines))
    return body


def describe_failures(error: BaseException) -> str:
    """Schemathesis' failures as text: each failure's title and message, never an object's repr."""
    failures = error.exceptions if isinstance(error, FailureGroup) else [error]
    lines = []
    for failure in failures:
        title, message = getattr(failure, "title", ""), getattr(failure, "message", None)
        text = f"{title}: {message}" if title and message else title or str(message if message else failure)
        lines.append(shorten(text, 400))
    return "; ".join(dict.fromkeys(lines))


def call_and_validate(case: schemathesis.Case, api: str, target: Target, **kwargs: Any) -> requests.Response:
    """Schemathesis' call-and-check, with each failure prefixed by the requirement it breaks.
    Headers given here (credentials) count as explicit, so Schemathesis' `ignored_auth` probes
    the operation without them."""
    response = case.call(base_url=target.base_url, session=target.session, **kwargs)
    try:
        case.validate_response(response, headers=kwargs.get("headers"))
    except (FailureGroup, AssertionError) as error:
        contract = contracts.load(api)
        operation_id = case.operation.definition.raw.get("operationId", case.operation.label)
        try:
            requirement = contract.response(operation_id, response.status_code).requirement
        except contracts.ContractError:
            requirement = f"{contract.document_name} {operation_id} (undocumented status {response.status_code})"
        raise violation(requirement, describe_failures(error), operation=operation_id, response=response) from None
    return response


def documented_responses(api: str) -> list[tuple[str, str, str, str]]:
    """(operationId, METHOD, path, status) of every response `api`'s contract documents."""
    contract = contracts.load(api)
    return [
        (operation_id, response.method.upper(), response.path, response.status)
        for operation_id in contract.operation_ids
        for response in contract.responses(operation_id)
    ]


@st.composite
def lifecycle_scripts(draw: st.DrawFn, passing: tuple[str, ...], ends: tuple[str, ...]) -> list[dict[str, Any]]:
    """Job scripts for the control API: each `passing` state, in order, present or not and held for
    1-4 seconds or polls, then one of the `ends` for good."""
    steps: list[dict[str, Any]] = []
    for state in passing:
        if draw(st.booleans()):
            kind = draw(st.sampled_from(["seconds", "polls"]))
            steps.append({"state": state, kind: draw(st.integers(min_value=1, max_value=4))})
    steps.append({"state": draw(st.sampled_from(ends))})
    return steps
