"""The provider's release gate: `pytest suites/` against servers named by URL options gates on its
exit code, writes a JUnit file and a conformance report (Markdown and HTML) that name each failure's
document, requirement and request, and keeps secrets out of every one of them."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from providers import AWS_ENV, counts, every_option, serve_args
from serving import Serving, run_suite, served

from jobcontract import contracts
from jobcontract.mocks.redaction import REDACTED, Redactor
from jobcontract.suites.common import ContractViolation
from jobcontract.suites.report import Requirement, Result, result_of, scrub_report, write_report

ROOT = Path(__file__).resolve().parent.parent
FAULTY_CF = "unknown-job-is-not-found-10000"  # the CF mock that fails checks made with the bearer token
CF_404 = "Get a job 404 (#errors, CF-ResourceNotFound 10010)"
# what the gate is given; none of it may show in any output
CF_TOKEN, CLC_PASSWORD = "jobcontract-cf-token", "mypassword"
AWS_KEY, AWS_SECRET = AWS_ENV["AWS_ACCESS_KEY_ID"], AWS_ENV["AWS_SECRET_ACCESS_KEY"]
SECRETS = (CF_TOKEN, CLC_PASSWORD, AWS_KEY, AWS_SECRET)


# -- the redaction ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abc.def.ghi",
        "curl -X GET -H 'Authorization: Bearer abc.def.ghi' http://127.0.0.1/v3/jobs/1",
        "auth = {'Authorization': 'Bearer abc.def.ghi', 'Accept': 'application/json'}",
        '{"username": "u", "password": "abc.def.ghi"}',
        "Credentials(username='u', password='abc.def.ghi')",
        '{"bearerToken": "abc.def.ghi", "accountAlias": "ALIAS"}',
        "username=u&password=abc.def.ghi&x=1",
        "https://user:abc.def.ghi@staging.example.org/v2",
        "Action=GetStatus&Signature=abc.def.ghi&SignatureMethod=HmacSHA256",
        "X-Amz-Security-Token: abc.def.ghi",
    ],
)
def test_credentials_are_redacted_in_any_notation(text: str) -> None:
    redacted = Redactor()(text)
    assert "abc.def.ghi" not in redacted and REDACTED in redacted


def test_a_given_secret_is_redacted_anywhere() -> None:
    assert Redactor(["abc.def.ghi", "other"])("job abc.def.ghi failed") == f"job {REDACTED} failed"


def test_aws_key_ids_are_redacted_and_ordinary_text_is_kept() -> None:
    redact = Redactor()
    assert redact("Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1") == f"Credential={REDACTED}/20250101/us-east-1"
    ordinary = "GET http://127.0.0.1:8080/jobs/abc -> 404: the token of a JSON login answered 401"
    assert redact(ordinary) == ordinary


def test_a_failure_report_is_redacted_in_place_and_keeps_its_shape() -> None:
    token = "s3cr3t-token-value"

    def failing(auth: dict[str, str]) -> None:
        raise AssertionError(f"CF v3 API docs {CF_404}: answered 401 for {auth}")

    try:
        failing({"Authorization": f"Bearer {token}"})
    except AssertionError as error:
        longrepr = pytest.ExceptionInfo.from_exception(error).getrepr(showlocals=True, funcargs=True)
    report = pytest.TestReport(
        "suites/cf/test_errors.py::test_x",
        ("suites/cf/test_errors.py", 1, "test_x"),
        {},
        "failed",
        longrepr,
        "call",
        sections=[("Captured log call", f"DEBUG sending Authorization: Bearer {token}")],
        user_properties=[("request", f"GET http://h/v3/jobs/1 -> 401\nrequest body: token={token}")],
    )
    assert token in str(report.longrepr)
    scrub_report(Redactor([token]), report)
    everything = str(report.longrepr) + repr(report.sections) + repr(report.user_properties)
    assert token not in everything and REDACTED in everything
    assert report.longrepr.reprcrash.message.startswith(f"AssertionError: CF v3 API docs {CF_404}: answered 401")


# -- the report ---------------------------------------------------------------------------------------
def _report(nodeid: str, outcome: str, longrepr: object = None, when: str = "call", **properties: str) -> Result:
    report = pytest.TestReport(
        nodeid, (nodeid, 1, nodeid), {}, outcome, longrepr, when, user_properties=list(properties.items())
    )
    result = result_of(report)
    assert result is not None
    return result


def test_a_violation_carries_its_fields() -> None:
    error = ContractViolation(
        "CF v3 API docs Get a job 502 (BadGateway)", "the body is not one error", operation="getJob"
    )
    assert error.fields == {
        "document": "CF v3 API docs",
        "requirement": "Get a job 502 (BadGateway)",
        "operation": "getJob",
        "detail": "the body is not one error",
    }
    assert str(error) == "CF v3 API docs Get a job 502 (BadGateway): the body is not one error"


def test_the_report_has_one_row_per_requirement_read_from_fields(tmp_path: Path) -> None:
    violated = {"document": "OGC 18-062r2", "violated": "/req/core/job-exception-no-such-job"}
    secret = "Reproduce with: curl -H 'Authorization: Bearer s3cr3t' http://127.0.0.1:1/jobs/x"
    results = [
        _report("suites/ogc/test_errors.py::test_a[1]", "passed", requirement="OGC 18-062r2 /req/core/job-success"),
        *(
            _report(
                f"suites/ogc/test_errors.py::test_b[{'x' * 300}-{index}]",
                "failed",
                "AssertionError: the text is never parsed",
                requirement="OGC 18-062r2 /req/core/job-success",
                detail=f"GET /jobs/x -> 500: the body breaks the schema {index}\n{secret}",
                request="GET http://127.0.0.1:1/jobs/x -> 500\nresponse body: {}",
                **violated,
            )
            for index in range(3)
        ),
        _report(
            "suites/cf/test_errors.py::test_c",
            "skipped",
            ("suites/cf/test_errors.py", 1, "Skipped: not verified: needs a FAILED job; give --cf-failed-job"),
            when="setup",
            requirement="CF v3 API docs Errors (#errors)",
        ),
        _report(
            "suites/ogc/test_dismiss.py::test_d",
            "skipped",
            ("suites/ogc/test_dismiss.py", 1, "Skipped: not applicable: the server does not declare dismiss"),
            when="setup",
            requirement="OGC 18-062r2 /req/dismiss/job-dismiss-success",
        ),
    ]
    assert [r.outcome for r in results] == ["passed", "failed", "failed", "failed", "not_verified", "not_applicable"]
    assert results[1].requirement == Requirement("OGC 18-062r2", "/req/core/job-exception-no-such-job")
    path = tmp_path / "gate" / "report.md"
    html_path = write_report(path, results, {"ogc": "http://127.0.0.1:1", "cf": "embedded mock"}, Redactor())
    text = path.read_text()
    assert "Does not conform: ogc. Requirements: 1 fails, 1 not verified, 0 waived, 1 conforms" in text
    assert "| [ogc](#ogc) | http://127.0.0.1:1 | FAILS | 1 | 1 | 0 | 0 | 1 |" in text
    assert "| [cf](#cf) | embedded mock | NOT VERIFIED | 0 | 0 | 1 | 0 | 0 |" in text
    assert text.count("/req/core/job-exception-no-such-job |") == 1, "one row for the three failures"
    assert "| FAILS | OGC 18-062r2 | /req/core/job-exception-no-such-job | 3 failed | GET /jobs/x -> 500" in text
    assert "(and 2 other reasons)" in text
    assert "| CONFORMS | OGC 18-062r2 | /req/core/job-success | 1 passed |  |" in text
    assert "| NOT VERIFIED | CF v3 API docs | Errors (#errors) | 1 not verified | needs a FAILED job; give" in text
    assert "| N/A | OGC 18-062r2 | /req/dismiss/job-dismiss-success | 1 not applicable |" in text
    failures = text.split("### ogc: failures, one example per requirement", 1)[1]
    assert failures.count("#### FAILS") == 1 and "GET http://127.0.0.1:1/jobs/x -> 500" in failures
    assert "x" * 200 not in text, "long ids are shortened"
    assert "never parsed" not in text, "the fields are read, not the message"
    page = html_path.read_text()
    assert html_path == tmp_path / "gate" / "report.html"
    assert "<span class='b failed'>FAILS</span>" in page and "/req/core/job-exception-no-such-job" in page
    assert "s3cr3t" not in text + page and "Authorization: [redacted]" in text, "redacted before rendering"
    assert " object at 0x" not in text + page


def test_other_tests_are_not_in_the_report() -> None:
    report = pytest.TestReport("tests/test_x.py::test_y", ("tests/test_x.py", 1, "test_y"), {}, "passed", None, "call")
    assert result_of(report) is None


def test_every_suite_test_names_its_requirement() -> None:
    """One mechanism: `@pytest.mark.requirement(document, section)` on every test, with its API's document."""
    for path in sorted((ROOT / "suites").glob("*/test_*.py")):
        document = contracts.load(path.parent.name).document_name
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                marks = [
                    d
                    for d in node.decorator_list
                    if isinstance(d, ast.Call) and ast.unparse(d.func) == "pytest.mark.requirement"
                ]
                assert len(marks) == 1, f"{path.name}::{node.name} has {len(marks)} requirement markers"
                args = [ast.literal_eval(arg) for arg in marks[0].args]
                assert len(args) == 2 and args[0] == document and args[1], f"{path.name}::{node.name}: {args}"


# -- the gate, end to end ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served_mocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Serving]]:
    """The four mocks, each in its own process and playing a provider's server; Cloud Foundry's faulty."""
    folder = tmp_path_factory.mktemp("accounts")
    with ExitStack() as stack:
        yield {
            api: stack.enter_context(
                served(api, *serve_args(api, folder), *(["--variant", FAULTY_CF] if api == "cf" else []))
            )
            for api in contracts.APIS
        }


@pytest.fixture(scope="module")
def gate(served_mocks: dict[str, Serving], tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """`--gate` on the four servers with every option, as a provider's CI job gives them (secrets by variable)."""
    out = tmp_path_factory.mktemp("gate")
    env: dict[str, str | None] = {name: None for name in os.environ if name.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=AWS_KEY, AWS_SECRET_ACCESS_KEY=AWS_SECRET, JOBCONTRACT_CF_TOKEN=CF_TOKEN)
    env["JOBCONTRACT_CLC_PASSWORD"] = CLC_PASSWORD
    options = []
    for api, serving in served_mocks.items():
        given = every_option(api, serving)
        options += [o for o in given if not o.startswith(("--cf-token=", "--clc-password="))]
    command = ["--gate", "-n", "2", "--showlocals", "--log-level=DEBUG", *options]
    command += [f"--junitxml={out / 'junit.xml'}", f"--conformance-report={out / 'gate.md'}"]
    run = run_suite("", *command, env=env)
    return {
        "run": run,
        "junit": (out / "junit.xml").read_text(),
        "markdown": (out / "gate.md").read_text(),
        "html": (out / "gate.html").read_text(),
        "urls": {api: serving.url for api, serving in served_mocks.items()},
    }


@pytest.mark.slow
def test_the_gate_fails_on_the_faulty_server_alone(gate: dict[str, object]) -> None:
    run = gate["run"]
    assert isinstance(run, subprocess.CompletedProcess)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    failed = re.findall(r"^FAILED (\S+)", run.stdout, re.M)
    assert failed and all(nodeid.startswith("suites/cf/") for nodeid in failed), failed
    assert counts(run)["skipped"] == 0, "every option given: every requirement verified"


@pytest.mark.slow
def test_the_junit_file_names_each_failure_and_its_requirement(gate: dict[str, object]) -> None:
    root = ET.fromstring(str(gate["junit"]))
    cases = list(root.iter("testcase"))
    failures = [(case, case.find("failure")) for case in cases if case.find("failure") is not None]
    assert failures
    for case, failure in failures:
        assert case.get("classname", "").startswith("suites.cf."), case.attrib
        assert f"CF v3 API docs {CF_404}" in failure.get("message", ""), failure.get("message")
        properties = {p.get("name"): p.get("value") for p in case.iter("property")}
        assert properties["document"] == "CF v3 API docs" and properties["violated"] == CF_404, properties
        assert properties["operation"] == "getJob" and properties["response"].startswith("404 "), properties
    passed = {c.get("classname", "").split(".")[1] for c in cases if all(e.tag == "properties" for e in c)}
    assert {"ogc", "clc", "importexport", "cf"} <= passed
    properties = {p.get("name") for p in root.iter("property")}
    assert {"requirement", "request"} <= properties


@pytest.mark.slow
def test_the_report_shows_each_api_its_verdict_and_the_failed_request(gate: dict[str, object]) -> None:
    text, urls = str(gate["markdown"]), gate["urls"]
    assert isinstance(urls, dict)
    assert text.startswith("# jobcontract conformance report\n\nDoes not conform: cf.")
    for api in ("ogc", "importexport", "clc"):
        assert re.search(rf"\| \[{api}\]\(#{api}\) \| {re.escape(urls[api])} \| CONFORMS \| \d+ \| 0 \| 0 \|", text)
        assert f"\n## {api}\n\n**CONFORMS** against {urls[api]}" in text
    assert f"| [cf](#cf) | {urls['cf']} | FAILS |" in text
    assert "| CONFORMS | OGC 18-062r2 | /req/core/job-success |" in text
    assert f"| FAILS | CF v3 API docs | {CF_404} |" in text
    assert text.count(f"| FAILS | CF v3 API docs | {CF_404} |") == 1, "one row per requirement"
    failures = text.split("### cf: failures, one example per requirement", 1)[1]
    assert f"#### FAILS: CF v3 API docs {CF_404}" in failures
    assert re.search(rf"GET {re.escape(urls['cf'])}/v3/jobs/\S+\nanswer: 404 .*CF-NotFound", failures), failures
    assert "(no requirement marker)" not in text and "embedded mock" not in text
    page = str(gate["html"])
    assert "<h2 id='cf'>cf <span class='b failed'>FAILS</span></h2>" in page and CF_404 in page


@pytest.mark.slow
def test_the_live_log_and_the_log_file_are_redacted(tmp_path: Path) -> None:
    """They are written while the run goes, before any report exists: the records themselves are redacted."""
    log_file = tmp_path / "suite.log"
    with served("cf") as cf:
        run = run_suite(
            "cf",
            f"--cf-url={cf.url}",
            f"--cf-token={CF_TOKEN}",
            "--log-cli-level=DEBUG",
            f"--log-file={log_file}",
            "--log-file-level=DEBUG",
            "-k",
            "a_path_that_does_not_exist",
        )
    assert run.returncode == 0, run.stdout[-3000:]
    for name, text in {"live log": run.stdout + run.stderr, "log file": log_file.read_text()}.items():
        assert CF_TOKEN not in text, f"the token is in the {name}"
        assert "/v3/no-such-resource/1 headers=" in text and "'Authorization': '[redacted]'" in text, text[-3000:]


@pytest.mark.slow
def test_no_secret_reaches_any_output(gate: dict[str, object]) -> None:
    run = gate["run"]
    assert isinstance(run, subprocess.CompletedProcess)
    outputs = {
        "stdout": run.stdout,
        "stderr": run.stderr,
        "junit": gate["junit"],
        "markdown": gate["markdown"],
        "html": gate["html"],
    }
    for name, text in outputs.items():
        for secret in SECRETS:
            assert secret not in str(text), f"{secret!r} is in the {name}"
    # the failing requests carried the token (shown with --showlocals), redacted
    assert "auth = {'Authorization': '[redacted]'}" in run.stdout
