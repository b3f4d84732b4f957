"""The embedded path: what the pytest fixtures cost, and a suite run's wall time.

    python bench/embedded.py               # every API: fixture start, reset between tests, a poll; `pytest suites/`
    python bench/embedded.py --no-suites   # the fixture figures only (a few seconds)

The fixtures (mocks/pytest_plugin.py) start one `MockServer` per API per session and reset its application after
each test, so a test pays the reset and a session pays one start and one stop. Each is timed here `--repeat`
times (the median and the slowest printed) next to the same steps of pytest-httpserver's own `HTTPServer`, the
server the fixtures build on, measured in the same run: the ratio says what the mock adds to it. A poll is
timed from a fresh `requests` session through the whole server (the median of `--polls`). Then `python -m
pytest suites/` runs in a process of its own, as the README's first command does, and its wall time and
outcome line are printed; a run that does not pass makes the exit status 1.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import requests
from pytest_httpserver import HTTPServer

from bench import prepare_ours  # bench/bench.py, beside this script
from jobcontract.mocks import DIALECTS, MockServer, make_app

ROOT = Path(__file__).resolve().parent.parent


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return seconds


def start_and_stop(make: Callable[[], MockServer | HTTPServer]) -> tuple[float, float]:
    """(seconds to start, seconds to stop) of one server."""
    server = make()
    started = time.perf_counter()
    server.start()
    running = time.perf_counter()
    server.stop()
    return running - started, time.perf_counter() - running


def row(name: str, seconds: list[float], peer: list[float] | None = None) -> str:
    median, slowest = statistics.median(seconds), max(seconds)
    ratio = f"{median / statistics.median(peer):8.2f}" if peer else "        "
    return f"{name:44} {median * 1000:9.2f} {slowest * 1000:9.2f} {ratio}"


def fixture_figures(repeat: int, polls: int) -> list[str]:
    lines = [f"{'step':44} {'median ms':>9} {'max ms':>9} {'ratio':>8}  (ratio: to pytest-httpserver's in this run)"]
    peer = [start_and_stop(lambda: HTTPServer(host="127.0.0.1", port=0)) for _ in range(repeat)]
    peer_start, peer_stop = [start for start, _ in peer], [stop for _, stop in peer]
    lines.append(row("pytest-httpserver HTTPServer: start", peer_start))
    lines.append(row("pytest-httpserver HTTPServer: stop", peer_stop))
    for api in DIALECTS:  # the HTTP mocks; Import/Export is moto's, polled through boto3
        ours = [start_and_stop(lambda api=api: MockServer(make_app(api))) for _ in range(repeat)]  # type: ignore[misc]
        lines.append(row(f"{api}: MockServer start (per session)", [s for s, _ in ours], peer_start))
        lines.append(row(f"{api}: MockServer stop (per session)", [s for _, s in ours], peer_stop))
        app = make_app(api)
        lines.append(row(f"{api}: reset after a test (per test)", timed(app.reset, repeat * 20)))
        with MockServer(make_app(api)) as server, requests.Session() as session:
            polled = prepare_ours(api, server.port)  # the benchmark's poll: a finished job, logged in where needed
            url, headers = server.url + polled.path, polled.headers
            lines.append(row(f"{api}: a poll through MockServer", timed(poll(session, url, headers), polls)))
    return lines


def poll(session: requests.Session, url: str, headers: dict[str, str]) -> Callable[[], object]:
    return lambda: session.get(url, headers=headers, timeout=10)


def suite_run() -> tuple[float, str, int]:
    """(wall seconds, pytest's last line, exit status) of `python -m pytest suites/` in its own process."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "suites/", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    lines = done.stdout.strip().splitlines()
    return time.perf_counter() - started, lines[-1] if lines else done.stderr.strip()[-200:], done.returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="server starts and stops per API (default 5)")
    parser.add_argument("--polls", type=int, default=200, help="polls timed per API (default 200)")
    parser.add_argument("--no-suites", action="store_true", help="leave out the `pytest suites/` run")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.polls < 1:
        parser.error("--repeat and --polls are at least 1")
    print("\n".join(fixture_figures(args.repeat, args.polls)))
    if args.no_suites:
        return 0
    seconds, outcome, status = suite_run()
    print(f"\npython -m pytest suites/: {seconds:.1f} s wall, {outcome}")
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
