"""How much of each suite a provider's server gets checked: every mock served in its own process and treated
as a real server (`--<api>-url`), the suite run with the URL and credentials only, then with every option
(what the options name provisioned on the served mock from outside, as a provider names its own). Prints,
per API and run, the provider checks that ran, were not verified and were skipped for another reason, and
the command line behind each (secrets are the mocks' documented example credentials).

    python bench/provider_coverage.py
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from providers import AWS_ENV, counts, credentials, every_option, not_verified, serve_args  # noqa: E402
from serving import run_suite, served  # noqa: E402

APIS = ("ogc", "cf", "clc", "importexport")


def main() -> int:
    os.environ.update(AWS_ENV)  # the served Import/Export mock takes any key; the suite signs with these
    rows, commands = [], []
    with tempfile.TemporaryDirectory() as folder:
        for api in APIS:
            for label, options in (("URL and credentials", credentials), ("every option", every_option)):
                with served(api, *serve_args(api, Path(folder))) as serving:
                    args = options(api, serving)
                    run = run_suite(api, *args)
                found = counts(run)
                unverified = not_verified(run)
                total = found["passed"] + found["failed"] + found["skipped"] + found["xfailed"]
                ran = total - found["skipped"]
                rows.append((api, label, ran, unverified, found["skipped"] - unverified, total, run.returncode))
                commands.append(f"{api}, {label}: python -m pytest suites/{api} {shlex.join(args)}")
    print("| API | given | checks run | not verified | skipped otherwise | total | share run | exit |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for api, label, ran, unverified, skipped, total, code in rows:
        print(f"| {api} | {label} | {ran} | {unverified} | {skipped} | {total} | {ran / total:.0%} | {code} |")
    print("\nCommands (each against its own served mock; the URLs and ids differ from run to run):")
    for command in commands:
        print(f"- {command}")
    return 0 if all(row[-1] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
