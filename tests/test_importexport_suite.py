"""The Import/Export suite passes on the faithful moto backend, embedded, with every check verified (the
embedded mock provisions what a provider names with options). The faulty variants are run by
tests/test_suites_bite.py through mocks.FAULTY; that file's faithful-mock test covers the Dialect mocks only,
hence this one. Against a served mock as a provider's server: tests/test_importexport_provider.py."""

from __future__ import annotations

import pytest
from serving import run_suite

pytestmark = pytest.mark.slow


def test_the_suite_passes_on_the_faithful_backend() -> None:
    result = run_suite("importexport")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "skipped" not in result.stdout.splitlines()[-1], result.stdout[-3000:]
