"""The OGC suite as a provider meets it: `pytest suites/ogc --ogc-url=URL` against mocks served in other
processes, real servers on loopback whose jobs follow real time (the default job ends after about 10 s).

(a) URL only: exit 0, at least 70% of the provider checks run, and each check not run is "not verified"
    naming the option that would verify it; (b) every option: exit 0 and nothing skipped; (c) a misbehaving
    provider with every option, a served faulty variant with three deviations: an empty 201 execute body, a
    dismiss that does not dismiss, and a successful job that says `running` again after it ended (caught by
    the re-polls after the end). Each is reported, and every other check still runs and passes. The runs go
    at once, to keep the time down (each waits about 10 s for its job to end, in real time)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
from providers import counts, credentials, every_option, skips
from serving import run_suite, served

pytestmark = pytest.mark.slow
# three variants in one server: each overrides its own method (execute, dismiss, status_info)
THREE_DEVIATIONS = "execute-body-empty+dismiss-does-not-dismiss+terminal-state-flips"


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, subprocess.CompletedProcess[str]]]:
    with ExitStack() as stack:
        servings = {
            "url-only": stack.enter_context(served("ogc")),
            "every-option": stack.enter_context(served("ogc")),
            "three-deviations": stack.enter_context(served("ogc", "--variant", THREE_DEVIATIONS)),
        }
        arguments = {
            name: every_option("ogc", serving) if name != "url-only" else credentials("ogc", serving)
            for name, serving in servings.items()
        }
        with ThreadPoolExecutor(len(servings)) as pool:
            futures = {name: pool.submit(run_suite, "ogc", *arguments[name]) for name in servings}
            yield {name: future.result() for name, future in futures.items()}


def test_url_only_runs_most_checks_and_names_the_options_for_the_rest(
    runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    result = runs["url-only"]
    assert result.returncode == 0, result.stdout[-3000:]
    found = counts(result)
    assert found["passed"] >= 0.7 * (found["passed"] + found["skipped"]), found
    assert len(skips(result)) == found["skipped"] > 0
    assert all("not verified: " in line and "; give --ogc-" in line for line in skips(result)), skips(result)


def test_every_option_leaves_no_check_unverified(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = runs["every-option"]
    assert result.returncode == 0, result.stdout[-3000:]
    assert counts(result)["skipped"] == 0, result.stdout[-3000:]


def test_each_deviation_is_reported_and_the_rest_still_checked(
    runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    result = runs["three-deviations"]
    assert result.returncode == 1, result.stdout[-3000:]
    assert "/req/core/process-execute-success-async: POST /processes/echo/execution -> 201: the body" in result.stdout
    assert "/req/dismiss/job-dismiss-success" in result.stdout
    assert "a terminal state changed: the job was successful, a later poll says running" in result.stdout
    failed = {
        line.split(" ")[1].split("[")[0].split("::")[-1]
        for line in result.stdout.splitlines()
        if line.startswith("FAILED")
    }
    assert failed == {
        "test_execute_async_answers_201_with_the_status_of_the_job",
        "test_dismiss_answers_the_job_dismissed",
        "test_a_dismissed_job_never_lives_again",
        "test_a_terminal_state_is_final",
    }, failed
    found = counts(result)
    assert found["skipped"] == found["error"] == 0, result.stdout[-3000:]
    assert found["passed"] >= 25, found
