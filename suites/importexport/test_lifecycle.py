"""A job's life as GetStatus shows it (Developer Guide, "Job and Device Status Codes"), on the jobs of a
provider's account: the device location and the job progress only move forward through the documented
codes, a final progress code stays on every later poll, a canceled or expired job answers so (or with its
own "no longer valid" error) and stays so, and what CreateJob fixed (JobId, JobType, CreationDate) never
changes. ListJobs (read-only) pages through the account's jobs newest first and agrees with GetStatus.

The whole life of a job created for the test (days of the mock's clock) is a mock check
(tests/test_importexport_mock_checks.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from jobcontract.suites.common import not_verified, violation
from jobcontract.suites.importexport.provider import ImportExportTarget
from jobcontract.suites.importexport.rules import (
    CANCEL,
    DOCUMENT,
    LIFECYCLE,
    NO_LONGER_VALID,
    REPOLLS,
    check_lifecycle,
    decode,
    follow,
)

LIST_JOBS = f"{DOCUMENT} ListJobs (model: jobs in reverse chronological order; Marker, MaxJobs)"


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "Developer Guide, Job and Device Status Codes (Status.html)"
)
def test_existing_jobs_move_only_forward(importexport: ImportExportTarget, existing_jobs: list[str]) -> None:
    """Consecutive polls of each job keep every rule between answers (rules.check_lifecycle)."""
    for job_id in existing_jobs:
        check_lifecycle(follow(importexport, job_id), job_id)


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "Developer Guide, Job and Device Status Codes (Status.html)"
)
def test_a_final_answer_stays_final(importexport: ImportExportTarget, existing_jobs: list[str]) -> None:
    """The end is the end: after a job's first final answer (Complete, SuccessWithErrors, an abort code,
    Canceled, Expired, or a "no longer valid" error), each of REPOLLS more polls answers the same final code
    (a canceled or expired job may turn into its own error)."""
    ended = 0
    for job_id in existing_jobs:
        answers = follow(importexport, job_id)
        first = next((index for index, answer in enumerate(answers) if answer.final), None)
        if first is None:
            continue
        ended += 1
        end = answers[first]
        for later in answers[first + 1 :]:
            same = later.ok == end.ok and (
                later.body.get("ProgressCode") == end.body.get("ProgressCode") if end.ok else later.code == end.code
            )
            turned = end.ok and not later.ok and later.code == NO_LONGER_VALID.get(end.body.get("ProgressCode", ""))
            if not (same or turned):
                raise violation(
                    LIFECYCLE,
                    f"a final code changed on a later poll: {end.state} -> {later.state} (job {job_id})",
                    operation="GetStatus",
                    response=later.response,
                )
        assert len(answers) - 1 - first >= REPOLLS, "follow() polls REPOLLS times after the first final answer"
    if not ended:
        not_verified(f"none of the jobs {', '.join(existing_jobs)} answered a final ProgressCode", "importexport_job")


def check_stays(importexport: ImportExportTarget, job_id: str, progress: str, requirement: str, what: str) -> None:
    """Every poll of a canceled or expired job answers that ProgressCode or its own error, and keeps the rules."""
    answers = follow(importexport, job_id)
    code = NO_LONGER_VALID[progress]
    for answer in answers:
        if (answer.ok and answer.body.get("ProgressCode") != progress) or (not answer.ok and answer.code != code):
            raise violation(
                requirement,
                f"the {what} job {job_id} answered {answer.status} {answer.state}, not {code} nor ProgressCode"
                f" {progress}",
                operation="GetStatus",
                response=answer.response,
            )
    check_lifecycle(answers, job_id)


@pytest.mark.requirement("AWS Import/Export API 2010-06-01", "CancelJob (Developer Guide, CancelingAJob.html)")
def test_a_canceled_job_stays_canceled(importexport: ImportExportTarget, canceled_job: str) -> None:
    """A job canceled with CancelJob answers Canceled (aws-sdk-js' feature test: right after CancelJob), or
    later CanceledJobIdException ("no longer valid"), on every poll."""
    check_stays(importexport, canceled_job, "Canceled", CANCEL, "canceled")


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "Developer Guide, Job and Device Status Codes (Status.html)"
)
def test_an_expired_job_stays_expired(importexport: ImportExportTarget, expired_job: str) -> None:
    """An expired job answers Expired, or later ExpiredJobIdException ("expired out of the system"), on every poll."""
    check_stays(importexport, expired_job, "Expired", LIFECYCLE, "expired")


def list_all(importexport: ImportExportTarget, max_jobs: int, pages: int = 50) -> list[list[dict[str, Any]]]:
    """ListJobs page by page, following Marker (the last JobId of a page) while IsTruncated."""
    client, found, marker = importexport.client(), [], None
    for _ in range(pages):
        answer = client.list_jobs(MaxJobs=max_jobs, **({"Marker": marker} if marker else {}))
        jobs = answer.get("Jobs", [])
        if len(jobs) > max_jobs:
            raise violation(LIST_JOBS, f"MaxJobs={max_jobs} answered {len(jobs)} jobs", operation="ListJobs")
        found.append(jobs)
        if not answer["IsTruncated"]:
            break
        if not jobs:
            raise violation(LIST_JOBS, "an empty page says IsTruncated", operation="ListJobs")
        marker = jobs[-1]["JobId"]
    return found


def check_pages(pages: list[list[dict[str, Any]]]) -> list[str]:
    """No job listed twice, and the jobs newest first; returns their ids in order."""
    jobs = [job for page in pages for job in page]
    job_ids = [job["JobId"] for job in jobs]
    if len(job_ids) != len(set(job_ids)):
        raise violation(LIST_JOBS, f"a job is listed twice: {job_ids}", operation="ListJobs")
    dates: list[datetime] = [job["CreationDate"] for job in jobs]
    if dates != sorted(dates, reverse=True):
        raise violation(LIST_JOBS, f"the jobs are not newest first: {job_ids}", operation="ListJobs")
    return job_ids


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "ListJobs (model: jobs in reverse chronological order; Marker, MaxJobs)"
)
def test_list_jobs_is_consistent(importexport: ImportExportTarget) -> None:
    """Read-only: the first pages of one job each, newest first, the same jobs as boto3's paginator lists."""
    if importexport.embedded:  # an account with a few jobs
        for _ in range(3):
            importexport.create_job()
            importexport.backend.advance(1)
    pages = list_all(importexport, max_jobs=1, pages=5)
    listed = check_pages(pages)
    paginator = importexport.client().get_paginator("list_jobs")
    paginated = paginator.paginate(PaginationConfig={"PageSize": 1, "MaxItems": len(listed)})
    by_paginator = [job["JobId"] for page in paginated for job in page["Jobs"]]
    if by_paginator != listed:
        raise violation(
            LIST_JOBS, f"Marker paging listed {listed}, boto3's paginator {by_paginator}", operation="ListJobs"
        )
    if importexport.embedded and len(listed) != 3:
        raise violation(LIST_JOBS, f"an account of 3 jobs listed {listed}", operation="ListJobs")


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "ListJobs (model: jobs in reverse chronological order; Marker, MaxJobs)"
)
def test_list_jobs_agrees_with_get_status(importexport: ImportExportTarget, existing_jobs: list[str]) -> None:
    """Each listed job is the job GetStatus shows: the same JobType and CreationDate, and IsCanceled exactly
    when GetStatus says Canceled (or CanceledJobIdException)."""
    if importexport.embedded:  # and a canceled one
        canceled = importexport.create_job()
        importexport.client().cancel_job(JobId=canceled)
    listed = importexport.listed_jobs()
    if not listed:
        not_verified(f"ListJobs lists no job of the account at {importexport.base_url}", "importexport_job")
    for job in listed:
        job_id = str(job["JobId"])
        answer = decode(importexport.get_status(job_id))
        if answer.ok:
            created = datetime.fromisoformat(str(answer.body.get("CreationDate")))
            canceled_now = answer.body.get("ProgressCode") == "Canceled"
            pairs = {
                "JobType": (job.get("JobType"), answer.body.get("JobType")),
                "CreationDate": (job.get("CreationDate"), created),
                "IsCanceled": (job.get("IsCanceled"), canceled_now),
            }
        else:
            pairs = {"IsCanceled": (job.get("IsCanceled"), answer.code == "CanceledJobIdException")}
            if answer.code not in NO_LONGER_VALID.values():
                pairs["listed"] = (True, False)  # a listed job that GetStatus does not know
        for member, (in_list, in_status) in pairs.items():
            if in_list != in_status:
                raise violation(
                    LIST_JOBS,
                    f"ListJobs says {member}={in_list!r} of job {job_id}; GetStatus answered {answer.status}"
                    f" {answer.state} ({member} {in_status!r})",
                    operation="ListJobs",
                    response=answer.response,
                )
