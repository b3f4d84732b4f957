"""The CI version of `bench/fuzz.py`: every contract against every mock, positive and negative data,
derandomized and smaller (50 cases per operation and mode); and the same fuzzing catches a faulty mock."""

from __future__ import annotations

import pytest

from bench.fuzz import APIS, fuzz

pytestmark = pytest.mark.slow
CASES = 50


@pytest.mark.parametrize("api", APIS)
def test_fuzzing_the_mock_finds_nothing(api: str) -> None:
    tally = fuzz(api, CASES, derandomize=True)
    assert tally.cases >= CASES, f"{api}: only {tally.cases} cases were sent"
    assert tally.findings == 0, f"{api}: {dict(tally.found)}; e.g. {tally.examples}"


@pytest.mark.parametrize(
    ("api", "variant", "category"),
    [
        ("ogc", "unknown-job-is-400", "undocumented"),
        ("ogc", "wrong-status-enum", "schema"),  # a live job's status: fuzzing reaches real jobs too
        ("cf", "wrong-content-type", "schema"),
    ],
)
def test_fuzzing_a_faulty_mock_finds_its_fault(api: str, variant: str, category: str) -> None:
    tally = fuzz(api, 20, derandomize=True, variant=variant)
    assert tally.found[category] > 0, f"{api} {variant}: {dict(tally.found)}"
