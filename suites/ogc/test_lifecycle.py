"""A job's life as its polls show it, on any server: the suite executes --ogc-process asynchronously,
polls the job in real time to its first terminal answer (within a bounded budget; the embedded mock's clock
is moved instead of waited for), then polls it REPOLLS more times. The failing job of
--ogc-failing-process lives the same rules when it is given. Each rule is its own test (suites/ogc/rules.py)."""

from __future__ import annotations

import pytest

from jobcontract.suites.common import require
from jobcontract.suites.ogc import rules
from jobcontract.suites.ogc.jobs import REPOLLS, History

FAILED = "OGC 18-062r2 statusCode.yaml (failed)"
END_OPTIONS = ("ogc_process", "ogc_inputs")


@pytest.mark.requirement("OGC 18-062r2", "/req/core/job-success")
def test_every_poll_answers_as_documented(histories: list[History]) -> None:
    for history in histories:
        rules.check_documented(history.polls)


@pytest.mark.requirement("OGC 18-062r2", "/req/core/job-success")
def test_every_poll_answers_the_job_asked_for(histories: list[History]) -> None:
    for history in histories:
        rules.check_job_answered(history.polls, history.job_id)


@pytest.mark.requirement("OGC 18-062r2", "statusCode.yaml (states only move forward)")
def test_states_only_move_forward(histories: list[History]) -> None:
    for history in histories:
        rules.check_states_move_forward(history.until_end)


@pytest.mark.requirement("OGC 18-062r2", "statusCode.yaml (a terminal state is final)")
def test_a_terminal_state_is_final(histories: list[History]) -> None:
    """Polled REPOLLS more times after its first terminal answer, the job shows that state every time."""
    for history in histories:
        history.require_end(*END_OPTIONS)
        assert len(history.polls) - history.end >= REPOLLS + 1  # type: ignore[operator]
        rules.check_terminal_is_final(history.polls)


@pytest.mark.requirement("OGC 18-062r2", "/rec/core/job-status")
def test_created_started_finished_are_in_order(histories: list[History]) -> None:
    for history in histories:
        rules.check_times_in_order(history.polls)


@pytest.mark.requirement("OGC 18-062r2", "/rec/core/job-status")
def test_created_started_finished_never_change(histories: list[History]) -> None:
    for history in histories:
        rules.check_times_never_change(history.polls)


@pytest.mark.requirement("OGC 18-062r2", "/rec/core/job-status")
def test_updated_never_goes_back(histories: list[History]) -> None:
    for history in histories:
        rules.check_updated_never_goes_back(history.polls)


@pytest.mark.requirement("OGC 18-062r2", "/rec/core/job-status")
def test_progress_never_decreases(histories: list[History]) -> None:
    for history in histories:
        rules.check_progress_never_decreases(history.polls)


@pytest.mark.requirement("OGC 18-062r2", "/rec/core/job-status")
def test_an_ended_job_says_when_it_finished(histories: list[History]) -> None:
    for history in histories:
        history.require_end(*END_OPTIONS)
        rules.check_finished_when_ended(history.polls)


@pytest.mark.requirement("OGC 18-062r2", "/rec/core/job-status")
def test_the_process_id_is_the_process_executed(histories: list[History]) -> None:
    for history in histories:
        rules.check_process_id(history.polls, history.execution.process)


@pytest.mark.requirement("OGC 18-062r2", "clause 5 link relation self")
def test_the_self_link_points_at_the_job(histories: list[History]) -> None:
    for history in histories:
        rules.check_self_link(history.polls, history.job_id)


@pytest.mark.requirement("OGC 18-062r2", "link.yaml")
def test_links_are_well_formed(histories: list[History]) -> None:
    for history in histories:
        rules.check_links_well_formed(history.polls)


@pytest.mark.requirement("OGC 18-062r2", "statusCode.yaml (failed)")
def test_a_failing_job_ends_failed(failing_job: History) -> None:
    """The job of --ogc-failing-process ends in status failed (its other rules are checked above)."""
    end = failing_job.require_end("ogc_failing_process", "ogc_failing_inputs")
    require(
        end.status == "failed",
        FAILED,
        f"{failing_job.label} ended {end.status}, not failed"
        " (if the process can succeed, name one that fails with --ogc-failing-process and --ogc-failing-inputs)",
        operation="getStatus",
        response=end.response,
    )
