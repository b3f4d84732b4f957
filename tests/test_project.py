"""The project keeps its own promises: ruff-clean code, and a CI that runs the README's command."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, "README.md must start with a sh block holding the two commands"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_opens_with_the_two_commands() -> None:
    main_job, tests = _readme_commands()
    assert main_job.startswith("python -m pip install") and main_job.endswith("pytest suites/")
    assert tests.startswith("python -m pip install") and "pytest tests/" in tests


def test_ci_runs_the_readme_test_command_exactly() -> None:
    script = ROOT / ".ci" / "run"
    extract = re.search(r"command=\$\((.*)\)\n", script.read_text())
    assert extract, ".ci/run must read its command from README.md"
    found = subprocess.run(["bash", "-c", extract.group(1)], cwd=ROOT, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == _readme_commands()[1]


def test_code_is_ruff_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.fail("ruff is not installed: install the project with its [test] extra")
    result = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
