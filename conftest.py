"""The suites' command-line options, each with an environment-variable twin.

Every option `--some-name` can also be set as `JOBCONTRACT_SOME_NAME`; the command line wins.
A repeatable option takes several values from its variable, separated by commas or white space.
With no URL for an API, that API's suite runs against its embedded mock.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, Phase, settings

# the conformance report, and the redaction of secrets from every report pytest writes
pytest_plugins = ["suites.report"]

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
    kind: str = "text"  # text | url | json | secret
    repeat: bool = False
    default: str | None = None

    @property
    def env(self) -> str:
        return "JOBCONTRACT_" + self.name.lstrip("-").upper().replace("-", "_")

    @property
    def dest(self) -> str:
        return self.name.lstrip("-").replace("-", "_")


OPTIONS = (
    Option("--ogc-url", "base URL of an OGC API - Processes server to check", kind="url"),
    Option("--ogc-process", "process to execute asynchronously to create jobs", default="echo"),
    Option("--ogc-inputs", "JSON object of inputs for --ogc-process", kind="json", default='{"message": "hello"}'),
    Option("--ogc-job", "id of an existing job to check (repeatable)", repeat=True),
    Option("--cf-url", "Cloud Controller base URL (the API root, without /v3)", kind="url"),
    Option("--cf-token", "bearer token for --cf-url", kind="secret"),
    Option("--cf-job", "guid of an existing job to check (repeatable)", repeat=True),
    Option("--clc-url", "CenturyLink Cloud API base URL (without /v2)", kind="url"),
    Option("--clc-username", "user name to log in to --clc-url"),
    Option("--clc-password", "password to log in to --clc-url", kind="secret"),
    Option("--clc-status-id", "status id of a queued operation to check (repeatable)", repeat=True),
    Option(
        "--importexport-url",
        "AWS Import/Export endpoint URL (credentials come from the usual AWS variables)",
        kind="url",
    ),
    Option("--importexport-job", "id of an existing job to check (repeatable)", repeat=True),
    Option("--conformance-report", "write a Markdown conformance report at this path and an HTML one next to it"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jobcontract", "jobcontract: which servers the suites check")
    for option in OPTIONS:
        help_text = f"{option.help} [env: {option.env}]"
        if option.default is not None:
            help_text += f" (default: {option.default})"
        group.addoption(
            option.name,
            action="append" if option.repeat else "store",
            dest=option.dest,
            default=None,
            metavar="VALUE",
            help=help_text,
        )


def _value(config: pytest.Config, option: Option) -> str | list[str] | None:
    given = config.getoption(option.dest)
    if given is None:
        raw = os.environ.get(option.env)
        if raw is not None and raw.strip():
            given = raw.replace(",", " ").split() if option.repeat else raw.strip()
    if given is None:
        return [] if option.repeat else option.default
    return given


def _check(option: Option, value: str) -> None:
    where = f"{option.name} (or {option.env})"
    if option.kind == "url":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise pytest.UsageError(f"{where} must be an http:// or https:// URL with a host, not {value!r}")
    elif option.kind == "json":
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as error:
            raise pytest.UsageError(f"{where} must be a JSON object: {error.msg} at character {error.pos}") from None
        if not isinstance(parsed, dict):
            raise pytest.UsageError(f"{where} must be a JSON object, not {type(parsed).__name__}")


def pytest_configure(config: pytest.Config) -> None:
    values: dict[str, object] = {}
    for option in OPTIONS:
        value = _value(config, option)
        for item in value if isinstance(value, list) else [value] if value is not None else []:
            if not item:
                raise pytest.UsageError(f"{option.name} (or {option.env}) is given but empty")
            _check(option, item)
        values[option.dest] = value
    config.stash[OPTION_VALUES] = values


OPTION_VALUES = pytest.StashKey[dict[str, object]]()


def option_value(config: pytest.Config, name: str) -> object:
    """The value of a jobcontract option (`"ogc_url"`), from the command line or its variable."""
    return config.stash[OPTION_VALUES][name]


def pytest_report_header(config: pytest.Config) -> list[str]:
    values = config.stash[OPTION_VALUES]
    targets = []
    for api in ("ogc", "cf", "clc", "importexport"):
        url = values.get(f"{api}_url")
        targets.append(f"{api}={url}" if url else f"{api}=embedded mock")
    return ["jobcontract targets: " + ", ".join(targets)]
