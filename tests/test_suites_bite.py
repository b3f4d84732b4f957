"""A suite that cannot fail is worthless: each suite passes on its faithful mock and fails on every
faulty variant for the reason the variant was built to show. (Against mocks served in another process, as
a provider's server, see tests/test_<api>_provider.py.)"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import pytest
from serving import run_suite

from jobcontract import mocks

# api -> {variant: expected failure}, for every API that ships faulty variants
EXPECTED = {
    api: {name: reason for name, (_, reason) in import_module(module, mocks.__name__).EXPECTED.items()}
    for api, module in mocks.FAULTY.items()
}
VARIANTS = [(api, variant) for api, expected in EXPECTED.items() for variant in sorted(expected)]

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("api", sorted(EXPECTED))
def test_every_variant_is_registered_with_its_expected_failure(api: str) -> None:
    assert set(mocks.variants(api)) == set(EXPECTED[api])
    assert len(EXPECTED[api]) >= 6


@pytest.mark.parametrize("api", sorted(mocks.DIALECTS))
def test_the_suite_passes_on_the_faithful_mock(api: str) -> None:
    result = run_suite(api)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize(("api", "variant"), VARIANTS)
def test_the_suite_catches_the_faulty_variant(api: str, variant: str) -> None:
    result = run_suite(api, f"--{api}-mock-variant={variant}")
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout[-3000:]
    reason = EXPECTED[api][variant]
    assert reason in result.stdout, f"the suite failed, but not for {reason!r}:\n{result.stdout[-3000:]}"
