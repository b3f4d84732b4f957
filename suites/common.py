"""What every contract suite shares: the target under test, and checks that name the document and
requirement a failure breaks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup

import contracts
from mocks import MockApp, MockServer
from suites.report import remember_exchange

log = logging.getLogger("jobcontract.suites")


@dataclass
class Target:
    """The server a suite checks: a real one named by `--<api>-url`, or the embedded mock."""

    api: str
    base_url: str
    server: MockServer | None = None
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        # the conformance report shows the request a failing test made last
        self.session.hooks["response"].append(remember_exchange)

    @property
    def embedded(self) -> bool:
        return self.server is not None

    @property
    def control(self) -> MockApp:
        """The mock's control API; skips the test against a real server, which has none."""
        if self.server is None:
            pytest.skip(
                f"needs the mock's control API (scripted jobs, clock, faults); {self.api} is checked"
                f" against the real server {self.base_url}"
            )
        return self.server.app

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        response = self.session.request(method, self.url(path), **kwargs)
        if log.isEnabledFor(logging.DEBUG):  # every request a suite makes (secrets redacted by suites/report.py)
            headers = dict(response.request.headers)
            log.debug("%s %s headers=%s -> %s", method, response.url, headers, response.status_code)
        return response


def target(config: pytest.Config, api: str, server_fixture: str, request: pytest.FixtureRequest) -> Iterator[Target]:
    """The target of `api`'s suite: `--<api>-url` if given, else the embedded mock fixture."""
    from conftest import option_value

    url = option_value(config, f"{api}_url")
    if url:
        yield Target(api, str(url))
    else:
        server: MockServer = request.getfixturevalue(server_fixture)
        yield Target(api, server.url, server)


class ContractViolation(AssertionError):
    """A response breaks the contract; the message starts with the document and requirement."""


def violation(requirement: str, message: str) -> ContractViolation:
    return ContractViolation(f"{requirement}: {message}")


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
    try:
        documented = contract.response(operation_id, response.status_code)
    except contracts.ContractError as error:
        raise violation(f"{contract.document_name} {operation_id}", f"{where}: {error}") from None
    media_type = (_header(response, "Content-Type") or "").split(";", 1)[0].strip().lower()
    if media_type not in documented.media_types:
        raise violation(
            documented.requirement,
            f"{where}: Content-Type {media_type or '(none)'!r} is not documented"
            f" (documented: {', '.join(documented.media_types)})",
        )
    for name, header in documented.spec.get("headers", {}).items():
        if header.get("required") and _header(response, name) is None:
            raise violation(documented.requirement, f"{where}: the required header {name} is missing")
    try:
        body = contract.decode(operation_id, response.status_code, media_type, response.content)
    except ValueError as error:
        raise violation(documented.requirement, f"{where}: the body does not parse as {media_type}: {error}") from None
    errors = documented.validate(media_type, body)
    if errors:
        lines = [f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]
        raise violation(documented.requirement, f"{where}: the body breaks the schema:\n" + "\n".join(lines))
    return body


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
        raise violation(requirement, str(error)) from None
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
