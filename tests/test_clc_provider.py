"""The CLC suite as a provider meets it: against a mock served in another process and named by `--clc-url`,
as a real server would be. With the URL and a login only, the checks that need a status id or a second
account are *not verified* and name the options that would verify them; with every option nothing is
skipped; a served faulty variant, playing a misbehaving provider, fails the suite for its reason."""

from __future__ import annotations

import pytest
from providers import counts, credentials, every_option, skips
from serving import run_suite, served

from jobcontract.mocks.faulty.clc import EXPECTED

pytestmark = pytest.mark.slow


def test_with_url_and_login_only_most_checks_run_and_the_rest_name_an_option() -> None:
    with served("clc") as serving:
        result = run_suite("clc", *credentials("clc", serving))
    assert result.returncode == 0, result.stdout[-3000:]
    found = counts(result)
    reasons = skips(result)
    assert reasons and len(reasons) == found["skipped"], result.stdout[-3000:]
    for reason in reasons:
        assert "not verified: " in reason and "give --clc-" in reason, reason
    assert found["passed"] / (found["passed"] + found["skipped"]) >= 0.7, found


def test_with_every_option_no_check_is_skipped() -> None:
    with served("clc") as serving:
        result = run_suite("clc", *every_option("clc", serving))
    assert result.returncode == 0, result.stdout[-3000:]
    assert counts(result)["skipped"] == 0, "\n".join(skips(result))


# a job that reports executing again after it succeeded, on the first re-poll and only on the third
@pytest.mark.parametrize("variant", ["succeeded-goes-back", "end-forgotten-on-the-third-repoll"])
def test_a_misbehaving_provider_fails_the_suite_for_its_reason(variant: str) -> None:
    with served("clc", "--variant", variant) as serving:
        result = run_suite("clc", *every_option("clc", serving))
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout[-3000:]
    assert EXPECTED[variant][1] in result.stdout, result.stdout[-3000:]
