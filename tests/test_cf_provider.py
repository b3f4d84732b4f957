"""The Cloud Foundry suite against a server that is not embedded: `jobcontract serve --api cf` in its own
process, treated as a provider's staging server (`--cf-url`). With URL and token only, at least 70% of the
provider checks run and every other one is *not verified*, naming the option that would verify it; with every
option (jobs provisioned over the control API, as a provider names its own), nothing is skipped; a served
faulty variant with every option fails for its reason: a job that reports PROCESSING again on a later
re-poll after COMPLETE, and, with it, a FAILED job without errors (two deviations, both reported)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from providers import counts, credentials, every_option, skips
from serving import Serving, run_suite, served

from jobcontract.mocks.faulty.cf import EXPECTED

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def faithful() -> Iterator[Serving]:
    with served("cf") as serving:
        yield serving


def test_with_url_and_token_only_most_checks_run_and_the_rest_name_their_option(faithful: Serving) -> None:
    run = run_suite("cf", *credentials("cf", faithful))
    assert run.returncode == 0, run.stdout[-3000:]
    found = counts(run)
    assert found["failed"] == 0 and found["passed"] / (found["passed"] + found["skipped"]) >= 0.7, found
    assert skips(run) and all("not verified: " in line and "(or JOBCONTRACT_CF_" in line for line in skips(run))


def test_with_every_option_no_check_is_skipped(faithful: Serving) -> None:
    run = run_suite("cf", *every_option("cf", faithful))
    assert run.returncode == 0, run.stdout[-3000:]
    found = counts(run)
    assert (found["failed"], found["skipped"]) == (0, 0) and found["passed"], run.stdout[-3000:]


def test_a_served_faulty_provider_fails_for_each_of_its_deviations() -> None:
    variants = ("end-is-not-final", "failed-without-errors")
    with served("cf", "--variant", "+".join(variants)) as serving:
        run = run_suite("cf", *every_option("cf", serving))
    assert run.returncode == 1, run.stdout[-3000:]
    for variant in variants:
        assert EXPECTED[variant][1] in run.stdout, f"{variant}: {run.stdout[-3000:]}"
    found = counts(run)
    assert (found["failed"], found["skipped"]) == (2, 0), run.stdout[-3000:]
