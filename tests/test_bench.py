"""The benchmark runs and prints its table (tests/test_fastserver.py covers the server it measures)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_tiny_benchmark_prints_a_row_per_api_server_and_concurrency() -> None:
    result = subprocess.run(
        [sys.executable, "bench/bench.py", "--tiny"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert any("shares the" in line and "cores with the server under test" in line for line in lines)
    header = next(line for line in lines if line.startswith("api "))
    columns = ["api", "server", "start-up", "s", "clients", "req/s", "p50", "ms", "p99", "ms", "mean", "ms", "errors"]
    assert header.split() == columns
    rows = [line.split() for line in lines[lines.index(header) + 1 :] if line.strip()]
    expected = {
        (api, server, clients)
        for api in ("ogc", "cf", "clc")
        for server in ("jobcontract", "jobcontract-werkzeug")
        for clients in ("1", "8")
    }
    assert {(row[0], row[1], row[3]) for row in rows} == expected, result.stdout
    assert all(row[-1] == "0" for row in rows), f"some polls were not answered 200:\n{result.stdout}"
    assert all(int(row[4]) > 0 for row in rows), result.stdout


def test_the_abuse_cases_that_are_quick_pass_against_serve() -> None:
    """bench/abuse.py replays the abuse cases of issue 14 against `serve`; the quick ones run here, so that a
    change that reopens one (a cross-site control call, a forged log line, a secret in an output) fails a test."""
    import json

    cases = ("cross-site", "log-injection", "secrets", "unscripted-500")
    found = subprocess.run(
        [sys.executable, "bench/abuse.py", *(f"--case={case}" for case in cases), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    outcomes = {outcome["case"]: outcome for outcome in json.loads(found.stdout)["outcomes"]}
    assert set(outcomes) == set(cases), found.stdout
    assert all(outcome["passed"] for outcome in outcomes.values()), found.stdout
    assert found.returncode == 0


def test_the_embedded_benchmark_prints_each_step_for_each_api() -> None:
    found = subprocess.run(
        [sys.executable, "bench/embedded.py", "--no-suites", "--repeat", "1", "--polls", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert found.returncode == 0, found.stderr[-3000:]
    steps = [line.split("  ")[0].strip() for line in found.stdout.splitlines()[1:]]
    assert steps[:2] == ["pytest-httpserver HTTPServer: start", "pytest-httpserver HTTPServer: stop"]
    for api in ("ogc", "cf", "clc"):
        for step in ("MockServer start (per session)", "MockServer stop (per session)", "a poll through MockServer"):
            assert f"{api}: {step}" in steps, found.stdout
