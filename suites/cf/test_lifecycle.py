"""A job's life as its polls show it, over the jobs the provider names (`--cf-job`, `--cf-failed-job`;
on the embedded mock, jobs provisioned through its control API): every job is polled a few times (in
real time on a real server), and each job seen COMPLETE or FAILED is re-polled at least three more
times. Each test reads those answers for one rule (suites/cf/rules.py); an answer that is not a 200
job is the Get a job check's failure, not these."""

from __future__ import annotations

import pytest

from jobcontract.suites.cf import rules
from jobcontract.suites.cf.provider import JOB_OPTIONS, Lives
from jobcontract.suites.common import not_verified


@pytest.mark.requirement("CF v3 API docs", "Get a job (#get-a-job), the job answered is the job asked for")
def test_the_job_answered_is_the_job_asked_for(lives: Lives) -> None:
    for history in lives.answered():
        rules.check_job_asked_for(history.guid, history.jobs)


@pytest.mark.requirement("CF v3 API docs", "Links (#links)")
def test_links_self_is_the_job(lives: Lives) -> None:
    for history in lives.answered():
        rules.check_self_link(history.guid, history.jobs)


@pytest.mark.requirement("CF v3 API docs", "Timestamps (#timestamps)")
def test_timestamps_are_in_order_and_updated_at_never_goes_back(lives: Lives) -> None:
    for history in lives.answered():
        rules.check_timestamps(history.jobs)


@pytest.mark.requirement("CF v3 API docs", "The job object (#the-job-object), state only moves forward")
def test_the_state_only_moves_forward(lives: Lives) -> None:
    for history in lives.answered():
        rules.check_states_move_forward(history.jobs)


@pytest.mark.requirement("CF v3 API docs", "The job object (#the-job-object), COMPLETE and FAILED are final")
def test_complete_and_failed_are_final(lives: Lives) -> None:
    """The end is the end: after the first COMPLETE or FAILED answer, RE_POLLS more answers show the same."""
    ended = [h for h in lives.answered() if any(p.state in rules.TERMINAL for p in h.jobs)]
    if not ended:
        not_verified("no given job was COMPLETE or FAILED while it was polled", *JOB_OPTIONS)
    for history in ended:
        rules.check_end_is_final(history.jobs)


@pytest.mark.requirement("CF v3 API docs", "The job object (#the-job-object), operation and created_at never change")
def test_operation_and_created_at_never_change(lives: Lives) -> None:
    for history in lives.answered():
        rules.check_fixed_members(history.jobs)


@pytest.mark.requirement("CF v3 API docs", "The job object (#the-job-object), a COMPLETE job has no errors")
def test_a_complete_job_has_no_errors(lives: Lives) -> None:
    complete = [h for h in lives.answered() if any(p.state == "COMPLETE" for p in h.jobs)]
    if not complete:
        not_verified("no given job was COMPLETE while it was polled", "cf_job")
    for history in complete:
        rules.check_complete_has_no_errors(history.jobs)


@pytest.mark.requirement(
    "CF v3 API docs", "Upgrade guide: asynchronous operations (a FAILED job's errors hold its errors)"
)
def test_a_failed_job_has_errors(lives: Lives) -> None:
    if not lives.given.all:
        not_verified("needs a job in state FAILED (a suite never creates one)", "cf_failed_job")
    failed = [h for h in lives.answered() if any(p.state == "FAILED" for p in h.jobs)]
    if not failed:
        given = lives.given.failed_job
        shown = lives.histories[given].polls[0].state if given and lives.histories[given].polls else None
        what = f" (the job given as FAILED, {given}, was {shown})" if given else ""
        not_verified(f"no given job was FAILED while it was polled{what}", "cf_failed_job")
    for history in failed:
        rules.check_failed_has_errors(history.jobs)
