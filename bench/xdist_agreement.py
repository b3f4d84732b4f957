"""Run the suites serially and with pytest-xdist, and show that every test ends the same way.

    python bench/xdist_agreement.py                    # pytest suites/ vs pytest suites/ -n auto
    python bench/xdist_agreement.py -n 4 suites/ogc    # other workers, other paths

Both runs have `CI=1` (Hypothesis derandomized, as in CI) and write `--junitxml`; the per-test
outcomes (passed, failed, skipped, error) are read back from the two JUnit files and compared. Prints
both wall times and every test that differs; exit status 1 if any test differs or the exit codes do.
Each xdist worker starts its own embedded mocks on free ports, so nothing is shared between workers.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    label: str
    command: list[str]
    returncode: int
    seconds: float
    outcomes: dict[str, str]  # test id -> passed | failed | skipped | error

    def summary(self) -> str:
        counts = Counter(self.outcomes.values())
        parts = ", ".join(f"{counts[kind]} {kind}" for kind in ("passed", "failed", "error", "skipped") if counts[kind])
        return f"{self.label:<9} {self.seconds:6.1f} s  exit {self.returncode}  {len(self.outcomes)} tests ({parts})"


def outcomes(junit: Path) -> dict[str, str]:
    """Each test case of a JUnit file (pytest's) and how it ended."""
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        test_id = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case}
        outcome = next((kind for kind in ("error", "failure", "skipped") if kind in kinds), "passed")
        found[test_id] = {"failure": "failed"}.get(outcome, outcome)
    return found


def run(label: str, paths: list[str], extra: list[str], junit: Path) -> Run:
    command = [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", *extra]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, "CI": "1"}, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if not junit.exists():
        sys.exit(f"{label} run wrote no JUnit file:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return Run(label, command, result.returncode, seconds, outcomes(junit))


def differences(serial: dict[str, str], parallel: dict[str, str]) -> list[str]:
    """One line per test that did not end the same way in both runs (or ran in one only)."""
    return [
        f"{test_id}: serial {serial.get(test_id, 'not run')}, parallel {parallel.get(test_id, 'not run')}"
        for test_id in sorted(serial.keys() | parallel.keys())
        if serial.get(test_id) != parallel.get(test_id)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--workers", default="auto", help="pytest-xdist workers for the parallel run")
    parser.add_argument("paths", nargs="*", default=["suites/"], help="what to run (default: suites/)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        serial = run("serial", args.paths, [], Path(scratch) / "serial.xml")
        parallel = run(f"-n {args.workers}", args.paths, ["-n", args.workers], Path(scratch) / "parallel.xml")
    print(f"pytest {' '.join(args.paths)} (CI=1)")
    print(serial.summary())
    print(parallel.summary())
    differ = differences(serial.outcomes, parallel.outcomes)
    for line in differ:
        print(f"  differs: {line}")
    if differ or serial.returncode != parallel.returncode or not serial.outcomes:
        print("the runs disagree")
        return 1
    print(f"the runs agree on all {len(serial.outcomes)} tests; speed-up x{serial.seconds / parallel.seconds:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
