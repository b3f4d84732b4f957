"""The gate on servers we do not control, shown on real servers on loopback (served mocks; faulty variants play
misbehaving providers): preflight stops a user's mistake with exit 2 and the fix, nothing is green by
mistake, waivers record known deviations, and failing examples reproduce."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from providers import credentials
from serving import ROOT, Serving, run_suite, served

from jobcontract.suites.gate import WaiverError, load_waivers, matches

pytestmark = pytest.mark.slow
CF_TOKEN = "jobcontract-cf-token"
FAULTY_CF = "unknown-job-is-not-found-10000"
CF_404 = "CF-ResourceNotFound"  # a pattern naming the requirement "Get a job 404 (... CF-ResourceNotFound 10010)"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stopped_before_any_test(run: subprocess.CompletedProcess[str], *fixes: str) -> None:
    output = run.stdout + run.stderr
    assert run.returncode == 2, output[-3000:]
    for fix in fixes:
        assert fix in run.stderr, run.stderr[-3000:]
    assert "Traceback" not in output and " passed" not in output and " failed" not in output, output[-3000:]
    assert "does not conform" not in output.lower()


@pytest.fixture(scope="module")
def cf() -> Iterator[Serving]:
    with served("cf") as serving:
        yield serving


@pytest.fixture(scope="module")
def faulty_cf() -> Iterator[Serving]:
    with served("cf", "--variant", FAULTY_CF) as serving:
        yield serving


# -- preflight -------------------------------------------------------------------------------------------
def test_a_server_that_is_down_stops_the_run_with_exit_2() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    run = run_suite("", f"--ogc-url={url}")
    stopped_before_any_test(run, f"--ogc-url (JOBCONTRACT_OGC_URL) {url}: cannot reach the server")


def test_a_wrong_base_path_is_named(cf: Serving) -> None:
    run = run_suite("cf", f"--cf-url={cf.url}/v3", f"--cf-token={CF_TOKEN}")
    stopped_before_any_test(run, "give the Cloud Controller's root URL (without /v3)")


def test_a_wrong_token_is_the_users_mistake_not_a_violation(cf: Serving) -> None:
    run = run_suite("cf", f"--cf-url={cf.url}", "--cf-token=not-the-token")
    stopped_before_any_test(run, "--cf-token (JOBCONTRACT_CF_TOKEN) was refused")


def test_a_missing_token_is_named(cf: Serving) -> None:
    stopped_before_any_test(run_suite("cf", f"--cf-url={cf.url}"), "give --cf-token (or JOBCONTRACT_CF_TOKEN)")


def test_a_wrong_password_and_a_dead_server_are_both_named() -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    with served("clc") as clc:
        run = run_suite(
            "",
            f"--clc-url={clc.url}",
            "--clc-username=user@company.com",
            "--clc-password=not-the-password",
            f"--ogc-url={dead}",
        )
    stopped_before_any_test(run, "the login of --clc-username/--clc-password was refused", f"{dead}: cannot reach")
    assert "not-the-password" not in run.stdout + run.stderr


@pytest.mark.parametrize(
    ("api", "option"),
    [("ogc", "--ogc-job"), ("cf", "--cf-failed-job"), ("clc", "--clc-status-id")],
)
def test_a_named_job_that_does_not_exist_is_the_users_mistake(api: str, option: str) -> None:
    """Not a 404 failure of the provider: the job named is not one of the server's."""
    with served(api) as serving:
        run = run_suite(api, *credentials(api, serving), f"{option}=no-such-job-anywhere")
    stopped_before_any_test(
        run, f"{option} (JOBCONTRACT_{option[2:].upper().replace('-', '_')}) 'no-such-job-anywhere'"
    )
    assert "does not exist on" in run.stderr


def test_missing_aws_credentials_are_named(tmp_path: Path) -> None:
    with served("importexport") as importexport:
        env: dict[str, str | None] = {"HOME": str(tmp_path), "AWS_CONFIG_FILE": "none"}
        env |= {"AWS_SHARED_CREDENTIALS_FILE": "none", "AWS_PROFILE": None}
        env |= {name: None for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
        env["AWS_EC2_METADATA_DISABLED"] = "true"  # no instance metadata service to ask on loopback
        run = run_suite("importexport", f"--importexport-url={importexport.url}", env=env)
    stopped_before_any_test(run, "--importexport-url needs AWS credentials")


# -- no false green ----------------------------------------------------------------------------------------
def test_a_gate_with_no_server_named_is_refused() -> None:
    stopped_before_any_test(run_suite("", "--gate"), "--gate (JOBCONTRACT_GATE) checks the servers you name")


def test_an_empty_url_variable_counts_as_unset_and_the_gate_refuses_it() -> None:
    """What a CI job passes for a variable it never set."""
    run = run_suite("", env={"JOBCONTRACT_GATE": "true", "JOBCONTRACT_OGC_URL": ""})
    stopped_before_any_test(run, "none is named")


def test_a_misspelt_variable_is_an_error_with_a_did_you_mean() -> None:
    run = run_suite("ogc", env={"JOBCONTRACT_OGC_ULR": "http://127.0.0.1:1"})
    stopped_before_any_test(run, "unknown variable JOBCONTRACT_OGC_ULR; did you mean JOBCONTRACT_OGC_URL?")


def test_the_gate_checks_only_the_named_servers(cf: Serving) -> None:
    run = run_suite("", "--gate", f"--cf-url={cf.url}", f"--cf-token={CF_TOKEN}", "--requirement", CF_404)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "cf (http://127.0.0.1:" in run.stdout and "CONFORMS" in run.stdout
    assert "embedded mock" not in run.stdout.split("jobcontract verdict", 1)[1]


def test_the_gate_fails_on_what_it_could_not_verify_unless_allowed(cf: Serving) -> None:
    """URL and token only: the checks that need a named job are not verified."""
    args = ("--gate", f"--cf-url={cf.url}", f"--cf-token={CF_TOKEN}")
    strict = run_suite("cf", *args)
    assert strict.returncode == 1, strict.stdout[-3000:]
    assert "NOT VERIFIED" in strict.stdout and "--cf-job (or JOBCONTRACT_CF_JOB)" in strict.stdout
    assert "requirements are not verified" in strict.stdout
    lenient = run_suite("cf", *args, "--allow-unverified")
    assert lenient.returncode == 0, lenient.stdout[-3000:]
    assert "NOT VERIFIED" in lenient.stdout, "the report still lists them"


def test_requirement_selects_the_checks_of_matching_requirements(cf: Serving) -> None:
    run = run_suite("cf", f"--cf-url={cf.url}", f"--cf-token={CF_TOKEN}", "--requirement", CF_404, "-rA")
    assert run.returncode == 0, run.stdout[-3000:]
    ran = [line for line in run.stdout.splitlines() if line.startswith("PASSED suites/cf/")]
    assert ran and all("unknown_job_is_404" in line for line in ran), ran


# -- waivers -----------------------------------------------------------------------------------------------
def _waivers(tmp_path: Path, text: str) -> str:
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    return f"--waivers={path}"


def _gate(server: Serving, *args: str) -> subprocess.CompletedProcess[str]:
    return run_suite("cf", "--gate", f"--cf-url={server.url}", f"--cf-token={CF_TOKEN}", "--requirement", CF_404, *args)


def test_without_a_waiver_the_deviation_fails_the_gate(faulty_cf: Serving) -> None:
    run = _gate(faulty_cf)
    assert run.returncode == 1 and "FAILS: CF v3 API docs Get a job 404" in run.stdout, run.stdout[-3000:]


def test_a_waived_deviation_is_an_expected_failure_with_its_reason(faulty_cf: Serving, tmp_path: Path) -> None:
    waivers = _waivers(
        tmp_path, f"- requirement: {CF_404}\n  reason: ticket CC-1234, fixed in 3.181\n  until: 2999-01-01\n"
    )
    report = tmp_path / "report.md"
    run = _gate(faulty_cf, waivers, f"--conformance-report={report}")
    assert run.returncode == 0, run.stdout[-3000:]
    assert "xfailed" in run.stdout and "WAIVED: CF v3 API docs Get a job 404" in run.stdout
    text = report.read_text()
    assert "| WAIVED | CF v3 API docs | Get a job 404" in text and "ticket CC-1234, fixed in 3.181" in text


def test_a_waiver_whose_requirement_now_passes_fails_the_gate(cf: Serving, tmp_path: Path) -> None:
    run = _gate(cf, _waivers(tmp_path, f"- requirement: {CF_404}\n  reason: ticket CC-1234\n"))
    assert run.returncode == 1, run.stdout[-3000:]
    assert f"the waiver of '{CF_404}' is no longer needed" in run.stdout


def test_an_expired_waiver_is_reported_and_its_failure_counts(faulty_cf: Serving, tmp_path: Path) -> None:
    run = _gate(faulty_cf, _waivers(tmp_path, f"- requirement: {CF_404}\n  reason: old\n  until: 2020-01-01\n"))
    assert run.returncode == 1, run.stdout[-3000:]
    assert f"the waiver of '{CF_404}' (until 2020-01-01) has expired" in run.stdout
    assert "FAILS: CF v3 API docs Get a job 404" in run.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- requirement: x\n", "reason must be a non-empty text"),
        ("- reason: y\n", "requirement must be a non-empty text"),
        ("- {requirement: x, reason: y, until: soon}\n", "until must be a date YYYY-MM-DD"),
        ("- {requirement: x, reason: y, expires: 2030-01-01}\n", "unknown field 'expires'"),
        ("requirement: x\n", "expected a list of waivers"),
        ("- [x\n", "cannot be read as YAML"),
    ],
)
def test_a_bad_waiver_file_says_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    with pytest.raises(WaiverError, match=message):
        load_waivers(path)


def test_a_bad_waiver_file_stops_the_run(tmp_path: Path) -> None:
    stopped_before_any_test(run_suite("ogc", _waivers(tmp_path, "- requirement: x\n")), "--waivers:")


def test_a_pattern_is_a_substring_or_a_glob() -> None:
    requirement = "CF v3 API docs Get a job 404 (#errors, CF-ResourceNotFound 10010)"
    assert matches("cf-resourcenotfound", requirement) and matches("*Get a job 40?*", requirement)
    assert not matches("Get a job 403", requirement)


# -- reproducible --------------------------------------------------------------------------------------------
def test_a_falsifying_example_prints_its_values(tmp_path: Path) -> None:
    """Schemathesis' plugin, loaded in the same run, must not blank Hypothesis' example."""
    test_file = tmp_path / "test_example.py"
    test_file.write_text(
        "import suites.common  # noqa: F401\n"
        "from hypothesis import given, strategies as st\n\n"
        "@given(steps=st.lists(st.integers(), min_size=2))\n"
        "def test_x(steps):\n    assert sum(steps) < 10\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(test_file), "-p", "no:cacheprovider", "--rootdir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "steps=[" in run.stdout, run.stdout[-2000:]
