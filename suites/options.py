"""The suites' command-line options, each with an environment-variable twin (part of the `jobcontract` pytest
plugin, registered by the installed distribution's entry point, so the installed suites run from any folder).

Every option `--some-name` can also be set as `JOBCONTRACT_SOME_NAME`; the command line wins.
A repeatable option takes several values from its variable, separated by commas or white space.
With no URL for an API, that API's suite runs against its embedded mock.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, Phase, settings

# the conformance report, the redaction of secrets from every report pytest writes, and the gate
pytest_plugins = ["jobcontract.suites.report", "jobcontract.suites.gate"]

# Derandomized in CI so that a run is a function of the code alone; random locally to find more.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# For proving a suite fails on a faulty mock: the verdict matters, a minimal example does not.
settings.register_profile(
    "bite", parent=settings.get_profile("ci"), phases=[Phase.explicit, Phase.reuse, Phase.generate]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@dataclass(frozen=True)
class Option:
    name: str
    help: str
    kind: str = "text"  # text | url | json | secret | flag | number | count | path | variant
    repeat: bool = False
    default: str | None = None

    @property
    def env(self) -> str:
        return "JOBCONTRACT_" + self.name.lstrip("-").upper().replace("-", "_")

    @property
    def dest(self) -> str:
        return self.name.lstrip("-").replace("-", "_")

    @property
    def where(self) -> str:
        return f"{self.name} (or {self.env})"


# What only the provider can supply is an option: without it, the check that needs it is "not verified".
OPTIONS = (
    Option("--ogc-url", "base URL of an OGC API - Processes server to check", kind="url"),
    Option("--ogc-process", "process to execute asynchronously to create jobs", default="echo"),
    Option("--ogc-inputs", "JSON object of inputs for --ogc-process", kind="json", default='{"message": "hello"}'),
    Option("--ogc-job", "id of an existing job to check (repeatable)", repeat=True),
    Option("--ogc-failing-process", "process whose execution with --ogc-failing-inputs ends in status failed"),
    Option("--ogc-failing-inputs", "JSON object of inputs that make --ogc-failing-process fail", kind="json"),
    Option("--cf-url", "Cloud Controller base URL (the API root, without /v3)", kind="url"),
    Option("--cf-token", "bearer token for --cf-url", kind="secret"),
    Option("--cf-job", "guid of an existing job to check (repeatable)", repeat=True),
    Option("--cf-failed-job", "guid of a job in state FAILED"),
    Option(
        "--cf-token-without-read-scope", "a valid bearer token without the cloud_controller.read scope", kind="secret"
    ),
    Option("--clc-url", "CenturyLink Cloud API base URL (without /v2)", kind="url"),
    Option("--clc-username", "user name to log in to --clc-url"),
    Option("--clc-password", "password to log in to --clc-url", kind="secret"),
    Option("--clc-status-id", "status id of a queued operation to check (repeatable)", repeat=True),
    Option("--clc-other-username", "user name of a second account (for the 403 of another account's status)"),
    Option("--clc-other-password", "password of the --clc-other-username account", kind="secret"),
    Option(
        "--importexport-url",
        "AWS Import/Export endpoint URL (credentials come from the usual AWS variables)",
        kind="url",
    ),
    Option("--importexport-job", "id of an existing job to check (repeatable)", repeat=True),
    Option("--importexport-canceled-job", "id of a job canceled with CancelJob"),
    Option("--importexport-expired-job", "id of a job that expired"),
    Option("--conformance-report", "write a Markdown conformance report at this path and an HTML one next to it"),
    Option(
        "--gate",
        "release gate: check only the servers named by --<api>-url; exit 0 only if every requirement conforms",
        kind="flag",
    ),
    Option("--allow-unverified", "with --gate, pass although some requirements are not verified", kind="flag"),
    Option("--waivers", "YAML file of known deviations: requirement, reason, optional until date", kind="path"),
    Option("--requirement", "run only the checks of requirements matching this pattern (repeatable)", repeat=True),
    Option("--rate-limit", "most requests per second to a named server (0: no limit)", kind="number", default="10"),
    Option(
        "--request-budget",
        "most requests to a named server in the whole run (0: no limit)",
        kind="count",
        default="20000",
    ),
    # the embedded mocks' faulty variants (mocks/faulty/), to watch a suite fail; `a+b` combines them
    *(
        Option(
            f"--{api}-mock-variant",
            f"serve the faulty variant NAME of the embedded {api} mock (a+b combines)",
            "variant",
        )
        for api in ("ogc", "cf", "clc", "importexport")
    ),
)
FLAG_VALUES = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def usage_error(message: str) -> NoReturn:
    """Stop the run before any test: the user must fix something (exit code 2, never a violation)."""
    sys.stderr.write(f"ERROR: jobcontract: {message}\n")
    sys.stderr.flush()
    pytest.exit("jobcontract stopped before any test: fix what the ERROR line says (exit code 2)", returncode=2)


def known_variables() -> set[str]:
    return {option.env for option in OPTIONS}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jobcontract", "jobcontract: which servers the suites check")
    for option in OPTIONS:
        help_text = f"{option.help} [env: {option.env}]"
        if option.default is not None:
            help_text += f" (default: {option.default})"
        if option.kind == "flag":
            group.addoption(option.name, action="store_true", dest=option.dest, default=None, help=help_text)
            continue
        group.addoption(
            option.name,
            action="append" if option.repeat else "store",
            dest=option.dest,
            default=None,
            metavar="VALUE",
            help=help_text,
        )


def _value(config: pytest.Config, option: Option) -> object:
    given = config.getoption(option.dest)
    if given is None:
        raw = os.environ.get(option.env)
        if raw is not None and raw.strip():  # an empty variable (a CI secret that is not set) counts as unset
            given = raw.replace(",", " ").split() if option.repeat else raw.strip()
            if option.kind == "flag":
                if given.lower() not in FLAG_VALUES:
                    usage_error(f"{option.env} must be one of {', '.join(FLAG_VALUES)}, not {given!r}")
                given = FLAG_VALUES[given.lower()]
    if given is None:
        return False if option.kind == "flag" else [] if option.repeat else option.default
    return given


def _check(option: Option, value: str) -> object:
    """The checked value (a number for number options); a bad one stops the run naming the option."""
    if option.kind == "url":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            usage_error(f"{option.where} must be an http:// or https:// URL with a host, not {value!r}")
    elif option.kind == "json":
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as error:
            usage_error(f"{option.where} must be a JSON object: {error.msg} at character {error.pos}")
        if not isinstance(parsed, dict):
            usage_error(f"{option.where} must be a JSON object, not {type(parsed).__name__}")
    elif option.kind in ("number", "count"):
        try:
            number = float(value) if option.kind == "number" else int(value)
        except ValueError:
            number = -1
        if not 0 <= number < float("inf"):
            kind = "number" if option.kind == "number" else "whole number"
            usage_error(f"{option.where} must be a {kind} >= 0, not {value!r}")
        return number
    elif option.kind == "path" and not os.path.isfile(value):
        usage_error(f"{option.where} names {value!r}, which is not a file")
    elif option.kind == "variant":
        from jobcontract.mocks import variant_class

        try:
            variant_class(option.dest.removesuffix("_mock_variant"), value)
        except ValueError as error:
            usage_error(f"{option.where}: {error}")
    return value


def _unknown_variables() -> list[str]:
    known = known_variables()
    problems = []
    for name in sorted(os.environ):
        if name.startswith("JOBCONTRACT_") and name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {close[0]}?" if close else f"; the variables are {', '.join(sorted(known))}"
            problems.append(f"unknown variable {name}{hint}")
    return problems


# the suites' markers, registered by the plugin: an installed suite runs without this project's pytest settings
MARKERS = (
    "slow: takes more than a few seconds (deselect with -m 'not slow')",
    "network: talks to a real server named by a --<api>-url option",
    "requirement(document, section): the document and requirement (or documented response) a suite test checks",
)


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    problems = _unknown_variables()
    if problems:
        usage_error("\n".join(problems))
    values: dict[str, object] = {}
    for option in OPTIONS:
        value = _value(config, option)
        if option.kind != "flag":
            checked = []
            for item in value if isinstance(value, list) else [value] if value is not None else []:
                if not item:
                    usage_error(f"{option.where} is given but empty")
                checked.append(_check(option, str(item)))
            value = checked if isinstance(value, list) else checked[0] if checked else None
        values[option.dest] = value
    config.stash[OPTION_VALUES] = values


OPTION_VALUES = pytest.StashKey[dict[str, object]]()


def option_value(config: pytest.Config, name: str) -> object:
    """The value of a jobcontract option (`"ogc_url"`), from the command line or its variable."""
    return config.stash[OPTION_VALUES][name]


def option_named(dest: str) -> Option:
    return next(option for option in OPTIONS if option.dest == dest)


def pytest_report_header(config: pytest.Config) -> list[str]:
    values = config.stash[OPTION_VALUES]
    targets = []
    for api in ("ogc", "cf", "clc", "importexport"):
        url = values.get(f"{api}_url")
        targets.append(f"{api}={url}" if url else f"{api}=embedded mock")
    return ["jobcontract targets: " + ", ".join(targets)]
