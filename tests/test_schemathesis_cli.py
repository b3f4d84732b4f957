"""The README's Schemathesis CLI example, as written but for the port: `st` with the project's settings
(contracts/schemathesis.toml) against a served OGC mock finds nothing wrong, and the contract's first
`servers` entry is where `jobcontract serve` answers."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from serving import ROOT, served

README = (ROOT / "README.md").read_text()
EXAMPLE = re.compile(r"^st --config-file (\S+) run (\S+) --url http://127\.0\.0\.1:8080$", re.M)


def test_the_readme_example_passes_against_the_served_mock() -> None:
    found = EXAMPLE.search(README)
    assert found, "the README's st example changed: update this test"
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st, "schemathesis's st command is installed with the project"
    with served("ogc") as serving:
        run = subprocess.run(
            [st, "--config-file", found.group(1), "run", found.group(2), "--url", serving.url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert run.returncode == 0, run.stdout[-3000:]
    assert re.search(r"\d+ generated, \d+ passed", run.stdout), run.stdout[-2000:]


@pytest.mark.parametrize(("api", "port"), [("ogc", 8080), ("importexport", 8082), ("clc", 8083), ("cf", 8084)])
def test_each_contract_names_where_the_served_mock_answers(api: str, port: int) -> None:
    servers = yaml.safe_load((ROOT / "contracts" / api / "openapi.yaml").read_text())["servers"]
    assert servers[0]["url"] == f"http://127.0.0.1:{port}"
    assert f"jobcontract serve --api {api} --port {port}" in servers[0]["description"]
