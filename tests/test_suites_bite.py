"""A suite that cannot fail is worthless: each suite passes on its faithful mock, fails on every
faulty variant for the reason the variant was built to show, and passes against a mock served in
another process (where only the checks that need the control API skip)."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

import pytest
import requests
from serving import run_suite, served

import mocks

# api -> {variant: expected failure}, for every API that ships faulty variants
EXPECTED = {
    api: {name: reason for name, (_, reason) in import_module(module).EXPECTED.items()}
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


@pytest.fixture
def served_ogc_mock() -> Iterator[str]:
    with served("ogc") as serving:
        yield serving.url


def test_the_ogc_suite_passes_against_a_served_mock(served_ogc_mock: str) -> None:
    job = requests.post(f"{served_ogc_mock}/__jobcontract/jobs", json={"script": ["running"]}, timeout=10)
    result = run_suite("ogc", f"--ogc-url={served_ogc_mock}", f"--ogc-job={job.json()['id']}")
    assert result.returncode == 0, result.stdout[-3000:]
    skips = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skips, "the control-API checks should skip against a served mock"
    assert all("needs the mock's control API" in line for line in skips), "\n".join(skips)
