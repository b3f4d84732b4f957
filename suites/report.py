"""The conformance report (`--conformance-report PATH`) and the redaction every output goes through.

A pytest plugin, part of `jobcontract` (loaded with suites/options.py). On every test it
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

from jobcontract import contracts
from jobcontract.mocks.redaction import Redactor

REQUIREMENT, REQUEST, API_PROPERTY = "requirement", "request", "api"
BODY_EXCERPT = 300
AWS_SECRET_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def scrub_report(redactor: Redactor, report: pytest.TestReport | pytest.CollectReport) -> None:
    report.longrepr = redactor.scrub(report.longrepr)
    report.sections = redactor.scrub(report.sections)
    if isinstance(report, pytest.TestReport):
        report.user_properties = redactor.scrub(report.user_properties)


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
    from jobcontract.suites.options import OPTIONS, option_value

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
        return f"{self.document} {self.section}".strip()


# A test's outcome, and a requirement's verdict, in the report's words.
OUTCOMES = ("failed", "not_verified", "waived", "passed", "not_applicable")
VERDICT = {
    "failed": "FAILS",
    "not_verified": "NOT VERIFIED",
    "waived": "WAIVED",
    "passed": "CONFORMS",
    "not_applicable": "N/A",
}
NODEID_LIMIT = 120


@dataclass
class Result:
    nodeid: str
    api: str
    outcome: str  # one of OUTCOMES
    requirement: Requirement
    reason: str = ""
    request: str = ""
    response: str = ""
    operation: str = ""


UNMARKED = "(no requirement marker)"
_OBJECT_REPR = re.compile(r"<([\w.]+) object at 0x[0-9a-fA-F]+>")
_EXCEPTION_PREFIX = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Violation|Group|Failed): ")


def api_of(path: str) -> str | None:
    """The API of a suite test from its file's path or node id (`.../suites/<api>/...`), None for any other test.
    Give it the path (`str(item.path)`): an installed suite's node ids are relative to the package."""
    parts = path.split("::", 1)[0].replace("\\", "/").split("/")
    if "suites" in parts:
        index = parts.index("suites")
        if index + 2 < len(parts) and parts[index + 1] in contracts.APIS:
            return parts[index + 1]
    return None


def documents() -> dict[str, str]:
    return {api: contracts.load(api).document_name for api in contracts.APIS}


def failure_message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = str(crash.message) if crash is not None else str(report.longrepr or "").strip()
    return _EXCEPTION_PREFIX.sub("", message, count=1)


def skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr or "")


def shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def result_of(report: pytest.TestReport) -> Result | None:
    """The Result a report stands for, or None (not a suite test, or a phase that says nothing new). It reads
    the fields the plugin put on the report (the requirement marker, a violation's fields), never the text."""
    from jobcontract.suites.common import NOT_APPLICABLE, NOT_VERIFIED

    properties = dict(report.user_properties)
    api = str(properties.get(API_PROPERTY, "")) or api_of(report.nodeid)
    if not api or not (report.when == "call" or report.failed or report.skipped):
        return None
    document, marked = documents()[api], str(properties.get(REQUIREMENT, ""))
    requirement = Requirement(document, marked.removeprefix(document + " ") if marked else UNMARKED)
    if "violated" in properties:
        requirement = Requirement(str(properties.get("document", "")), str(properties["violated"]))
    reason = ""
    if hasattr(report, "wasxfail") and WAIVED_PROPERTY in properties:
        outcome, reason = "waived", str(properties[WAIVED_PROPERTY])
    elif report.failed:
        outcome = "failed"
        reason = str(properties.get("detail") or failure_message(report))
        if report.when != "call":
            reason = f"(in {report.when}) {reason}"
    elif report.skipped:
        reason = skip_reason(report)
        outcome = "not_applicable" if reason.startswith(NOT_APPLICABLE) else "not_verified"
        reason = reason.removeprefix(NOT_APPLICABLE).removeprefix(NOT_VERIFIED)
    else:
        outcome = "passed"
    reason = _OBJECT_REPR.sub(r"<\1>", reason)  # an address says nothing to a reader
    return Result(
        report.nodeid,
        api,
        outcome,
        requirement,
        reason,
        str(properties.get(REQUEST, "")),
        str(properties.get("response", "")),
        str(properties.get("operation", "")),
    )


# -- the report -------------------------------------------------------------------------------------
@dataclass
class Row:
    """One requirement: its verdict, how many checks gave each outcome, and one example of its failures."""

    requirement: Requirement
    results: list[Result] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(result.outcome == outcome for result in self.results)

    @property
    def outcome(self) -> str:
        return next((o for o in OUTCOMES if self.count(o)), "not_applicable")

    @property
    def verdict(self) -> str:
        return VERDICT[self.outcome]

    @property
    def tests(self) -> str:
        words = {"failed": "failed", "not_verified": "not verified", "waived": "waived", "passed": "passed"}
        words["not_applicable"] = "not applicable"
        return ", ".join(f"{self.count(o)} {words[o]}" for o in OUTCOMES if self.count(o))

    @property
    def example(self) -> Result | None:
        return next((r for r in self.results if r.outcome == self.outcome), None)

    @property
    def reason(self) -> str:
        if self.outcome == "passed":
            return ""
        reasons = list(dict.fromkeys(r.reason for r in self.results if r.outcome == self.outcome and r.reason))
        first = reasons[0].split("\n", 1)[0] if reasons else ""
        others = len(reasons) - 1
        more = f" (and {others} other reason{'s' if others > 1 else ''})" if others else ""
        # a failure's text may quote a whole answer; a not-verified reason is ours and names the options to give
        return (shorten(first, 240) if self.outcome == "failed" else first) + more


@dataclass
class ApiSection:
    api: str
    target: str
    rows: list[Row]

    def count(self, outcome: str) -> int:
        """Requirements with this verdict."""
        return sum(row.outcome == outcome for row in self.rows)

    @property
    def verdict(self) -> str:
        return next((VERDICT[o] for o in ("failed", "not_verified") if self.count(o)), "CONFORMS")


ORDER = {outcome: index for index, outcome in enumerate(OUTCOMES)}
BADGE = {outcome: VERDICT[outcome] for outcome in OUTCOMES}
CLASS = {"FAILS": "failed", "NOT VERIFIED": "unverified", "WAIVED": "waived", "CONFORMS": "passed", "N/A": "na"}
COLUMNS = ("conforms", "fails", "not verified", "waived", "n/a")
COLUMN_OUTCOMES = ("passed", "failed", "not_verified", "waived", "not_applicable")


def sections(results: Iterable[Result], targets: dict[str, str]) -> list[ApiSection]:
    """The report's content: one section per API that ran, one row per requirement, failures first."""
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


def _example_lines(row: Row) -> list[str]:
    example = row.example
    if example is None:
        return []
    lines = [f"- checks: {row.tests}", f"- example: {_code(shorten(example.nodeid, NODEID_LIMIT))}"]
    if example.operation:
        lines.append(f"- operation: {example.operation}")
    lines += ["", "```", shorten(example.reason, 1200) if "\n" not in example.reason else example.reason[:1200]]
    lines.append("```")
    if example.request:
        lines += ["", "Request and answer:", "", "```", example.request.strip()]
        if example.response and example.response not in example.request:
            lines.append(f"answer: {example.response}")
        lines.append("```")
    return lines


def markdown(api_sections: list[ApiSection], summary: str, notes: list[str]) -> str:
    lines = ["# jobcontract conformance report", "", summary, ""]
    lines += [f"- {note}" for note in notes] + ([""] if notes else [])
    lines += ["Requirements per API:", ""]
    lines += ["| API | target | verdict | " + " | ".join(COLUMNS) + " |", "| --- " * (3 + len(COLUMNS)) + "|"]
    for section in api_sections:
        counts = " | ".join(str(section.count(o)) for o in COLUMN_OUTCOMES)
        lines.append(f"| [{section.api}](#{section.api}) | {_cell(section.target)} | {section.verdict} | {counts} |")
    for section in api_sections:
        lines += ["", f"## {section.api}", "", f"**{section.verdict}** against {section.target}", ""]
        lines += ["| verdict | document | requirement | checks | reason |", "| --- | --- | --- | --- | --- |"]
        for row in section.rows:
            cells = (row.verdict, row.requirement.document, row.requirement.section, row.tests, row.reason)
            lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
        failing = [row for row in section.rows if row.outcome in ("failed", "waived")]
        if failing:
            lines += ["", f"### {section.api}: failures, one example per requirement", ""]
        for row in failing:
            lines += [f"#### {row.verdict}: {_cell(str(row.requirement))}", "", *_example_lines(row), ""]
    return "\n".join(lines).rstrip() + "\n"


_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;max-width:75em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;
vertical-align:top}th{background:#f3f3f3}.b{font-weight:bold;padding:.1em .5em;border-radius:.3em;color:#fff}
.failed{background:#c62828}.passed{background:#2e7d32}.unverified{background:#ef6c00}.waived{background:#6a1b9a}
.na{background:#9e9e9e}pre{background:#f7f7f7;border:1px solid #ddd;padding:.6em;white-space:pre-wrap}
"""


def _badge(verdict: str) -> str:
    return f"<span class='b {CLASS[verdict]}'>{html.escape(verdict)}</span>"


def render_html(api_sections: list[ApiSection], summary: str, notes: list[str]) -> str:
    e = html.escape
    out = ["<!doctype html><html><head><meta charset='utf-8'><title>jobcontract conformance report</title>"]
    out += [f"<style>{_STYLE}</style></head><body><h1>jobcontract conformance report</h1><p>{e(summary)}</p>"]
    if notes:
        out.append("<ul>" + "".join(f"<li>{e(note)}</li>" for note in notes) + "</ul>")
    out.append("<table><tr><th>API</th><th>target</th><th>verdict</th>" + "".join(f"<th>{c}</th>" for c in COLUMNS))
    for s in api_sections:
        counts = "".join(f"<td>{s.count(o)}</td>" for o in COLUMN_OUTCOMES)
        link = f"<a href='#{s.api}'>{s.api}</a>"
        out.append(f"<tr><td>{link}</td><td>{e(s.target)}</td><td>{_badge(s.verdict)}</td>{counts}</tr>")
    out.append("</table>")
    for s in api_sections:
        out.append(f"<h2 id='{s.api}'>{s.api} {_badge(s.verdict)}</h2><p>against {e(s.target)}</p>")
        out.append(
            "<table><tr><th>verdict</th><th>document</th><th>requirement</th><th>checks</th><th>reason</th></tr>"
        )
        for row in s.rows:
            out.append(
                f"<tr><td>{_badge(row.verdict)}</td><td>{e(row.requirement.document)}</td>"
                f"<td>{e(row.requirement.section)}</td><td>{e(row.tests)}</td><td>{e(row.reason)}</td></tr>"
            )
        out.append("</table>")
        for row in (r for r in s.rows if r.outcome in ("failed", "waived")):
            example = row.example
            assert example is not None
            out.append(f"<h4>{_badge(row.verdict)} {e(str(row.requirement))}</h4>")
            out.append(f"<p>{e(row.tests)}; example <code>{e(shorten(example.nodeid, NODEID_LIMIT))}</code></p>")
            out.append(f"<pre>{e(example.reason.strip()[:1200])}</pre>")
            if example.request:
                out.append(f"<p>Request and answer:</p><pre>{e(example.request.strip())}</pre>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def summary_line(api_sections: list[ApiSection]) -> str:
    counts = {o: sum(s.count(o) for s in api_sections) for o in OUTCOMES}
    failing = [s.api for s in api_sections if s.verdict == "FAILS"]
    unverified = [s.api for s in api_sections if s.verdict == "NOT VERIFIED"]
    if failing:
        verdict = f"Does not conform: {', '.join(failing)}."
    elif unverified:
        verdict = f"Conforms where checked; not verified in full: {', '.join(unverified)}."
    else:
        verdict = "Conforms."
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    words = ", ".join(f"{counts[o]} {VERDICT[o].lower()}" for o in ("failed", "not_verified", "waived", "passed"))
    return f"{verdict} Requirements: {words} ({stamp})."


def write_report(
    path: Path,
    results: list[Result],
    targets: dict[str, str],
    redact: Callable[[str], str],
    notes: list[str] | None = None,
) -> Path:
    """Write the Markdown report at `path` and the HTML one next to it; returns the HTML path. Everything
    shown is redacted before it is rendered (HTML escaping would hide a quoted secret from the patterns)."""
    results = [
        dataclasses.replace(
            r,
            nodeid=redact(r.nodeid),
            reason=redact(r.reason),
            request=redact(r.request),
            response=redact(r.response),
        )
        for r in results
    ]
    targets = {api: redact(target) for api, target in targets.items()}
    notes = [redact(note) for note in notes or []]
    api_sections = sections(results, targets)
    summary = summary_line(api_sections)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact(markdown(api_sections, summary, notes)), encoding="utf-8")
    html_path = path.with_suffix(".html")
    html_path.write_text(render_html(api_sections, summary, notes), encoding="utf-8")
    return html_path


# -- the plugin ---------------------------------------------------------------------------------------
_REDACTOR = pytest.StashKey[Redactor]()
_RETRIED_BEFORE = pytest.StashKey[int]()
WAIVED_PROPERTY = "waived"
RETRIED = "retried"


def report_path(config: pytest.Config) -> Path | None:
    from jobcontract.suites.options import option_value

    value = option_value(config, "conformance_report")
    return Path(str(value)) if value else None


class ConformanceReport:
    """Collects the suite tests' results (from every xdist worker); at the end gives the verdict per requirement,
    sets the gate's exit code and writes the report when one is asked for."""

    def __init__(self, config: pytest.Config, path: Path | None) -> None:
        self.config = config
        self.path = path
        self.results: list[Result] = []
        self.retried = 0
        self.notes: list[str] = []
        self.gate_problems: list[str] = []
        self.api_sections: list[ApiSection] = []
        self.html_path: Path | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = result_of(report)
        if result is not None:
            self.results.append(result)
        self.retried += int(dict(report.user_properties).get(RETRIED, 0) or 0) if report.when == "teardown" else 0

    def targets(self) -> dict[str, str]:
        from jobcontract.mocks.pytest_plugin import mock_variant
        from jobcontract.suites.options import option_value

        targets = {}
        for api in contracts.APIS:
            url = option_value(self.config, f"{api}_url")
            variant = mock_variant(self.config, api)
            targets[api] = str(url) if url else "embedded mock" + (f" (faulty variant {variant})" if variant else "")
        return targets

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from jobcontract.suites.gate import settings_of, stale_waivers, unused_waivers

        settings = settings_of(self.config)
        self.api_sections = sections(self.results, self.targets())
        outcomes: dict[str, set[str]] = {}
        for result in self.results:
            outcomes.setdefault(str(result.requirement), set()).add(result.outcome)
        stale = stale_waivers(settings, outcomes)
        self.notes = [*stale, *unused_waivers(settings, outcomes)]
        if self.retried:
            self.notes.append(f"{self.retried} answers (429 or 503 with Retry-After) were retried after waiting")
        if settings.gate and self.results:
            unverified = sum(s.count("not_verified") for s in self.api_sections)
            if unverified and not settings.allow_unverified:
                self.gate_problems.append(
                    f"{unverified} requirement{'s are' if unverified > 1 else ' is'} not verified (give the options"
                    " their reasons name, or --allow-unverified)"
                )
            self.gate_problems += [f"{line} (a stale waiver fails the gate)" for line in stale]
            if self.gate_problems and session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if self.path is not None and self.results:
            self.html_path = write_report(
                self.path, self.results, self.targets(), self.config.stash[_REDACTOR], self.notes
            )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.api_sections:
            return
        redact = self.config.stash[_REDACTOR]
        write = terminalreporter.write_line
        terminalreporter.write_sep("-", "jobcontract verdict, per requirement")
        for section in self.api_sections:
            counts = ", ".join(f"{section.count(o)} {VERDICT[o].lower()}" for o in COLUMN_OUTCOMES if section.count(o))
            write(f"{section.api} ({redact(section.target)}): {section.verdict}: {counts}")
            for row in section.rows:
                if row.outcome in ("failed", "not_verified", "waived"):
                    write(f"  {row.verdict}: {redact(str(row.requirement))}: {redact(row.reason)}")
        for note in self.notes + self.gate_problems:
            write(f"note: {redact(note)}")
        if self.html_path is not None:
            write(f"conformance report: {self.path} and {self.html_path}")


@pytest.hookimpl(trylast=True)  # after suites/options.py has read the options
def pytest_configure(config: pytest.Config) -> None:
    config.stash[_REDACTOR] = redactor_for(config)
    path = report_path(config)
    if path is not None and path.suffix.lower() in (".html", ".htm"):
        from jobcontract.suites.options import usage_error

        usage_error(
            "--conformance-report (or JOBCONTRACT_CONFORMANCE_REPORT) names the Markdown report; the HTML one"
            f" is written next to it: give {path.with_suffix('.md')}, not {path}"
        )
    if hasattr(config, "workerinput"):  # xdist workers send their reports to the controller
        return
    config.pluginmanager.register(ConformanceReport(config, path), "jobcontract-conformance-report")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Redact the log handlers that write while the run goes (pytest's logging plugin made them at configure)."""
    logging_plugin = session.config.pluginmanager.get_plugin("logging-plugin")
    redacting = RedactingFilter(session.config.stash[_REDACTOR])
    for name in ("log_cli_handler", "log_file_handler"):
        handler = getattr(logging_plugin, name, None)
        if isinstance(handler, logging.Handler):
            handler.addFilter(redacting)


def _retried(config: pytest.Config) -> int:
    from jobcontract.suites.common import _POLITENESS

    return config.stash[_POLITENESS].retried if _POLITENESS in config.stash else 0


def pytest_runtest_setup(item: pytest.Item) -> None:
    _last_exchange.clear()
    item.stash[_RETRIED_BEFORE] = _retried(item.config)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    from jobcontract.suites.common import ContractViolation, summarize
    from jobcontract.suites.gate import requirement_of, settings_of, waive

    report: pytest.TestReport = yield
    # on the item, so that the teardown report carries them to the JUnit file; on this report for ours
    properties = item.user_properties
    known = dict(properties)
    if REQUIREMENT not in known and requirement_of(item):
        properties.append((REQUIREMENT, requirement_of(item)))
    api = api_of(str(item.path))
    if api and API_PROPERTY not in known:
        properties.append((API_PROPERTY, api))
    error = call.excinfo.value if call.excinfo is not None else None
    if report.failed and isinstance(error, ContractViolation) and "violated" not in known:
        fields = error.fields
        if "response" not in fields and _last_exchange:  # a violation judged from the test's last answer
            fields["request"], fields["response"] = summarize(_last_exchange[0])
        properties += [("violated", fields.pop("requirement", "")), *fields.items()]
    if report.failed and _last_exchange and REQUEST not in dict(properties):
        properties.append((REQUEST, describe_exchange(_last_exchange[0])))
    if report.when == "teardown":
        retried = _retried(item.config) - item.stash.get(_RETRIED_BEFORE, 0)
        if retried > 0:
            properties.append((RETRIED, str(retried)))
    report.user_properties = list(properties)
    if report.failed and api is not None:
        found = dict(report.user_properties)
        requirement = (
            f"{found.get('document', '')} {found['violated']}".strip()
            if "violated" in found
            else str(found.get(REQUIREMENT, ""))
        )
        waive(report, requirement, settings_of(item.config))
    scrub_report(item.config.stash[_REDACTOR], report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    report: pytest.CollectReport = yield
    if report.failed:
        scrub_report(collector.config.stash[_REDACTOR], report)
    return report
