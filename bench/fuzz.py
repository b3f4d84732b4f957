"""Fuzz every mock from its own contract with Schemathesis, positive and negative data.

    python bench/fuzz.py                       # 1,000 cases per operation and mode, every API
    python bench/fuzz.py --api cf -n 200 --derandomize

Each API's suite schema (`suites/<api>/test_contract.py`: the same contract, the same check settings
and the same credentials) generates requests against its mock served over real HTTP on 127.0.0.1:
OGC, Cloud Foundry (with the mock's token), CenturyLink Cloud (with a login token) on the event-loop
server `serve` runs (`mocks.fastserver.FastServer`; the application is the same one the pytest fixtures
serve on pytest-httpserver), Import/Export on moto's server (SigV4-signed). Every answer goes through
all of Schemathesis' checks and the project's own `check_response` (which also reads the Import/Export
XML as boto3 does). A quarter of the positive cases ask about a job that exists, so that live statuses get fuzzed too.

Findings, per API: undocumented status codes, responses that break their schema (body, content
type, required headers), 5xx that nothing scripted (nothing is scripted here, so any 5xx; the HTTP
mocks also mark them in the control journal), crashes (a dropped connection, an exception while
calling), and failures of Schemathesis' other checks. Exit status 1 on any finding.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

import requests
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.core.failures import FailureGroup, ServerError
from schemathesis.openapi.checks import (
    JsonSchemaError,
    MalformedMediaType,
    MissingContentType,
    MissingHeaders,
    UndefinedContentType,
    UndefinedStatusCode,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the suites and the root conftest import from the project root
    sys.path.insert(0, str(ROOT))

from jobcontract.suites.common import ContractViolation, check_response  # noqa: E402

APIS = ("ogc", "cf", "clc", "importexport")
CATEGORIES = ("undocumented", "schema", "unscripted_5xx", "crash", "other_check")
SCHEMA_FAILURES = (JsonSchemaError, UndefinedContentType, MissingContentType, MalformedMediaType, MissingHeaders)
LIVE_EVERY = 4  # every 4th positive case asks about a job that exists


@dataclass
class Tally:
    """What fuzzing one API found: counts per category, and a few examples of each."""

    api: str
    cases: int = 0
    requests_seen: int = 0
    seconds: float = 0.0
    found: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    per_operation: Counter[str] = field(default_factory=Counter)
    unsatisfiable: list[str] = field(default_factory=list)

    def add(self, category: str, message: str) -> None:
        self.found[category] += 1
        kept = self.examples.setdefault(category, [])
        if len(kept) < 3:
            kept.append(" ".join(message.split())[:400])  # one line each

    @property
    def findings(self) -> int:
        return sum(self.found.values())


@dataclass
class Target:
    """A running mock, how to reach it, and how to make a job that exists for a case."""

    base_url: str
    session: requests.Session
    headers: dict[str, str] | None
    live_case: Callable[[Case], None]
    unscripted_in_journal: Callable[[], int] = lambda: 0


def _suite_schema(api: str) -> Any:
    """The schema the API's suite generates from, with the suite's check settings."""
    return import_module(f"suites.{api}.test_contract").schema


@contextmanager
def _http_mock(api: str, variant: str | None) -> Iterator[Target]:
    from jobcontract.mocks import make_app
    from jobcontract.mocks.clc import DEFAULT_USER
    from jobcontract.mocks.fastserver import FastServer

    app = make_app(api, variant)
    with FastServer(app) as server:
        session = requests.Session()
        headers: dict[str, str] | None = None
        if api == "cf":
            from jobcontract.mocks.cf import VALID_TOKEN

            headers = {"Authorization": f"Bearer {VALID_TOKEN}"}
        elif api == "clc":
            login = session.post(
                f"{server.url}/v2/authentication/login",
                json={"username": DEFAULT_USER.username, "password": DEFAULT_USER.password},
                timeout=30,
            )
            login.raise_for_status()
            headers = {"Authorization": f"Bearer {login.json()['bearerToken']}", "Accept": "application/json"}
        # states a one-step script may hold (a CLC `resumed` needs a pause before it)
        states = [step.state for step in app.dialect.default_script] + sorted(app.dialect.terminal_states)
        counter = iter(range(1, 1 << 62))

        def live_case(case: Case) -> None:
            state = states[next(counter) % len(states)]
            attributes = {"accountAlias": DEFAULT_USER.alias} if api == "clc" else {}
            job_id = app.create_job([state], **attributes)
            parameters = dict(case.path_parameters or {})
            name = {"ogc": "jobId", "cf": "guid", "clc": "statusId"}[api]
            if name in parameters:
                parameters[name] = job_id
                if api == "clc":
                    parameters["accountAlias"] = DEFAULT_USER.alias
                case.path_parameters = parameters

        last_seen = [0]

        def unscripted_in_journal() -> int:
            entries = [e for e in app.journal() if e["seq"] > last_seen[0]]
            if entries:
                last_seen[0] = entries[-1]["seq"]
            return sum(1 for e in entries if e["unscripted"])

        yield Target(server.url, session, headers, live_case, unscripted_in_journal)


@contextmanager
def _importexport_mock(variant: str | None) -> Iterator[Target]:
    from jobcontract import mocks
    from jobcontract.mocks.importexport import ImportExportResponse, ImportExportServer, serve_with
    from jobcontract.suites.importexport.provider import (
        EMBEDDED_CREDENTIALS,
        IMPORT_MANIFEST,
        ImportExportTarget,
        SigV4,
    )

    previous = serve_with(mocks.variants("importexport")[variant] if variant else ImportExportResponse)
    with ImportExportServer() as server:
        target = ImportExportTarget("importexport", server.url, moto=server)
        target.session.auth = SigV4(EMBEDDED_CREDENTIALS)
        client = target.client()

        def live_case(case: Case) -> None:
            if isinstance(case.body, dict) and "JobId" in case.body:
                job_id = client.create_job(JobType="Import", Manifest=IMPORT_MANIFEST, ValidateOnly=False)["JobId"]
                case.body = {**case.body, "JobId": job_id}

        yield Target(server.url, target.session, None, live_case)
    serve_with(previous)


def _served(api: str, variant: str | None) -> Any:
    return _importexport_mock(variant) if api == "importexport" else _http_mock(api, variant)


def _classify(tally: Tally, case: Case, response: requests.Response | None, error: BaseException | None) -> set[str]:
    """The categories one case falls in (each counted once per case)."""
    where = f"{case.method} {case.formatted_path}"
    categories: dict[str, str] = {}
    if error is not None:
        categories["crash"] = f"{where}: {type(error).__name__}: {error}"
        return _commit(tally, categories)
    assert response is not None
    if response.status_code >= 500:
        marked = "marked unscripted" if "X-Jobcontract-Unscripted" in response.headers else "unmarked"
        categories["unscripted_5xx"] = f"{where} -> {response.status_code} ({marked}): {response.text[:300]}"
    return categories


def _commit(tally: Tally, categories: dict[str, str]) -> set[str]:
    for category, message in categories.items():
        tally.add(category, message)
    return set(categories)


def _check(tally: Tally, api: str, target: Target, case: Case) -> None:
    tally.cases += 1
    operation_id = case.operation.definition.raw.get("operationId", case.operation.label)
    tally.per_operation[operation_id] += 1
    try:
        response = case.call(base_url=target.base_url, session=target.session, headers=target.headers, timeout=30)
    except Exception as error:  # a dropped connection, a reset, a timeout: the mock failed to answer
        _classify(tally, case, None, error)
        return
    categories = _classify(tally, case, response, None)
    where = f"{case.method} {case.formatted_path} -> {response.status_code}"
    try:
        case.validate_response(response, headers=target.headers)
    except FailureGroup as group:
        for failure in group.exceptions:
            if isinstance(failure, UndefinedStatusCode):
                categories.setdefault("undocumented", f"{where}: {failure.title}")
            elif isinstance(failure, SCHEMA_FAILURES):
                categories.setdefault("schema", f"{where}: {failure.title}: {failure.message[:300]}")
            elif isinstance(failure, ServerError):
                categories.setdefault("unscripted_5xx", f"{where}: {failure.title}")
            else:
                categories.setdefault("other_check", f"{where}: {failure.title}: {failure.message[:300]}")
    except AssertionError as failure:
        categories.setdefault("other_check", f"{where}: {failure}")
    except Exception as error:  # a check that calls again (ignored_auth, unsupported_method) lost its connection
        categories.setdefault("crash", f"{where}: while checking: {type(error).__name__}: {error}")
    try:
        check_response(api, operation_id, response)
    except ContractViolation as violation:
        kind = "undocumented" if "does not document status" in str(violation) else "schema"
        categories.setdefault(kind, str(violation))
    _commit(tally, categories)


def _runner(
    operation: Any,
    mode: GenerationMode,
    max_examples: int,
    derandomize: bool,
    seed: int | None,
    check: Callable[[Case], None],
    live_case: Callable[[Case], None],
) -> Callable[[], None]:
    """A Hypothesis test that sends `max_examples` cases of one operation in one generation mode."""
    numbers = iter(range(1 << 62))

    @settings(
        max_examples=max_examples,
        derandomize=derandomize,
        database=None,
        deadline=None,
        phases=[Phase.generate],  # findings are counted, not raised: nothing to shrink
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        verbosity=Verbosity.quiet,  # an operation with nothing to break is noted in the report instead
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Case) -> None:
        if mode.is_positive and next(numbers) % LIVE_EVERY == 0:
            live_case(case)
        check(case)

    if seed is not None and not derandomize:
        return hypothesis_seed(seed)(run)  # type: ignore[no-any-return]
    return run  # type: ignore[no-any-return]


def fuzz(
    api: str,
    max_examples: int = 1000,
    *,
    derandomize: bool = False,
    seed: int | None = None,
    variant: str | None = None,
) -> Tally:
    """Fuzz `api`'s mock (or its faulty `variant`) with `max_examples` cases per operation and mode."""
    tally = Tally(api)
    schema = _suite_schema(api)
    started = time.monotonic()
    with _served(api, variant) as target:

        def check(case: Case) -> None:
            _check(tally, api, target, case)

        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _runner(operation, mode, max_examples, derandomize, seed, check, target.live_case)()
                except Unsatisfiable:  # nothing to break: e.g. no parameters, so no negative data exists
                    tally.unsatisfiable.append(f"{operation.label} ({mode})")
                marked = target.unscripted_in_journal()
                if marked:
                    tally.add(
                        "unscripted_5xx", f"{operation.label} ({mode}): {marked} journal entries marked unscripted"
                    )
    tally.seconds = time.monotonic() - started
    return tally


def table(tallies: list[Tally]) -> str:
    header = ("api", "cases", *CATEGORIES, "seconds")
    rows = [header]
    for t in tallies:
        rows.append((t.api, str(t.cases), *(str(t.found[c]) for c in CATEGORIES), f"{t.seconds:.0f}"))
    total = Counter[str]()
    for t in tallies:
        total.update(t.found)
    rows.append(
        (
            "total",
            str(sum(t.cases for t in tallies)),
            *(str(total[c]) for c in CATEGORIES),
            f"{sum(t.seconds for t in tallies):.0f}",
        )
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(len(lines) - 1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", action="append", choices=APIS, help="fuzz this API (repeatable; default: all)")
    parser.add_argument("-n", "--max-examples", type=int, default=1000, help="cases per operation and mode")
    parser.add_argument("--derandomize", action="store_true", help="the same cases on every run (as in CI)")
    parser.add_argument("--variant", default=None, help="fuzz a faulty variant of the mock (with one --api)")
    parser.add_argument("--seed", type=int, default=None, help="a Hypothesis seed, to replay a random run")
    args = parser.parse_args(argv)
    tallies = []
    for api in args.api or APIS:
        tally = fuzz(api, args.max_examples, derandomize=args.derandomize, seed=args.seed, variant=args.variant)
        tallies.append(tally)
        operations = ", ".join(f"{op} {n}" for op, n in sorted(tally.per_operation.items()))
        print(f"{api}: {tally.cases} cases ({operations}) in {tally.seconds:.0f} s", flush=True)
        for skipped in tally.unsatisfiable:
            print(f"  no cases: {skipped} (the contract leaves nothing to break)", flush=True)
        for category, messages in tally.examples.items():
            for message in messages:
                print(f"  {category}: {message}", flush=True)
    print()
    print(table(tallies))
    return 1 if any(t.findings for t in tallies) else 0


if __name__ == "__main__":
    sys.exit(main())
