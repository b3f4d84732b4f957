"""The suite options (suites/options.py, part of the installed `jobcontract` pytest plugin): each has an
environment twin, bad values stop the run with a message that names the option and its variable, and the
installed suites read them from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobcontract.suites.options import OPTIONS

ROOT = Path(__file__).resolve().parent.parent
# A cheap, real test to collect, so that each run below only shows how options are read.
TARGET = "tests/test_contracts.py::test_lookup_errors_say_what_is_wrong"


def run_pytest(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JOBCONTRACT_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-p", "no:cacheprovider", TARGET, *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_option_has_its_environment_twin() -> None:
    for option in OPTIONS:
        assert option.env == "JOBCONTRACT_" + option.name[2:].upper().replace("-", "_")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    help_text = " ".join(result.stdout.split())
    for option in OPTIONS:
        assert option.name in help_text and option.env in help_text


def test_the_installed_suites_take_their_options_from_any_folder(tmp_path: Path) -> None:
    """The options come with the plugin the distribution registers, not with the checkout's root conftest."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JOBCONTRACT_")}
    result = subprocess.run(
        [
            *(
                sys.executable,
                "-m",
                "pytest",
                "--pyargs",
                "jobcontract.suites.ogc",
                "--collect-only",
                "-q",
                "-p",
                "no:cacheprovider",
            ),
            *("--ogc-mock-variant", "state-goes-back", "--requirement", "dismiss", "--rate-limit", "5"),
        ],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "tests collected" in result.stdout


def test_no_url_means_embedded_mocks() -> None:
    result = run_pytest()
    assert result.returncode == 0, result.stderr
    assert "ogc=embedded mock, cf=embedded mock, clc=embedded mock, importexport=embedded mock" in result.stdout


def test_environment_twin_sets_the_option_and_the_command_line_wins() -> None:
    by_env = run_pytest(env={"JOBCONTRACT_OGC_URL": "http://127.0.0.1:9/ogc"})
    assert "ogc=http://127.0.0.1:9/ogc" in by_env.stdout
    both = run_pytest("--ogc-url", "http://127.0.0.1:8/ogc", env={"JOBCONTRACT_OGC_URL": "http://127.0.0.1:9/ogc"})
    assert "ogc=http://127.0.0.1:8/ogc" in both.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["--ogc-url", "ftp://example.org"],
            {},
            "--ogc-url (or JOBCONTRACT_OGC_URL) must be an http:// or https:// URL",
        ),
        (
            [],
            {"JOBCONTRACT_CF_URL": "api.example.org"},
            "--cf-url (or JOBCONTRACT_CF_URL) must be an http://",
        ),
        (
            ["--ogc-inputs", "{not json"],
            {},
            "--ogc-inputs (or JOBCONTRACT_OGC_INPUTS) must be a JSON object: Expecting",
        ),
        ([], {"JOBCONTRACT_OGC_INPUTS": "[1, 2]"}, "must be a JSON object, not list"),
        (["--cf-job", ""], {}, "--cf-job (or JOBCONTRACT_CF_JOB) is given but empty"),
    ],
)
def test_bad_values_stop_the_run_with_a_clear_message(args: list[str], env: dict[str, str], message: str) -> None:
    result = run_pytest(*args, env=env)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
