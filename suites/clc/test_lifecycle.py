"""A queued operation's life as its polls show it (CLC API v2 Get Status). Each status id of the caller's
account is polled until it answers `succeeded` or `failed` (real time, bounded), then REPOLLS more times:
every answer is documented, statuses only move forward (notStarted -> executing -> succeeded | failed,
`resumed` at the rank of executing, `unknown` outside the order), and the end is the end
(contracts/clc/NOTES.md: the documents define neither `resumed` nor `unknown`)."""

from __future__ import annotations

import pytest

from jobcontract.suites.clc.provider import POLL_SECONDS, History, end_broken, order_broken
from jobcontract.suites.common import Target, check_response, not_verified, require, violation

GET_STATUS = "CLC API v2 Get Status, Response (Entity Definition)"
ORDER = "CLC API v2 Get Status (notStarted -> executing -> succeeded | failed)"
FINAL = 'CLC API v2 Get Status (called "until a succeeded or failed response is returned")'
SERVER_ERROR = 500  # "through no fault of the user": documented, and no verdict on the status id


@pytest.mark.requirement("CLC API v2", "Get Status, Response (Entity Definition)")
def test_each_status_id_answers_as_documented_over_its_life(clc: Target, histories: list[History]) -> None:
    for history in histories:
        for answer in history.answers:
            check_response("clc", "getStatus", answer)
            require(
                answer.status_code in (200, SERVER_ERROR),
                GET_STATUS,
                f"the caller's status id {history.status_id!r} answered {answer.status_code}",
                response=answer,
            )


@pytest.mark.requirement("CLC API v2", "Get Status (notStarted -> executing -> succeeded | failed)")
def test_statuses_only_move_forward(clc: Target, histories: list[History]) -> None:
    for history in histories:
        statuses = history.statuses
        broken = order_broken(statuses)
        if broken:
            raise violation(
                ORDER,
                f"{history.status_id}: the state went back: {broken[0]} -> {broken[1]}"
                f" (polls: {' -> '.join(statuses)})",
                operation="getStatus",
                response=history.answers[-1],
            )


@pytest.mark.requirement("CLC API v2", 'Get Status (called "until a succeeded or failed response is returned")')
def test_succeeded_and_failed_are_the_end(clc: Target, histories: list[History]) -> None:
    """After the first succeeded or failed answer, the REPOLLS polls that follow (conftest.follow) say the same."""
    ended = [history for history in histories if history.end is not None]
    if not ended:
        not_verified(
            f"no status id ended (succeeded or failed) within {POLL_SECONDS:.0f} s of polling;"
            " name one that has ended or soon will",
            "clc_status_id",
        )
    for history in ended:
        statuses = history.statuses
        broken = end_broken(statuses)
        if broken:
            raise violation(
                FINAL,
                f"{history.status_id}: a terminal state changed: {broken[0]} -> {broken[1]}"
                f" (polls: {' -> '.join(statuses)})",
                operation="getStatus",
                response=history.answers[-1],
            )
