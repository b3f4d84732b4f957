"""The rules a Cloud Foundry job's answers must keep beyond the schemas, each one small function with one reason
to fail (a ContractViolation naming its requirement and the answer that broke it). The suite checks each rule
in its own test over the polls of the jobs it is given; the mock's own tests run them all over scripted lives
(tests/test_cf_mock_checks.py).

The rules, and where the documents say them: the job answered is the job asked for and `links.self` points at
it (#get-a-job, #links); the timestamps are ordered and `updated_at` never goes back (#timestamps); the state
moves PROCESSING -> POLLING -> COMPLETE | FAILED and the last two are final, and a job's operation and
created_at are its own for good (#the-job-object); a COMPLETE job has no errors and a FAILED one has at least
one (contracts/cf/NOTES.md 5)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

from jobcontract import contracts
from jobcontract.suites.common import require, violation

DOC = contracts.load("cf").document_name


def requirement(section: str) -> str:
    return f"{DOC} {section}"


# Each rule's section; a test's `@pytest.mark.requirement(DOC, section)` names the same one.
GET_JOB_SECTION = contracts.load("cf").response("getJob", 200).requirement.removeprefix(f"{DOC} ")
ASKED_SECTION = "Get a job (#get-a-job), the job answered is the job asked for"
MEDIA_TYPE_SECTION = "Get a job (#get-a-job), the media type asked for (application/json)"
LINKS_SECTION = "Links (#links)"
TIMESTAMPS_SECTION = "Timestamps (#timestamps)"
STATE_ORDER_SECTION = "The job object (#the-job-object), state only moves forward"
FINAL_SECTION = "The job object (#the-job-object), COMPLETE and FAILED are final"
FIXED_SECTION = "The job object (#the-job-object), operation and created_at never change"
COMPLETE_SECTION = "The job object (#the-job-object), a COMPLETE job has no errors"
FAILED_SECTION = "Upgrade guide: asynchronous operations (a FAILED job's errors hold its errors)"

GET_JOB = requirement(GET_JOB_SECTION)
ASKED = requirement(ASKED_SECTION)
MEDIA_TYPE = requirement(MEDIA_TYPE_SECTION)
LINKS = requirement(LINKS_SECTION)
TIMESTAMPS = requirement(TIMESTAMPS_SECTION)
STATE_ORDER = requirement(STATE_ORDER_SECTION)
FINAL = requirement(FINAL_SECTION)
FIXED = requirement(FIXED_SECTION)
COMPLETE_HAS_NO_ERRORS = requirement(COMPLETE_SECTION)
FAILED_HAS_ERRORS = requirement(FAILED_SECTION)

TERMINAL = frozenset({"COMPLETE", "FAILED"})
RANK = {"PROCESSING": 0, "POLLING": 1, "COMPLETE": 2, "FAILED": 2}
RE_POLLS = 3  # answers after the first terminal one that must show the same state
OPERATION = "getJob"


@dataclass
class Poll:
    """One answer to `GET /v3/jobs/{guid}`: its status, and its body when that is a JSON object."""

    response: requests.Response
    body: dict[str, Any] | None

    @classmethod
    def of(cls, response: requests.Response) -> Poll:
        try:
            body = response.json()
        except ValueError:
            body = None
        return cls(response, body if isinstance(body, dict) else None)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def state(self) -> str | None:
        state = self.body.get("state") if self.body is not None else None
        return state if isinstance(state, str) else None


@dataclass
class History:
    """The answers to the polls of one job, in order."""

    guid: str
    polls: list[Poll] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """The server knew the job when first asked (a given guid that is unknown is the user's to fix)."""
        return bool(self.polls) and self.polls[0].status != 404

    @property
    def jobs(self) -> list[Poll]:
        """The answers that show the job: 200 with a JSON object."""
        return [p for p in self.polls if p.status == 200 and p.body is not None]

    @property
    def settled(self) -> bool:
        """No more polls are needed: the job is not known to be over, or its end was re-polled RE_POLLS times."""
        states = [p.state for p in self.jobs]
        first_end = next((i for i, state in enumerate(states) if state in TERMINAL), None)
        return first_end is None or len(states) - first_end - 1 >= RE_POLLS


def member(poll: Poll, name: str) -> Any:
    """A member of a job body; its absence is the schema's failure (named so), not the rule's."""
    assert poll.body is not None
    if name not in poll.body:
        raise violation(GET_JOB, f"the job has no {name!r}", operation=OPERATION, response=poll.response)
    return poll.body[name]


def moment(poll: Poll, name: str) -> datetime:
    value = member(poll, name)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise violation(TIMESTAMPS, f"{name} {value!r} is not a timestamp", response=poll.response) from None


def check_job_asked_for(guid: str, polls: Sequence[Poll]) -> None:
    for poll in polls:
        answered = member(poll, "guid")
        require(
            answered == guid,
            ASKED,
            f"GET /v3/jobs/{guid} answered the job {answered!r}",
            operation=OPERATION,
            response=poll.response,
        )


def check_self_link(guid: str, polls: Sequence[Poll]) -> None:
    """links.self is the job asked for (an absolute URL, as Cloud Controller sends; only its path is compared)."""
    for poll in polls:
        links = member(poll, "links")
        href = links.get("self", {}).get("href") if isinstance(links, dict) else None
        if not isinstance(href, str):
            raise violation(GET_JOB, "the job has no links.self.href", operation=OPERATION, response=poll.response)
        path = unquote(urlsplit(href).path)
        require(
            path.endswith(f"/v3/jobs/{guid}"),
            LINKS,
            f"links.self {href!r} is not the job {guid!r}",
            operation=OPERATION,
            response=poll.response,
        )


def check_timestamps(polls: Sequence[Poll]) -> None:
    """created_at <= updated_at in every answer, and updated_at never goes back from one answer to the next."""
    for poll in polls:
        created, updated = moment(poll, "created_at"), moment(poll, "updated_at")
        require(
            created <= updated,
            TIMESTAMPS,
            f"created_at {member(poll, 'created_at')} is after updated_at {member(poll, 'updated_at')}",
            operation=OPERATION,
            response=poll.response,
        )
    for before, after in itertools.pairwise(polls):
        require(
            moment(after, "updated_at") >= moment(before, "updated_at"),
            TIMESTAMPS,
            f"updated_at went back from {member(before, 'updated_at')} to {member(after, 'updated_at')}"
            f" ({before.state} -> {after.state})",
            operation=OPERATION,
            response=after.response,
        )


def check_states_move_forward(polls: Sequence[Poll]) -> None:
    """PROCESSING -> POLLING -> COMPLETE | FAILED, never back (what follows an end is FINAL's to judge)."""
    known = [p for p in polls if p.state in RANK]
    for before, after in itertools.pairwise(known):
        if before.state in TERMINAL:
            continue
        assert before.state is not None and after.state is not None
        require(
            RANK[after.state] >= RANK[before.state],
            STATE_ORDER,
            f"the state went back: {before.state} -> {after.state}",
            operation=OPERATION,
            response=after.response,
        )


def check_end_is_final(polls: Sequence[Poll]) -> None:
    """Once COMPLETE or FAILED, every later answer shows the same state."""
    states = [p.state for p in polls]
    first_end = next((i for i, state in enumerate(states) if state in TERMINAL), None)
    if first_end is None:
        return
    end = states[first_end]
    for count, poll in enumerate(polls[first_end + 1 :], start=1):
        require(
            poll.state == end,
            FINAL,
            f"the job was {end}, then {poll.state} on re-poll {count} of {len(polls) - first_end - 1}",
            operation=OPERATION,
            response=poll.response,
        )


def check_fixed_members(polls: Sequence[Poll]) -> None:
    for before, after in itertools.pairwise(polls):
        for name in ("operation", "created_at"):
            was, now = member(before, name), member(after, name)
            require(
                was == now,
                FIXED,
                f"{name} changed between polls from {was!r} to {now!r}",
                operation=OPERATION,
                response=after.response,
            )


def check_complete_has_no_errors(polls: Sequence[Poll]) -> None:
    for poll in polls:
        if poll.state == "COMPLETE":
            errors = member(poll, "errors")
            require(
                not errors,
                COMPLETE_HAS_NO_ERRORS,
                f"a COMPLETE job has errors {errors} (Cloud Controller empties them)",
                operation=OPERATION,
                response=poll.response,
            )


def check_failed_has_errors(polls: Sequence[Poll]) -> None:
    for poll in polls:
        if poll.state == "FAILED":
            require(
                member(poll, "errors"),
                FAILED_HAS_ERRORS,
                "a FAILED job has no errors (cloud_controller_ng#1959; clients panic on it, cli#2088)",
                operation=OPERATION,
                response=poll.response,
            )


def check_every_rule(guid: str, polls: Sequence[Poll]) -> None:
    """All the rules over the answers of one job (the mock's own tests use it)."""
    check_job_asked_for(guid, polls)
    check_self_link(guid, polls)
    check_timestamps(polls)
    check_states_move_forward(polls)
    check_end_is_final(polls)
    check_fixed_members(polls)
    check_complete_has_no_errors(polls)
    check_failed_has_errors(polls)
