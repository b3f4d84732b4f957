"""Benchmark a status poll on each HTTP mock against Prism and WireMock serving the same answer.

    python bench/bench.py                  # all three APIs, ours vs Prism vs WireMock (a few minutes)
    python bench/bench.py --tiny           # a few requests against our mocks only (the smoke test)

For each API (OGC `GET /jobs/{id}`, CF `GET /v3/jobs/{guid}` with the bearer token, CLC
`GET /v2/operations/ALIAS/status/{id}` with a login token) every server is started alone, timed from
process start to its first answered request, then polled by 1, 8 and 32 concurrent keep-alive
clients. The servers:

- `jobcontract`: `mocks.make_app(api)` on `mocks.fastserver.FastServer` (uvloop + httptools), as `serve` runs it;
- `jobcontract-werkzeug`: the same application on `MockServer` (pytest-httpserver), as the fixtures run it;
- `prism`: Prism mocking `contracts/<api>/openapi.yaml` (its static example);
- `wiremock`: WireMock's standalone jar with one stub that answers the body our mock answered.

Prism and WireMock come from npm, installed at run time into `--cache` (default `bench/.cache`,
gitignored); if npm, the packages or Java are missing, their rows say "skipped". Per-request logging
is off everywhere, and WireMock keeps a request journal as long as ours (1,000 entries).

The load generator is this process: Python threads, one `http.client` keep-alive connection each,
bounded in requests and seconds per run. It shares the machine's cores with the server under test,
so the figures compare servers under the same client; they are not the servers' absolute capacity.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = ROOT / "bench" / ".cache"
NPM_PACKAGES = ("@stoplight/prism-cli@5", "wiremock@3")
APIS = ("ogc", "cf", "clc")
OURS = "jobcontract"
SERVERS = (OURS, "jobcontract-werkzeug", "prism", "wiremock")
JOURNAL_ENTRIES = 1000  # mocks.engine.Engine.JOURNAL_LIMIT, given to WireMock too
READY_TIMEOUT = 90.0
CF_TOKEN = "jobcontract-cf-token"  # mocks.cf.VALID_TOKEN
CLC_LOGIN = {"username": "user@company.com", "password": "mypassword"}  # mocks.clc's first user
TERMINAL_STATE = {"ogc": "successful", "cf": "COMPLETE", "clc": "succeeded"}
POLL_PATH = {"ogc": "/jobs/{id}", "cf": "/v3/jobs/{id}", "clc": "/v2/operations/ALIAS/status/{id}"}


@dataclass
class Poll:
    """The request every client repeats, and the answer our mock gave to it."""

    path: str
    headers: dict[str, str]
    body: bytes = b""
    content_type: str = "application/json"


@dataclass
class Run:
    """One server at one concurrency."""

    clients: int
    requests: int
    errors: int
    seconds: float
    latencies: list[float] = field(repr=False)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def mean(self) -> float:
        """Mean latency: with closed-loop clients it is clients / throughput (Little's law), whoever is served first."""
        return sum(self.latencies) / len(self.latencies) if self.latencies else float("nan")

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Result:
    api: str
    server: str
    startup: float | None = None
    runs: dict[int, Run] = field(default_factory=dict)
    skipped: str | None = None


# -- the load generator --------------------------------------------------------------------------------
def load(port: int, poll: Poll, clients: int, seconds: float, max_requests: int) -> Run:
    """`clients` threads, each on its own keep-alive connection, poll until `seconds` pass or together
    they have sent `max_requests`. Only 200 answers count as requests; anything else is an error."""
    quota = max(1, max_requests // clients)
    start = threading.Barrier(clients + 1)
    deadline = [0.0]
    finished: list[tuple[list[float], int, float]] = []
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies: list[float] = []
        errors = 0
        start.wait()
        while len(latencies) + errors < quota and time.perf_counter() < deadline[0]:
            sent = time.perf_counter()
            try:
                connection.request("GET", poll.path, headers=poll.headers)
                response = connection.getresponse()
                response.read()
                answered = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()  # http.client reconnects on the next request
                answered = False
            if answered:
                latencies.append(time.perf_counter() - sent)
            else:
                errors += 1
        ended = time.perf_counter()
        connection.close()
        with lock:
            finished.append((latencies, errors, ended))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join(seconds + 30)
    latencies = [latency for done, _, _ in finished for latency in done]
    errors = sum(count for _, count, _ in finished)
    elapsed = max((ended for _, _, ended in finished), default=began) - began
    return Run(clients, len(latencies), errors, elapsed, latencies)


# -- starting and stopping servers ----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(port: int, path: str) -> bool:
    """Whether the server answers an HTTP request at all (any status)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


class Process:
    """A server process, timed from its start to its first answered request."""

    def __init__(self, command: Sequence[str], port: int, probe_path: str, log: Path) -> None:
        self.port = port
        self.log = log
        self._log_file = log.open("wb")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            command, stdout=self._log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT
        )
        while not answers(port, probe_path):
            if self.process.poll() is not None or time.perf_counter() - started > READY_TIMEOUT:
                self.stop()
                tail = log.read_text(errors="replace")[-600:]
                raise RuntimeError(f"{command[0]} did not answer on port {port}: {tail}")
            time.sleep(0.005)
        self.startup = time.perf_counter() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()


def npm_tools(cache: Path) -> tuple[Path | None, Path | None, str]:
    """(prism binary, WireMock jar, why missing), installing the npm packages into `cache` if needed."""
    prism = cache / "node_modules" / ".bin" / "prism"
    jars = lambda: sorted((cache / "node_modules" / "wiremock" / "build").glob("wiremock-standalone-*.jar"))  # noqa: E731
    if not (prism.exists() and jars()):
        npm = shutil.which("npm")
        if npm is None:
            return None, None, "skipped: npm package not available (npm is not installed)"
        cache.mkdir(parents=True, exist_ok=True)
        print(f"installing {' '.join(NPM_PACKAGES)} into {cache} ...", flush=True)
        installed = subprocess.run(
            [npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund", "--no-save", *NPM_PACKAGES],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if installed.returncode != 0:
            print(installed.stderr[-1000:], file=sys.stderr)
    found = jars()
    why = "skipped: npm package not available"
    return (prism if prism.exists() else None), (found[-1] if found else None), why


# -- each server's way to start and to be made ready ----------------------------------------------------------
def start_ours(api: str, server: str, log_dir: Path) -> Process:
    port = free_port()
    kind = "fast" if server == OURS else "werkzeug"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve-mock",
        api,
        "--server",
        kind,
        "--port",
        str(port),
    ]
    return Process(command, port, POLL_PATH[api].format(id="no-such-job"), log_dir / f"{api}-{server}.log")


def prepare_ours(api: str, port: int) -> Poll:
    """Create a finished job through the control API, log in if the API wants it, and poll it once."""
    base = f"http://127.0.0.1:{port}"
    job = post_json(f"{base}/__jobcontract/jobs", {"script": [TERMINAL_STATE[api]]})
    headers: dict[str, str] = {"Accept": "application/json"}
    if api == "cf":
        headers["Authorization"] = f"Bearer {CF_TOKEN}"  # Prism only takes the capitalised scheme
    if api == "clc":
        headers["Authorization"] = "Bearer " + post_json(f"{base}/v2/authentication/login", CLC_LOGIN)["bearerToken"]
    poll = Poll(POLL_PATH[api].format(id=job["id"]), headers)
    with urllib.request.urlopen(urllib.request.Request(base + poll.path, headers=headers), timeout=10) as answer:
        poll.body = answer.read()
        poll.content_type = answer.headers.get("Content-Type", "application/json")
    return poll


def post_json(url: str, body: object) -> dict[str, str]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())  # type: ignore[no-any-return]


def start_prism(api: str, prism: Path, poll: Poll, log_dir: Path) -> Process:
    port = free_port()
    contract = ROOT / "contracts" / api / "openapi.yaml"
    command = [str(prism), "mock", str(contract), "--host", "127.0.0.1", "--port", str(port), "--verboseLevel", "warn"]
    return Process(command, port, poll.path, log_dir / f"{api}-prism.log")


def start_wiremock(api: str, jar: Path, poll: Poll, log_dir: Path) -> Process:
    root = log_dir / f"wiremock-{api}"
    (root / "mappings").mkdir(parents=True, exist_ok=True)
    request: dict[str, object] = {"method": "GET", "url": poll.path}
    if "Authorization" in poll.headers:  # WireMock checks the credentials too, as ours does
        request["headers"] = {"Authorization": {"equalTo": poll.headers["Authorization"]}}
    stub = {
        "request": request,
        "response": {"status": 200, "body": poll.body.decode(), "headers": {"Content-Type": poll.content_type}},
    }
    (root / "mappings" / "poll.json").write_text(json.dumps(stub))
    port = free_port()
    command = [
        shutil.which("java") or "java",
        "-jar",
        str(jar),
        "--port",
        str(port),
        "--bind-address",
        "127.0.0.1",
        "--root-dir",
        str(root),
        "--disable-banner",
        "--disable-request-logging",
        "--max-request-journal-entries",
        str(JOURNAL_ENTRIES),
    ]
    return Process(command, port, poll.path, log_dir / f"{api}-wiremock.log")


# -- the run ------------------------------------------------------------------------------------------------------
def measure(process: Process, poll: Poll, args: argparse.Namespace, result: Result) -> None:
    result.startup = process.startup
    if args.warmup > 0:  # the JVM and the interpreters' caches warm up before any figure is taken
        load(process.port, poll, max(args.clients), args.warmup, args.max_requests)
    for clients in args.clients:
        result.runs[clients] = load(process.port, poll, clients, args.seconds, args.max_requests)


def bench_api(api: str, args: argparse.Namespace, log_dir: Path, prism: Path | None, jar: Path | None) -> list[Result]:
    results: list[Result] = []
    poll: Poll | None = None
    for server in args.servers:
        result = Result(api, server)
        results.append(result)
        process: Process | None = None
        try:
            if server in (OURS, "jobcontract-werkzeug"):
                process = start_ours(api, server, log_dir)
                poll = prepare_ours(api, process.port)
            elif poll is None:
                result.skipped = "skipped: needs one of our servers first (for the request and the body)"
                continue
            elif server == "prism":
                if prism is None:
                    result.skipped = args.npm_missing
                    continue
                process = start_prism(api, prism, poll, log_dir)
            else:
                if jar is None:
                    result.skipped = args.npm_missing
                    continue
                if shutil.which("java") is None:
                    result.skipped = "skipped: java not available"
                    continue
                process = start_wiremock(api, jar, poll, log_dir)
            measure(process, poll, args, result)
        except (RuntimeError, OSError) as error:
            result.skipped = f"failed: {error}"
        finally:
            if process is not None:
                process.stop()
        print(f"  {api} {server}: done", file=sys.stderr, flush=True)
    return results


def ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None or theirs != theirs or ours != ours or theirs == 0:
        return "-"
    return f"{ours / theirs:.2f}"


def report(results: list[Result], args: argparse.Namespace) -> str:
    cores = os.cpu_count() or 1
    lines = [
        f"status poll benchmark: {args.seconds:g} s or {args.max_requests} requests per run, warm-up {args.warmup:g} s",
        f"load generator: Python threads, one http.client keep-alive connection each, in the benchmark process;"
        f" it shares the {cores} cores with the server under test",
        "",
        f"{'api':<4} {'server':<21} {'start-up s':>10} {'clients':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'mean ms':>8} {'errors':>6}",
    ]
    for result in results:
        if result.skipped:
            lines.append(f"{result.api:<4} {result.server:<21} {result.skipped}")
            continue
        for clients, run in result.runs.items():
            lines.append(
                f"{result.api:<4} {result.server:<21} {result.startup or 0:>10.3f} {clients:>7} {run.throughput:>9.0f}"
                f" {run.percentile(0.5) * 1000:>8.2f} {run.percentile(0.99) * 1000:>8.2f} {run.mean * 1000:>8.2f}"
                f" {run.errors:>6}"
            )
    by_key = {(r.api, r.server): r for r in results if not r.skipped}
    others = [server for server in ("prism", "wiremock") if any(s == server for _, s in by_key)]
    if others and any(server == OURS for _, server in by_key):
        lines += ["", "ratios ours / theirs (throughput above 1, latency and start-up below 1: ours is ahead)"]
        lines.append(
            f"{'api':<4} {'vs':<9} {'start-up':>8} {'clients':>7} {'req/s':>7} {'p50':>7} {'p99':>7} {'mean':>7}"
        )
        for api in dict.fromkeys(r.api for r in results):
            ours = by_key.get((api, OURS))
            for other in others:
                theirs = by_key.get((api, other))
                if ours is None or theirs is None:
                    continue
                for clients, run in ours.runs.items():
                    their_run = theirs.runs[clients]
                    lines.append(
                        f"{api:<4} {other:<9} {ratio(ours.startup, theirs.startup):>8} {clients:>7}"
                        f" {ratio(run.throughput, their_run.throughput):>7}"
                        f" {ratio(run.percentile(0.5), their_run.percentile(0.5)):>7}"
                        f" {ratio(run.percentile(0.99), their_run.percentile(0.99)):>7}"
                        f" {ratio(run.mean, their_run.mean):>7}"
                    )
    return "\n".join(lines)


def serve_mock(api: str, kind: str, port: int) -> int:
    """The server under test, in its own process: the `serve` application, without a per-request log."""
    sys.path.insert(0, str(ROOT))
    from mocks import Clock, MockServer, make_app
    from mocks.fastserver import FastServer

    app = make_app(api, clock=Clock(frozen=False))
    server = FastServer(app, port=port) if kind == "fast" else MockServer(app, port=port)
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apis", default=",".join(APIS), help="comma-separated APIs (default: all)")
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated servers (default: all)")
    parser.add_argument("--clients", default="1,8,32", help="comma-separated concurrency levels")
    parser.add_argument("--seconds", type=float, default=4.0, help="longest run per level (default: 4)")
    parser.add_argument("--max-requests", type=int, default=40000, help="most requests per level")
    parser.add_argument("--warmup", type=float, default=1.5, help="seconds of load before measuring")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where npm installs Prism and WireMock")
    parser.add_argument("--tiny", action="store_true", help="a few requests against our mocks only (smoke test)")
    parser.add_argument("--serve-mock", choices=APIS, help=argparse.SUPPRESS)
    parser.add_argument("--server", choices=("fast", "werkzeug"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_mock:
        return serve_mock(args.serve_mock, args.server, args.port)
    if args.tiny:
        args.servers, args.clients, args.seconds, args.max_requests, args.warmup = (
            f"{OURS},jobcontract-werkzeug",
            "1,8",
            0.3,
            50,
            0.0,
        )
    args.apis = [api for api in args.apis.split(",") if api]
    args.servers = [server for server in args.servers.split(",") if server]
    args.clients = [int(level) for level in args.clients.split(",") if level]
    unknown = sorted({*args.apis} - {*APIS}) + sorted({*args.servers} - {*SERVERS})
    if unknown:
        parser.error(f"unknown API or server {unknown}; APIs: {', '.join(APIS)}; servers: {', '.join(SERVERS)}")
    prism = jar = None
    args.npm_missing = "skipped: npm package not available"
    if {"prism", "wiremock"} & {*args.servers}:
        prism, jar, args.npm_missing = npm_tools(args.cache)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="jobcontract-bench-") as scratch:
        for api in args.apis:
            results += bench_api(api, args, Path(scratch), prism, jar)
    print(report(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
