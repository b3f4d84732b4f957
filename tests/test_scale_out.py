"""`pytest suites/ -n auto` ends every test as a serial run does (bench/xdist_agreement.py), and the
comparison it makes catches a test that differs."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "xdist_agreement.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("xdist_agreement", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_the_comparison_names_every_test_that_ends_differently() -> None:
    differences = _script().differences
    serial = {"a::one": "passed", "a::two": "skipped", "a::three": "passed"}
    assert differences(serial, dict(serial)) == []
    assert differences(serial, {"a::one": "failed", "a::two": "skipped", "a::four": "passed"}) == [
        "a::four: serial not run, parallel passed",
        "a::one: serial passed, parallel failed",
        "a::three: serial passed, parallel not run",
    ]


def test_outcomes_are_read_from_pytests_junit_file(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n"
        "def test_ok(): pass\n"
        "def test_bad(): assert False\n"
        "@pytest.mark.skip(reason='why')\n"
        "def test_skipped(): pass\n"
    )
    junit = tmp_path / "junit.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:jobcontract", f"--junitxml={junit}"],
        cwd=tmp_path,
        capture_output=True,
    )
    assert _script().outcomes(junit) == {
        "test_sample::test_ok": "passed",
        "test_sample::test_bad": "failed",
        "test_sample::test_skipped": "skipped",
    }


@pytest.mark.slow
def test_parallel_and_serial_suite_runs_agree() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "-n", "2", "suites/"], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the runs agree on all" in result.stdout
