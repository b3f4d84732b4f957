"""The `jobcontract` command.

    jobcontract serve --api ogc [--port 8080]          serve mocks over HTTP until Ctrl-C or SIGTERM
    jobcontract serve --api all [--scenario FILE]      the four mocks, seeded from scenario files
    jobcontract gate --ogc-url URL [options]           the suites against the named servers, as a release gate
    jobcontract contracts PATH [--force]               write the contracts out (OpenAPI 3.1 and JSON Schemas)

`jobcontract <command> --help` says more. `serve` is `python -m jobcontract.mocks serve`; `gate` is
`pytest --pyargs jobcontract.suites --gate` and takes every pytest option too (`-n auto`, `--junitxml`);
its exit codes are pytest's (0 every requirement conforms, 1 failures, 2 a usage problem).
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from pathlib import Path

USAGE_ERROR = 2
COMMANDS = ("serve", "gate", "contracts")


def main(argv: list[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except BrokenPipeError:  # `jobcontract gate --help | head`: the reader has gone, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def run(args: list[str]) -> int:
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if args else USAGE_ERROR
    command, rest = args[0], args[1:]
    if command == "serve":
        from .__main__ import main as serve

        return serve(["serve", *rest])
    if command == "gate":
        return gate(rest)
    if command == "contracts":
        return write_contracts(rest)
    print(f"jobcontract: error: unknown command {command!r}; the commands are {', '.join(COMMANDS)}", file=sys.stderr)
    return USAGE_ERROR


GATE_HELP = """\
usage: jobcontract gate --<api>-url URL [credentials and jobs] [--conformance-report PATH] [pytest options]

Run the contract suites against the servers named by --<api>-url only (the other APIs are deselected), as a
release gate: exit 0 only if every requirement of the named servers conforms (and none is left unverified,
unless --allow-unverified), 1 if one fails, 2 for a usage problem (a dead URL, a refused credential, a bad
option). Every option has an environment-variable twin; pytest's own options pass through (-n auto,
--junitxml PATH, -k).

options:
"""


def gate(args: list[str]) -> int:
    import pytest

    if "-h" in args or "--help" in args:
        from jobcontract.suites.options import OPTIONS

        lines = [f"  {option.name:<32} {option.help} [env: {option.env}]" for option in OPTIONS]
        print(GATE_HELP + "\n".join(textwrap.shorten(line, 200) for line in lines))
        return 0
    return int(pytest.main(["--pyargs", "jobcontract.suites", "--gate", "-p", "no:cacheprovider", *args]))


CONTRACTS_HELP = """\
usage: jobcontract contracts PATH [--force]

Write the contracts into PATH, for Schemathesis, Prism or any OpenAPI 3.1 tool: each API's
<api>/openapi.yaml, its schemas/*.json and NOTES.md (where the documents and the evidence differ), the
scenario schema, and schemathesis.toml (the suites' settings for the st command line). A file already in
PATH is not overwritten: the command stops (exit 2) unless --force is given."""


def write_contracts(args: list[str]) -> int:
    """Copy the contracts (each API's openapi.yaml, schemas and notes; the scenario schema; the Schemathesis
    settings) into PATH, refusing to overwrite a file that is there unless --force."""
    if "-h" in args or "--help" in args:
        print(CONTRACTS_HELP)
        return 0
    force = "--force" in args
    paths = [arg for arg in args if arg != "--force"]
    if len(paths) != 1 or paths[0].startswith("-"):
        print("usage: jobcontract contracts PATH [--force]", file=sys.stderr)
        return USAGE_ERROR
    target = Path(paths[0])
    from jobcontract.contracts import CONTRACTS_DIR as source

    wanted = sorted(
        path
        for path in source.rglob("*")
        if path.is_file() and path.suffix in (".yaml", ".json", ".md", ".toml") and "__pycache__" not in path.parts
    )
    present = [target / path.relative_to(source) for path in wanted if (target / path.relative_to(source)).exists()]
    if present and not force:
        print(
            f"jobcontract: error: {present[0]} exists (and {len(present) - 1} more); give --force to overwrite",
            file=sys.stderr,
        )
        return USAGE_ERROR
    for path in wanted:
        copy = target / path.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    print(f"wrote {len(wanted)} files to {target} (each API's contract: {target}/<api>/openapi.yaml)")
    return 0
