"""The release gate's rules, as a pytest plugin, part of `jobcontract` (loaded with suites/options.py).

- Preflight (suites/preflight.py) before any test, on the controller: a problem exits 2.
- `--gate`: only the servers named by `--<api>-url` are checked (the other APIs' suite tests are deselected);
  a run that names none is refused. The exit is 0 only when no requirement fails and none is not verified
  (`--allow-unverified` lets the latter pass; the report still lists them), and no waiver is stale.
- `--requirement PATTERN` (repeatable): only the checks of the requirements that match (a case-insensitive
  substring of "<document> <section>", or a glob).
- `--waivers FILE`: known deviations. A failure of a waived requirement is an expected failure (XFAIL, "WAIVED"
  in the report) while the waiver holds; a waiver past its `until` date is not applied and is reported, and one
  whose requirement now conforms is reported; in `--gate` either fails the run.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobcontract import contracts

WAIVED = "waived"


@dataclass(frozen=True)
class Waiver:
    requirement: str
    reason: str
    until: date | None = None

    def matches(self, requirement: str) -> bool:
        return matches(self.requirement, requirement)

    def expired(self, today: date) -> bool:
        return self.until is not None and self.until < today

    def __str__(self) -> str:
        return f"{self.requirement!r}" + (f" (until {self.until})" if self.until else "")


def matches(pattern: str, requirement: str) -> bool:
    """`pattern` names `requirement` ("<document> <section>"): a case-insensitive substring, or a glob."""
    pattern, requirement = pattern.strip().lower(), requirement.lower()
    if any(char in pattern for char in "*?["):
        return fnmatch.fnmatchcase(requirement, pattern) or fnmatch.fnmatchcase(requirement, f"*{pattern}*")
    return pattern in requirement


class WaiverError(ValueError):
    pass


def load_waivers(path: Path) -> list[Waiver]:
    """The waivers of a YAML file: a list (or `waivers:` holding one) of {requirement, reason, until?}."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise WaiverError(f"{path}: cannot be read as YAML: {error}") from None
    entries = document.get("waivers") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise WaiverError(f"{path}: expected a list of waivers (requirement, reason, until), not {document!r:.80}")
    waivers = []
    for index, entry in enumerate(entries):
        where = f"{path}: waiver {index + 1}"
        if not isinstance(entry, dict):
            raise WaiverError(f"{where}: expected a mapping with requirement, reason and optional until")
        unknown = set(entry) - {"requirement", "reason", "until"}
        if unknown:
            raise WaiverError(
                f"{where}: unknown field {sorted(unknown)[0]!r}; the fields are requirement, reason, until"
            )
        requirement, reason, until = entry.get("requirement"), entry.get("reason"), entry.get("until")
        if not isinstance(requirement, str) or not requirement.strip():
            raise WaiverError(f"{where}: requirement must be a non-empty text (the requirement it waives)")
        if not isinstance(reason, str) or not reason.strip():
            raise WaiverError(f"{where} ({requirement!r}): reason must be a non-empty text (why it is waived)")
        if until is not None and not isinstance(until, date):
            try:
                until = date.fromisoformat(str(until))
            except ValueError:
                raise WaiverError(
                    f"{where} ({requirement!r}): until must be a date YYYY-MM-DD, not {until!r}"
                ) from None
        waivers.append(Waiver(requirement.strip(), reason.strip(), until))
    return waivers


@dataclass
class GateSettings:
    gate: bool
    allow_unverified: bool
    waivers: list[Waiver]
    requirements: list[str]
    named: dict[str, str]  # api -> URL of the servers named
    today: date

    def active_waiver(self, requirement: str) -> Waiver | None:
        return next((w for w in self.waivers if not w.expired(self.today) and w.matches(requirement)), None)


SETTINGS = pytest.StashKey[GateSettings]()


def settings_of(config: pytest.Config) -> GateSettings:
    return config.stash[SETTINGS]


@pytest.hookimpl(trylast=True)  # after suites/options.py has read the options
def pytest_configure(config: pytest.Config) -> None:
    from jobcontract.suites.options import option_value, usage_error

    named = {
        api: str(option_value(config, f"{api}_url")) for api in contracts.APIS if option_value(config, f"{api}_url")
    }
    gate = bool(option_value(config, "gate"))
    if gate and not named:
        usage_error(
            "--gate (JOBCONTRACT_GATE) checks the servers you name, and none is named: give --ogc-url, --cf-url,"
            " --clc-url or --importexport-url (or JOBCONTRACT_<API>_URL; an empty variable counts as unset)"
        )
    waivers_path = option_value(config, "waivers")
    try:
        waivers = load_waivers(Path(str(waivers_path))) if waivers_path else []
    except WaiverError as error:
        usage_error(f"--waivers: {error}")
    requirements = [str(pattern) for pattern in option_value(config, "requirement") or []]  # type: ignore[union-attr]
    config.stash[SETTINGS] = GateSettings(
        gate, bool(option_value(config, "allow_unverified")), waivers, requirements, named, date.today()
    )


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist starts its workers
def pytest_sessionstart(session: pytest.Session) -> None:
    from jobcontract.suites.options import option_value, usage_error
    from jobcontract.suites.preflight import preflight

    config = session.config
    if hasattr(config, "workerinput") or config.option.collectonly or not settings_of(config).named:
        return
    problems = preflight(lambda name: option_value(config, name))
    if problems:
        usage_error("preflight found problems to fix before any check can run:\n  " + "\n  ".join(problems))


def requirement_of(item: pytest.Item) -> str:
    marker = item.get_closest_marker("requirement")
    return " ".join(str(arg) for arg in marker.args) if marker else ""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from jobcontract.suites.report import api_of

    settings = settings_of(config)
    keep, drop = [], []
    for item in items:
        api = api_of(str(item.path))
        if api is None:
            keep.append(item)
            continue
        if api in settings.named:  # it talks to a real server: `-m "not network"` leaves it out
            item.add_marker(pytest.mark.network)
        chosen = not settings.gate or api in settings.named
        if settings.requirements:
            chosen = chosen and any(matches(p, requirement_of(item)) for p in settings.requirements)
        (keep if chosen else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def waive(report: pytest.TestReport, requirement: str, settings: GateSettings) -> None:
    """Turn the failure of a waived requirement into an expected failure that names the waiver's reason."""
    waiver = settings.active_waiver(requirement)
    if waiver is None or not report.failed or report.when != "call":
        return
    report.outcome = "skipped"
    report.wasxfail = f"WAIVED: {waiver.reason}"  # type: ignore[attr-defined]
    report.user_properties.append((WAIVED, waiver.reason))


def stale_waivers(settings: GateSettings, outcomes: dict[str, set[str]]) -> list[str]:
    """What the report must say about the waivers: expired ones, and ones whose requirement now conforms.
    `outcomes` maps each requirement that ran ("<document> <section>") to the outcomes of its checks."""
    lines = []
    for waiver in settings.waivers:
        if waiver.expired(settings.today):
            lines.append(f"the waiver of {waiver} has expired: its failures count again")
            continue
        ran = {requirement: seen for requirement, seen in outcomes.items() if waiver.matches(requirement)}
        if ran and all(seen <= {"passed", "not_applicable"} for seen in ran.values()):
            lines.append(f"the waiver of {waiver} is no longer needed: {', '.join(sorted(ran))} now conforms")
    return lines


def unused_waivers(settings: GateSettings, outcomes: dict[str, Any]) -> list[str]:
    return [
        f"the waiver of {waiver} matched no requirement checked in this run"
        for waiver in settings.waivers
        if not waiver.expired(settings.today) and not any(waiver.matches(r) for r in outcomes)
    ]
