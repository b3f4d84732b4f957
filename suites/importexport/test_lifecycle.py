"""A job's life as GetStatus shows it (Developer Guide, "Job and Device Status Codes"): the device
location and the job progress only move forward through the documented codes, a final progress code
stays, a canceled or expired job may later answer only its own "no longer valid" error, and what
CreateJob fixed (JobId, JobType, CreationDate) never changes. ListJobs pages through the jobs
newest first. On the mock the clock is advanced between polls: no test waits."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contracts
from suites.importexport.conftest import IMPORT_MANIFEST, ImportExportTarget, read_status

CONTRACT = contracts.load("importexport")
ERRORS = CONTRACT.response("GetStatus", 400).requirement
LIFECYCLE = f"{CONTRACT.document_name} Developer Guide, Job and Device Status Codes (Status.html)"
LIST_JOBS = f"{CONTRACT.document_name} ListJobs (model: jobs in reverse chronological order; Marker, MaxJobs)"
CANCEL = f"{CONTRACT.document_name} CancelJob (Developer Guide, CancelingAJob.html)"

LOCATION_RANK = {"NotReceived": 0, "AtAWS": 1, "Returned": 2}
# Pending, then running (InProgress; the model's example says Started), then one final code.
RUNNING_RANK = {"Pending": 0, "Started": 1, "InProgress": 1}
FINAL_CODES = frozenset(
    {
        "Complete",
        "Success",  # the model's and the Developer Guide intro's name for Complete
        "SuccessWithErrors",
        "DeviceError",
        "InvalidSignature",
        "MissingDevice",
        "MissingSignature",
        "UnsupportedDeviceType",
        "UnsupportedFileFormat",
        "UnsupportedPowerSupply",
        "Canceled",
        "Expired",
    }
)
NO_LONGER_VALID = {"Canceled": "CanceledJobIdException", "Expired": "ExpiredJobIdException"}
FIXED_MEMBERS = ("JobId", "JobType", "CreationDate")


def _rank(body: dict[str, Any]) -> tuple[int, int]:
    return LOCATION_RANK[body["LocationCode"]], RUNNING_RANK.get(body["ProgressCode"], 2)


def _state(body: dict[str, Any]) -> str:
    return f"{body['LocationCode']}/{body['ProgressCode']}"


def check_answer(body: dict[str, Any]) -> None:
    """What one GetStatus body must say, beyond its schema."""
    location, progress = body["LocationCode"], body["ProgressCode"]
    assert location in LOCATION_RANK, f"{LIFECYCLE}: LocationCode {location!r} is not a documented code"
    assert progress in RUNNING_RANK or progress in FINAL_CODES, (
        f"{LIFECYCLE}: ProgressCode {progress!r} is not a documented code"
    )
    if progress == "InProgress":
        assert location == "AtAWS", f"{LIFECYCLE}: the data is being loaded from a device that is {location}"
    if location == "Returned":
        assert progress in FINAL_CODES, f"{LIFECYCLE}: the device was returned while the job is {progress}"
    if progress == "SuccessWithErrors":
        assert body["ErrorCount"] >= 1, f"{LIFECYCLE}: SuccessWithErrors with ErrorCount {body['ErrorCount']}"


def check_lifecycle(answers: list[tuple[int, dict[str, Any]]]) -> None:
    """Every property of a sequence of GetStatus answers (HTTP status, body) about one job."""
    for status, body in answers:
        if status == 200:
            check_answer(body)
    for (before_status, before), (after_status, after) in itertools.pairwise(answers):
        if before_status == 200 and after_status == 200:
            moved = f"{_state(before)} -> {_state(after)}"
            location_went_back = LOCATION_RANK[after["LocationCode"]] < LOCATION_RANK[before["LocationCode"]]
            assert not location_went_back, f"{LIFECYCLE}: the device location went back: {moved}"
            assert _rank(after)[1] >= _rank(before)[1], f"{LIFECYCLE}: the job progress went back: {moved}"
            if before["ProgressCode"] in FINAL_CODES:
                assert after["ProgressCode"] == before["ProgressCode"], f"{LIFECYCLE}: a final code changed: {moved}"
            for member in FIXED_MEMBERS:
                assert after.get(member) == before.get(member), f"{LIFECYCLE}: {member} changed between polls"
        elif before_status == 200:
            code, progress = after["Error"]["Code"], before["ProgressCode"]
            allowed = [NO_LONGER_VALID[progress]] if progress in NO_LONGER_VALID else list(NO_LONGER_VALID.values())
            assert progress not in FINAL_CODES - NO_LONGER_VALID.keys() and code in allowed, (
                f"{ERRORS}: a job that was {_state(before)} then answered {after_status} {code}"
            )
        elif after_status == 200:
            raise AssertionError(f"{ERRORS}: a job that answered {before['Error']['Code']} is back as {_state(after)}")
        else:
            assert after["Error"]["Code"] == before["Error"]["Code"], (
                f"{ERRORS}: a job answered {before['Error']['Code']}, then {after['Error']['Code']}"
            )


def poll(importexport: ImportExportTarget, job_id: str) -> tuple[int, dict[str, Any]]:
    status, body = read_status(importexport, job_id)
    if status != 200:
        assert body["Error"]["Code"] in NO_LONGER_VALID.values(), (
            f"{ERRORS}: a job that exists answered {status} {body['Error']['Code']}"
        )
    return status, body


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "Developer Guide, Job and Device Status Codes (Status.html)"
)
@pytest.mark.control
def test_a_created_job_lives_the_documented_life(importexport: ImportExportTarget) -> None:
    job_id = importexport.create_job()
    answers = [poll(importexport, job_id)]
    for _ in range(24):  # six simulated days, four hours apart
        importexport.backend.advance(4 * 3600)
        answers.append(poll(importexport, job_id))
    check_lifecycle(answers)
    seen = list(dict.fromkeys(_state(body) for _, body in answers))
    assert seen[0] == "NotReceived/Pending" and seen[-1] == "Returned/Complete", f"{LIFECYCLE}: {seen}"
    assert "AtAWS/InProgress" in seen, f"{LIFECYCLE}: the data was never loaded: {seen}"


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "Developer Guide, Job and Device Status Codes (Status.html)"
)
def test_existing_jobs_poll_consistently(importexport: ImportExportTarget, existing_jobs: list[str]) -> None:
    """Read-only, so it runs against a real endpoint too: consecutive polls agree with the rules."""
    for job_id in existing_jobs:
        check_lifecycle([poll(importexport, job_id) for _ in range(3)])


@st.composite
def scripts(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A realistic life: the device arrives (or the job expires), the data loads, the job ends in one
    of the documented final codes, and the device may come back."""

    def lasting(state: str) -> dict[str, Any]:
        if draw(st.booleans()):
            return {"state": state, "seconds": draw(st.sampled_from([60, 3600, 86400]))}
        return {"state": state, "polls": draw(st.integers(min_value=1, max_value=3))}

    if not draw(st.booleans()):
        return [lasting("NotReceived/Pending"), {"state": "NotReceived/Expired"}]
    outcome = draw(st.sampled_from(sorted(FINAL_CODES - {"Success", "Canceled", "Expired"})))
    steps = [lasting("NotReceived/Pending"), lasting("AtAWS/Pending")]
    if outcome in ("Complete", "SuccessWithErrors"):
        steps.append(lasting("AtAWS/InProgress"))
    if draw(st.booleans()):
        steps.append(lasting(f"AtAWS/{outcome}"))
        steps.append({"state": f"Returned/{outcome}"})
    else:
        steps.append({"state": f"AtAWS/{outcome}"})
    return steps


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "Developer Guide, Job and Device Status Codes (Status.html)"
)
@pytest.mark.control
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    script=scripts(),
    advances=st.lists(st.sampled_from([0, 60, 3600, 86400, 40 * 86400]), min_size=1, max_size=8),
    cancel_at=st.one_of(st.none(), st.integers(min_value=0, max_value=7)),
)
def test_any_scripted_life_keeps_the_rules(
    importexport: ImportExportTarget, script: list[dict[str, Any]], advances: list[float], cancel_at: int | None
) -> None:
    backend = importexport.backend
    job = backend.create_job("Import", IMPORT_MANIFEST, script=script)
    client = importexport.client()
    answers = []
    for index, seconds in enumerate(advances):
        if index == cancel_at:
            try:
                client.cancel_job(JobId=job.job_id)
            except ClientError as error:  # a finished, canceled or expired job cannot be canceled
                assert error.response["Error"]["Code"] in (
                    "UnableToCancelJobIdException",
                    "CanceledJobIdException",
                    "ExpiredJobIdException",
                ), f"{CANCEL}: {error}"
        backend.advance(seconds)
        answers.append(poll(importexport, job.job_id))
    check_lifecycle(answers)
    scripted = {step["state"] for step in script}
    seen = {_state(body) for status, body in answers if status == 200}
    strays = {state for state in seen - scripted if not state.endswith("/Canceled")}
    assert not strays, f"{LIFECYCLE}: states {sorted(strays)} are not in the script {[s['state'] for s in script]}"


@pytest.mark.requirement("AWS Import/Export API 2010-06-01", "CancelJob (Developer Guide, CancelingAJob.html)")
@pytest.mark.control
def test_a_canceled_job_answers_canceled_then_is_no_longer_valid(importexport: ImportExportTarget) -> None:
    job_id = importexport.create_job()
    client = importexport.client()
    assert client.cancel_job(JobId=job_id)["Success"] is True, f"{CANCEL}: CancelJob of a pending job failed"
    retention = importexport.backend.retention_seconds
    answers = [poll(importexport, job_id)]
    importexport.backend.advance(retention - 1)
    answers.append(poll(importexport, job_id))
    importexport.backend.advance(1)
    answers.append(poll(importexport, job_id))
    assert answers[0][0] == 200 and answers[0][1]["ProgressCode"] == "Canceled", (
        f"{CANCEL}: after CancelJob the job is {_state(answers[0][1])}"
    )
    check_lifecycle(answers)
    assert answers[1][0] == 200, f"{ERRORS}: a job canceled {retention - 1} s ago answered {answers[1][1]}"
    assert answers[2][0] == 400 and answers[2][1]["Error"]["Code"] == "CanceledJobIdException", (
        f"{ERRORS}: a job canceled {retention} s ago (the mock's retention) answered {answers[2][1]}"
    )


@pytest.mark.requirement("AWS Import/Export API 2010-06-01", "CancelJob (Developer Guide, CancelingAJob.html)")
@pytest.mark.control
def test_a_finished_job_cannot_be_canceled(importexport: ImportExportTarget) -> None:
    job_id = importexport.create_job()
    importexport.backend.advance(30 * 86400)
    with pytest.raises(ClientError) as raised:
        importexport.client().cancel_job(JobId=job_id)
    assert raised.value.response["Error"]["Code"] == "UnableToCancelJobIdException", f"{CANCEL}: {raised.value}"
    status, body = poll(importexport, job_id)
    assert (status, body["ProgressCode"]) == (200, "Complete"), f"{CANCEL}: a refused CancelJob changed the job"


def list_all(importexport: ImportExportTarget, max_jobs: int, pages: int = 50) -> list[list[dict[str, Any]]]:
    """ListJobs page by page, following Marker (the last JobId of a page) while IsTruncated."""
    client, found, marker = importexport.client(), [], None
    for _ in range(pages):
        answer = client.list_jobs(MaxJobs=max_jobs, **({"Marker": marker} if marker else {}))
        jobs = answer.get("Jobs", [])
        assert len(jobs) <= max_jobs, f"{LIST_JOBS}: MaxJobs={max_jobs} answered {len(jobs)} jobs"
        found.append(jobs)
        if not answer["IsTruncated"]:
            break
        assert jobs, f"{LIST_JOBS}: an empty page says IsTruncated"
        marker = jobs[-1]["JobId"]
    return found


def check_pages(pages: list[list[dict[str, Any]]]) -> list[str]:
    jobs = [job for page in pages for job in page]
    job_ids = [job["JobId"] for job in jobs]
    assert len(job_ids) == len(set(job_ids)), f"{LIST_JOBS}: a job is listed twice: {job_ids}"
    dates: list[datetime] = [job["CreationDate"] for job in jobs]
    assert dates == sorted(dates, reverse=True), f"{LIST_JOBS}: the jobs are not newest first: {job_ids}"
    return job_ids


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "ListJobs (model: jobs in reverse chronological order; Marker, MaxJobs)"
)
@pytest.mark.control
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=st.integers(min_value=0, max_value=6), max_jobs=st.integers(min_value=1, max_value=4), data=st.data())
def test_list_jobs_pages_through_every_job_newest_first(
    importexport: ImportExportTarget, count: int, max_jobs: int, data: st.DataObject
) -> None:
    importexport.backend  # noqa: B018 - skips against a real endpoint
    assert importexport.moto is not None
    importexport.moto.reset()  # a fresh account for every example
    created = []
    for _ in range(count):
        created.append(importexport.create_job())
        importexport.backend.advance(1)
    canceled = set(data.draw(st.sets(st.sampled_from(created))) if created else set())
    for job_id in canceled:
        importexport.client().cancel_job(JobId=job_id)
    pages = list_all(importexport, max_jobs)
    assert check_pages(pages) == created[::-1], f"{LIST_JOBS}: created {created}, listed {pages}"
    assert len(pages) == max(1, -(-count // max_jobs)), f"{LIST_JOBS}: {count} jobs in {len(pages)} pages"
    for job in (job for page in pages for job in page):
        assert job["IsCanceled"] == (job["JobId"] in canceled), f"{LIST_JOBS}: IsCanceled of {job['JobId']}"


@pytest.mark.requirement(
    "AWS Import/Export API 2010-06-01", "ListJobs (model: jobs in reverse chronological order; Marker, MaxJobs)"
)
def test_list_jobs_is_consistent(importexport: ImportExportTarget) -> None:
    """Read-only, so it runs against a real endpoint too (the first pages of one job each)."""
    if importexport.embedded:
        for _ in range(3):
            importexport.create_job()
            importexport.backend.advance(1)
    pages = list_all(importexport, max_jobs=1, pages=5)
    check_pages(pages)
    paginated = [job for page in importexport.client().get_paginator("list_jobs").paginate() for job in page["Jobs"]]
    if importexport.embedded:
        assert len(pages) == 3 and [j["JobId"] for j in paginated] == [p[0]["JobId"] for p in pages], (
            f"{LIST_JOBS}: boto3's paginator and Marker paging disagree"
        )
