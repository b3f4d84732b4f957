"""A CLI user's path: `st run` with contracts/schemathesis.toml against a served mock passes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import contracts
from mocks import Clock, MockServer, make_app

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("api", ["ogc"])
def test_the_schemathesis_cli_passes_against_the_mock(api: str) -> None:
    st = shutil.which("st") or str(Path(sys.executable).with_name("st"))
    contract = str(contracts.load(api).openapi_path)
    with MockServer(make_app(api, clock=Clock(frozen=False))) as server:
        result = subprocess.run(
            [st, "--config-file", "contracts/schemathesis.toml", "run", contract, "--url", server.url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout and "failure" not in result.stdout.split("SUMMARY")[-1]
