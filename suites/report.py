"""The conformance report (`--conformance-report PATH`) and the redaction every output goes through.

A pytest plugin, loaded by the root conftest. On every test it
- notes the requirement the test checks (its `@pytest.mark.requirement(document, section)`), and for a
  failure the one its message names (failures start with the document and requirement), and the last
  request the test's Target made (`remember_exchange`, a hook on `Target.session`), as report
  `user_properties` (so the JUnit file carries them too);
- redacts secrets (tokens, passwords, AWS keys, `Authorization` headers, every `kind="secret"` option)
  from the report before any consumer sees it: terminal, JUnit, captured output and logs, xdist; and
  from each log record before the live log (`--log-cli-level`) or the log file (`--log-file`) gets it.
At the end of the session the controller writes PATH (Markdown) and PATH with `.html`, grouped by API
(`suites/<api>/`) and requirement, each with its result, reason and failed request.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

import contracts

REDACTED = "[redacted]"
REQUIREMENT, REQUEST = "requirement", "request"
BODY_EXCERPT = 300
AWS_SECRET_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")

# (pattern, replacement): each keeps the name and redacts the value after it.
_SECRET_HEADER = r"(?:proxy-)?authorization|x-auth-token|cookie|set-cookie|x-amz-security-token|x-api-key"
_SECRET_FIELD = (
    r"password|passwd|bearerToken|access_token|refresh_token|id_token|client_secret|token|"
    r"aws_secret_access_key|secret_key|session_token|secretAccessKey|sessionToken"
)
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # headers in any notation: `Authorization: Bearer x`, `'Authorization': 'Bearer x'`, curl's -H
    (re.compile(rf"""(["']?\b(?:{_SECRET_HEADER})["']?\s*[:=]\s*["']?)[^"'\r\n]+""", re.I), rf"\g<1>{REDACTED}"),
    # JSON members, Python dict items and keyword arguments: `"password": "x"`, `password='x'`
    (
        re.compile(rf"""(["']?\b(?:{_SECRET_FIELD})["']?\s*[:=]\s*)(["'])(?:\\.|(?!\2).)*\2""", re.I),
        rf"\1\2{REDACTED}\2",
    ),
    # form and query fields
    (
        re.compile(
            r"((?:^|[?&\s])(?:password|token|Signature|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token"
            r"|AWSAccessKeyId|SecurityToken)=)[^&\s'\"]+",
            re.I,
        ),
        rf"\1{REDACTED}",
    ),
    # a password in a URL: https://user:secret@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@", re.I), rf"\1{REDACTED}@"),
    # AWS access key ids, wherever they stand (SigV4 Credential=AKIA.../...)
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b"), REDACTED),
)


class Redactor:
    """Replaces known secret values and anything shaped like a credential with `[redacted]`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        for pattern, replacement in PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def scrub(self, value: Any) -> Any:
        """`value` with every string in it redacted: strings, lists, tuples, dicts and pytest's
        dataclass representations of a failure (changed in place, so that they keep their shape)."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self.scrub(item) for item in value)
        if isinstance(value, dict):
            return {key: self.scrub(item) for key, item in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for member in dataclasses.fields(value):
                object.__setattr__(value, member.name, self.scrub(getattr(value, member.name)))
        return value

    def scrub_report(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        report.longrepr = self.scrub(report.longrepr)
        report.sections = self.scrub(report.sections)
        if isinstance(report, pytest.TestReport):
            report.user_properties = self.scrub(report.user_properties)


class RedactingFilter(logging.Filter):
    """Redacts each log record before a handler writes it: pytest's live log (`--log-cli-level`) and
    log file (`--log-file`) are written as the run goes, before any report exists to be scrubbed."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redactor(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        return True


def redactor_for(config: pytest.Config) -> Redactor:
    """The redactor of a run: every `kind="secret"` option's value and the AWS credentials in the
    environment, besides the patterns."""
    from conftest import OPTIONS, option_value

    secrets = [str(option_value(config, option.dest) or "") for option in OPTIONS if option.kind == "secret"]
    secrets += [os.environ.get(name, "") for name in AWS_SECRET_VARIABLES]
    return Redactor(secrets)


# -- the request a test made last (a response hook on every Target's session) ---------------------
_last_exchange: list[requests.Response] = []


def remember_exchange(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A `requests` response hook: keeps the test's latest request and answer for the report."""
    _last_exchange[:] = [response]


def _excerpt(body: bytes | str | None) -> str:
    if not body:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    text = " ".join(text.split())
    return text[:BODY_EXCERPT] + (" ..." if len(text) > BODY_EXCERPT else "")


def describe_exchange(response: requests.Response) -> str:
    """`METHOD URL -> status`, then the request body and the answer's body, both cut short."""
    request = response.request
    lines = [f"{request.method} {request.url} -> {response.status_code}"]
    if request.body:
        lines.append(f"request body: {_excerpt(request.body)}")
    lines.append(f"response body: {_excerpt(response.content) or '(empty)'}")
    return "\n".join(lines)


# -- what one test checked, and how it went ----------------------------------------------------------
@dataclass(frozen=True)
class Requirement:
    document: str
    section: str

    def __str__(self) -> str:
        return f"{self.document} {self.section}"


@dataclass
class Result:
    nodeid: str
    api: str
    outcome: str  # passed | failed | skipped
    requirement: Requirement
    reason: str = ""
    request: str = ""


UNMARKED = "(no requirement marker)"
_EXCEPTION_PREFIX = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Violation|Group|Failed): ")


def api_of(nodeid: str) -> str | None:
    """The API of a suite test (`suites/<api>/...`), None for any other test."""
    parts = nodeid.split("::", 1)[0].replace("\\", "/").split("/")
    if "suites" in parts:
        index = parts.index("suites")
        if index + 2 < len(parts) and parts[index + 1] in contracts.APIS:
            return parts[index + 1]
    return None


def documents() -> dict[str, str]:
    return {api: contracts.load(api).document_name for api in contracts.APIS}


def named_requirement(message: str, api: str) -> Requirement | None:
    """The requirement a failure message names (`<document> <section>: ...`), if it names one."""
    document = documents()[api]
    start = message.find(document + " ")
    if start < 0:
        return None
    rest, depth = message[start + len(document) + 1 :], 0
    for index, char in enumerate(rest):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "\n" or (depth <= 0 and rest.startswith(": ", index)):
            return Requirement(document, rest[:index].strip()) if index else None
    return Requirement(document, rest.strip()) if rest.strip() else None


def failure_message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = str(crash.message) if crash is not None else str(report.longrepr or "").strip()
    return _EXCEPTION_PREFIX.sub("", message, count=1)


def skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr or "")


def result_of(report: pytest.TestReport) -> Result | None:
    """The Result a report stands for, or None (not a suite test, or a phase that says nothing new)."""
    api = api_of(report.nodeid)
    if api is None or not (report.when == "call" or report.failed or report.skipped):
        return None
    properties = dict(report.user_properties)
    document, marked = documents()[api], str(properties.get(REQUIREMENT, ""))
    requirement = Requirement(document, marked.removeprefix(document + " ") if marked else UNMARKED)
    if report.failed:
        message = failure_message(report)
        requirement = named_requirement(message, api) or requirement
        outcome, reason = "failed", message
    elif report.skipped:
        outcome, reason = "skipped", skip_reason(report)
    else:
        outcome, reason = "passed", ""
    if report.when == "teardown" and report.failed:
        reason = f"(in teardown) {reason}"
    return Result(report.nodeid, api, outcome, requirement, reason, str(properties.get(REQUEST, "")))


# -- the report -------------------------------------------------------------------------------------
@dataclass
class Row:
    requirement: Requirement
    results: list[Result] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(result.outcome == outcome for result in self.results)

    @property
    def outcome(self) -> str:
        return "failed" if self.count("failed") else "passed" if self.count("passed") else "skipped"

    @property
    def tests(self) -> str:
        return ", ".join(f"{self.count(o)} {o}" for o in ("failed", "passed", "skipped") if self.count(o))

    @property
    def reason(self) -> str:
        if self.outcome == "failed":
            first = next(r.reason for r in self.results if r.outcome == "failed").split("\n", 1)[0]
            return first.removeprefix(f"{self.requirement}: ")  # the row names the requirement already
        skips = sorted({r.reason for r in self.results if r.outcome == "skipped"})
        if not skips:
            return ""
        return "skipped: " + "; ".join(skips)


@dataclass
class ApiSection:
    api: str
    target: str
    rows: list[Row]

    @property
    def results(self) -> list[Result]:
        return [result for row in self.rows for result in row.results]

    def count(self, outcome: str) -> int:
        return sum(result.outcome == outcome for result in self.results)

    @property
    def verdict(self) -> str:
        return "FAIL" if self.count("failed") else "PASS" if self.count("passed") else "SKIP"


BADGE = {"failed": "FAIL", "passed": "PASS", "skipped": "SKIP"}
ORDER = {"failed": 0, "passed": 1, "skipped": 2}


def sections(results: Iterable[Result], targets: dict[str, str]) -> list[ApiSection]:
    """The report's content: one section per API that ran, its requirements failures first."""
    found = []
    for api in contracts.APIS:
        rows: dict[Requirement, Row] = {}
        for result in results:
            if result.api == api:
                rows.setdefault(result.requirement, Row(result.requirement)).results.append(result)
        if rows:
            ordered = sorted(rows.values(), key=lambda row: (ORDER[row.outcome], row.requirement.section))
            found.append(ApiSection(api, targets.get(api, "embedded mock"), ordered))
    return found


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: str) -> str:
    return "`" + _cell(text).replace("`", "'") + "`"


def markdown(api_sections: list[ApiSection], summary: str) -> str:
    lines = ["# jobcontract conformance report", "", summary, ""]
    lines += ["| API | target | verdict | passed | failed | skipped |", "| --- | --- | --- | --- | --- | --- |"]
    for section in api_sections:
        counts = " | ".join(str(section.count(o)) for o in ("passed", "failed", "skipped"))
        lines.append(f"| [{section.api}](#{section.api}) | {_cell(section.target)} | {section.verdict} | {counts} |")
    for section in api_sections:
        lines += ["", f"## {section.api}", "", f"**{section.verdict}** against {section.target}", ""]
        lines += ["| result | document | requirement or documented response | tests | reason |"]
        lines += ["| --- | --- | --- | --- | --- |"]
        for row in section.rows:
            cells = (BADGE[row.outcome], row.requirement.document, row.requirement.section, row.tests, row.reason)
            lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
        failures = [result for result in section.results if result.outcome == "failed"]
        if failures:
            lines += ["", f"### {section.api}: failures", ""]
        for result in failures:
            lines += [f"#### {_code(result.nodeid)}", "", f"- document: {result.requirement.document}"]
            lines += [f"- requirement: {result.requirement.section}", "", "```", result.reason.strip(), "```"]
            if result.request:
                lines += ["", "Request:", "", "```", result.request.strip(), "```"]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;max-width:75em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;
vertical-align:top}th{background:#f3f3f3}.b{font-weight:bold;padding:.1em .5em;border-radius:.3em;color:#fff}
.failed,.FAIL{background:#c62828}.passed,.PASS{background:#2e7d32}.skipped,.SKIP{background:#9e9e9e}
pre{background:#f7f7f7;border:1px solid #ddd;padding:.6em;white-space:pre-wrap}
"""


def render_html(api_sections: list[ApiSection], summary: str) -> str:
    e = html.escape
    out = ["<!doctype html><html><head><meta charset='utf-8'><title>jobcontract conformance report</title>"]
    out += [f"<style>{_STYLE}</style></head><body><h1>jobcontract conformance report</h1><p>{e(summary)}</p>"]
    out.append(
        "<table><tr><th>API</th><th>target</th><th>verdict</th><th>passed</th><th>failed</th><th>skipped</th></tr>"
    )
    for s in api_sections:
        counts = "".join(f"<td>{s.count(o)}</td>" for o in ("passed", "failed", "skipped"))
        out.append(
            f"<tr><td><a href='#{s.api}'>{s.api}</a></td><td>{e(s.target)}</td>"
            f"<td><span class='b {s.verdict}'>{s.verdict}</span></td>{counts}</tr>"
        )
    out.append("</table>")
    for s in api_sections:
        out.append(f"<h2 id='{s.api}'>{s.api} <span class='b {s.verdict}'>{s.verdict}</span></h2>")
        out.append(f"<p>against {e(s.target)}</p><table><tr><th>result</th><th>document</th>")
        out.append("<th>requirement or documented response</th><th>tests</th><th>reason</th></tr>")
        for row in s.rows:
            out.append(
                f"<tr><td><span class='b {row.outcome}'>{BADGE[row.outcome]}</span></td>"
                f"<td>{e(row.requirement.document)}</td><td>{e(row.requirement.section)}</td>"
                f"<td>{e(row.tests)}</td><td>{e(row.reason)}</td></tr>"
            )
        out.append("</table>")
        for result in (r for r in s.results if r.outcome == "failed"):
            out.append(f"<h4><code>{e(result.nodeid)}</code></h4>")
            out.append(f"<p>{e(result.requirement.document)}: <b>{e(result.requirement.section)}</b></p>")
            out.append(f"<pre>{e(result.reason.strip())}</pre>")
            if result.request:
                out.append(f"<p>Request:</p><pre>{e(result.request.strip())}</pre>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_report(path: Path, results: list[Result], targets: dict[str, str], redact: Callable[[str], str]) -> Path:
    """Write the Markdown report at `path` and the HTML one next to it; returns the HTML path. Everything
    shown is redacted before it is rendered (HTML escaping would hide a quoted secret from the patterns)."""
    results = [
        dataclasses.replace(r, nodeid=redact(r.nodeid), reason=redact(r.reason), request=redact(r.request))
        for r in results
    ]
    targets = {api: redact(target) for api, target in targets.items()}
    api_sections = sections(results, targets)
    counts = {o: sum(r.outcome == o for r in results) for o in ("passed", "failed", "skipped")}
    failing = [s.api for s in api_sections if s.verdict == "FAIL"]
    verdict = f"Does not conform: {', '.join(failing)}." if failing else "Conforms."
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    summary = f"{verdict} {counts['failed']} failed, {counts['passed']} passed, {counts['skipped']} skipped ({stamp})."
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact(markdown(api_sections, summary)), encoding="utf-8")
    html_path = path.with_suffix(".html")
    html_path.write_text(render_html(api_sections, summary), encoding="utf-8")
    return html_path


# -- the plugin ---------------------------------------------------------------------------------------
_REDACTOR = pytest.StashKey[Redactor]()


def report_path(config: pytest.Config) -> Path | None:
    from conftest import option_value

    value = option_value(config, "conformance_report")
    return Path(str(value)) if value else None


class ConformanceReport:
    """Collects the suite tests' results (from every xdist worker) and writes the report at the end."""

    def __init__(self, config: pytest.Config, path: Path) -> None:
        self.config = config
        self.path = path
        self.results: list[Result] = []
        self.html_path: Path | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = result_of(report)
        if result is not None:
            self.results.append(result)

    def pytest_sessionfinish(self) -> None:
        from conftest import option_value
        from mocks.pytest_plugin import mock_variant

        redact = self.config.stash[_REDACTOR]
        targets = {}
        for api in contracts.APIS:
            url = option_value(self.config, f"{api}_url")
            variant = mock_variant(self.config, api)
            targets[api] = str(url) if url else "embedded mock" + (f" (faulty variant {variant})" if variant else "")
        self.html_path = write_report(self.path, self.results, targets, redact)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.html_path is not None:
            terminalreporter.write_sep("-", f"conformance report: {self.path} and {self.html_path}")


@pytest.hookimpl(trylast=True)  # after the root conftest has read the options
def pytest_configure(config: pytest.Config) -> None:
    config.stash[_REDACTOR] = redactor_for(config)
    path = report_path(config)
    if path is None or hasattr(config, "workerinput"):  # xdist workers send their reports to the controller
        return
    if path.suffix.lower() in (".html", ".htm"):
        raise pytest.UsageError(
            "--conformance-report (or JOBCONTRACT_CONFORMANCE_REPORT) names the Markdown report; the HTML one"
            f" is written next to it: give {path.with_suffix('.md')}, not {path}"
        )
    config.pluginmanager.register(ConformanceReport(config, path), "jobcontract-conformance-report")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Redact the log handlers that write while the run goes (pytest's logging plugin made them at configure)."""
    logging_plugin = session.config.pluginmanager.get_plugin("logging-plugin")
    redacting = RedactingFilter(session.config.stash[_REDACTOR])
    for name in ("log_cli_handler", "log_file_handler"):
        handler = getattr(logging_plugin, name, None)
        if isinstance(handler, logging.Handler):
            handler.addFilter(redacting)


def pytest_runtest_setup(item: pytest.Item) -> None:
    _last_exchange.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report: pytest.TestReport = yield
    # on the item, so that the teardown report carries them to the JUnit file; on this report for ours
    properties = item.user_properties
    marker = item.get_closest_marker("requirement")
    if marker is not None and REQUIREMENT not in dict(properties):
        properties.append((REQUIREMENT, " ".join(str(arg) for arg in marker.args)))
    if report.failed and _last_exchange and REQUEST not in dict(properties):
        properties.append((REQUEST, describe_exchange(_last_exchange[0])))
    report.user_properties = list(properties)
    item.config.stash[_REDACTOR].scrub_report(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    report: pytest.CollectReport = yield
    if report.failed:
        collector.config.stash[_REDACTOR].scrub_report(report)
    return report
