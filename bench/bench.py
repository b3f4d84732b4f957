"""Benchmark a status poll on each HTTP mock against Prism and WireMock serving the same answer.

    python bench/bench.py                  # all three APIs, every server, 1/8/32 clients with wrk (about 4 minutes)
    python bench/bench.py --tiny           # a few seconds against our mocks only (the smoke test)
    python bench/bench.py --client python  # the same, driven by Python threads in this process instead of wrk

For each API (OGC `GET /jobs/{id}`, CF `GET /v3/jobs/{guid}` with the bearer token, CLC
`GET /v2/operations/ALIAS/status/{id}` with a login token) every server is started alone, timed from
process start to its first answered request, warmed up (`--warmup`, 3 s of load at the highest
concurrency, the same for every server: the JVM's JIT needs it), then polled by 1, 8 and 32
concurrent keep-alive clients for `--seconds` (5) each. The servers:

- `jobcontract`: `jobcontract serve --api <api>`, exactly as users run it (FastServer, its access
  log on stderr, here written to a file);
- `jobcontract-werkzeug`: the same application on `MockServer` (pytest-httpserver), as the fixtures run it;
- `prism`: Prism mocking `contracts/<api>/openapi.yaml` (its static example);
- `wiremock`: WireMock's standalone jar with one stub that answers the body our mock answered;
- `jobcontract-nolog` (only when asked for with `--servers`): `serve`'s FastServer without its access log,
  to see what the log costs.

The load generator (`--client`) is `wrk` by default: one wrk thread (`wrk -t1 -cN -dSs --latency`), in
C, its own process, with a Lua script that counts every answer that is not 2xx. A run with any such
answer or any socket error is printed as FAILED and makes the exit status 1: a benchmark of 404s is
no benchmark. wrk is installed with `apt-get install -y wrk` when it is missing and this runs as root;
`--tiny` installs nothing and uses the Python client unless given `--client wrk`. `--client python`
is the earlier client: Python threads in this process, one `http.client` keep-alive connection each,
bounded by `--max-requests` too; it saturates before WireMock does, so it understates the fast
servers. Either client shares the machine's cores with the server under test: the figures compare
servers under the same client on the same machine, not their capacity on a machine of their own.

wrk's latency figures are its own: it corrects its histogram for coordinated omission (every latency
above twice the mean interval between a connection's requests adds the requests that would have
waited behind it), which raises the p99 and mean of a server that stalls now and then.

Prism and WireMock come from npm, installed at run time into `--cache` (default `bench/.cache`,
gitignored); if npm, the packages or Java are missing, their rows say "skipped". WireMock keeps a
request journal as long as ours (1,000 entries) and does not log requests.
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = ROOT / "bench" / ".cache"
NPM_PACKAGES = ("@stoplight/prism-cli@5", "wiremock@3")
APIS = ("ogc", "cf", "clc")
OURS = "jobcontract"
SERVERS = (OURS, "jobcontract-werkzeug", "prism", "wiremock")
OPTIONAL_SERVERS = ("jobcontract-nolog",)  # run only when named in --servers
OUR_SERVERS = {OURS: "serve", "jobcontract-werkzeug": "werkzeug", "jobcontract-nolog": "fast"}
BASELINE = "wiremock"  # the ratios are to this server
CLIENTS = ("wrk", "python")
JOURNAL_ENTRIES = 1000  # mocks.engine.Engine.JOURNAL_LIMIT, given to WireMock too
READY_TIMEOUT = 90.0
CF_TOKEN = "jobcontract-cf-token"  # mocks.cf.VALID_TOKEN
CLC_LOGIN = {"username": "user@company.com", "password": "mypassword"}  # mocks.clc's first user
TERMINAL_STATE = {"ogc": "successful", "cf": "COMPLETE", "clc": "succeeded"}
POLL_PATH = {"ogc": "/jobs/{id}", "cf": "/v3/jobs/{id}", "clc": "/v2/operations/ALIAS/status/{id}"}
WRK_MARK = "JOBCONTRACT-BENCH "
# One wrk thread's script: counts the answers that are not 2xx (wrk itself counts only those above 399) and
# prints the run as one JSON line after wrk's own summary. Defining response() makes wrk parse every answer's
# headers and body, the same cost for every server.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_2xx = 0; first_status = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then
    not_2xx = not_2xx + 1
    if first_status == 0 then first_status = status end
  end
end
function done(summary, latency, requests)
  local bad, first = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("not_2xx")
    if first == 0 then first = thread:get("first_status") end
  end
  local e = summary.errors
  io.write(string.format(
    '%s{"answers": %d, "duration_us": %d, "not_2xx": %d, "first_status": %d, "socket_errors": %d,'
      .. ' "p50_us": %d, "p99_us": %d, "mean_us": %.1f}\\n',
    "MARK", summary.requests, summary.duration, bad, first, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
""".replace("MARK", WRK_MARK)


@dataclass
class Poll:
    """The request every client repeats, and the answer our mock gave to it."""

    path: str
    headers: dict[str, str]
    body: bytes = b""
    content_type: str = "application/json"


@dataclass
class Run:
    """One server at one concurrency: every answer counted, latencies in seconds."""

    clients: int
    answers: int  # every HTTP answer, 2xx or not
    seconds: float
    p50: float
    p99: float
    mean: float
    not_2xx: int = 0
    first_bad_status: int = 0
    socket_errors: int = 0

    @property
    def throughput(self) -> float:
        return self.answers / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.not_2xx + self.socket_errors

    @property
    def failure(self) -> str | None:
        """Why the run's figures do not count: any answer not 2xx, any socket error, or no answer at all."""
        problems = []
        if self.not_2xx:
            problems.append(f"{self.not_2xx} of {self.answers} answers not 2xx (the first: {self.first_bad_status})")
        if self.socket_errors:
            problems.append(f"{self.socket_errors} socket errors or timeouts")
        if not self.answers:
            problems.append("no answer")
        return "FAILED: " + ", ".join(problems) if problems else None


@dataclass
class Result:
    api: str
    server: str
    startup: float | None = None
    runs: dict[int, Run] = field(default_factory=dict)
    skipped: str | None = None  # a tool is missing: not a failure
    failed: str | None = None  # the server did not start, or the load generator did not run

    @property
    def ok(self) -> bool:
        return not self.failed and not any(run.failure for run in self.runs.values())


# -- the load generators --------------------------------------------------------------------------------
def load(args: argparse.Namespace, port: int, poll: Poll, clients: int, seconds: int) -> Run:
    """One run of the chosen client (`args.client`) against the server on `port`."""
    if args.client == "wrk":
        return load_wrk(args.wrk, args.wrk_script, port, poll, clients, seconds)
    return load_python(port, poll, clients, seconds, args.max_requests)


def load_wrk(wrk: Path, script: Path, port: int, poll: Poll, clients: int, seconds: int) -> Run:
    """`wrk -t1 -cN -dSs --latency` with WRK_SCRIPT: one wrk thread keeps `clients` keep-alive connections busy."""
    command = [str(wrk), "-t1", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", str(script)]
    for name, value in poll.headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{poll.path}")
    ran = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((line for line in ran.stdout.splitlines() if line.startswith(WRK_MARK)), None)
    if ran.returncode != 0 or line is None:
        raise RuntimeError(f"wrk exited with {ran.returncode}: {(ran.stderr or ran.stdout)[-600:]}")
    figures = json.loads(line[len(WRK_MARK) :])
    return Run(
        clients,
        answers=figures["answers"],
        seconds=figures["duration_us"] / 1e6,
        p50=figures["p50_us"] / 1e6,
        p99=figures["p99_us"] / 1e6,
        mean=figures["mean_us"] / 1e6,
        not_2xx=figures["not_2xx"],
        first_bad_status=figures["first_status"],
        socket_errors=figures["socket_errors"],
    )


def load_python(port: int, poll: Poll, clients: int, seconds: float, max_requests: int) -> Run:
    """`clients` threads, each on its own keep-alive connection, poll until `seconds` pass or together
    they have sent `max_requests`. Latencies are of the 2xx answers; the others are counted."""
    quota = max(1, max_requests // clients)
    start = threading.Barrier(clients + 1)
    deadline = [0.0]
    finished: list[tuple[list[float], list[int], int, float]] = []
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies: list[float] = []
        bad_statuses: list[int] = []
        socket_errors = 0
        start.wait()
        while len(latencies) + len(bad_statuses) + socket_errors < quota and time.perf_counter() < deadline[0]:
            sent = time.perf_counter()
            try:
                connection.request("GET", poll.path, headers=poll.headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                connection.close()  # http.client reconnects on the next request
                socket_errors += 1
                continue
            if 200 <= response.status < 300:
                latencies.append(time.perf_counter() - sent)
            else:
                bad_statuses.append(response.status)
        ended = time.perf_counter()
        connection.close()
        with lock:
            finished.append((latencies, bad_statuses, socket_errors, ended))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join(seconds + 30)
    latencies = sorted(latency for done, _, _, _ in finished for latency in done)
    bad_statuses = [status for _, bad, _, _ in finished for status in bad]
    elapsed = max((ended for *_, ended in finished), default=began) - began
    return Run(
        clients,
        answers=len(latencies) + len(bad_statuses),
        seconds=elapsed,
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
        mean=sum(latencies) / len(latencies) if latencies else float("nan"),
        not_2xx=len(bad_statuses),
        first_bad_status=bad_statuses[0] if bad_statuses else 0,
        socket_errors=sum(errors for _, _, errors, _ in finished),
    )


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def find_wrk(install: bool) -> Path | None:
    """wrk on the PATH; when it is missing, `install` and this is root on Debian/Ubuntu, `apt-get install -y wrk`
    (after an `apt-get update` if the first try does not find the package)."""
    apt = shutil.which("apt-get")
    if shutil.which("wrk") is None and install and apt is not None and os.geteuid() == 0:
        print("wrk is missing: apt-get install -y wrk ...", file=sys.stderr, flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for steps in ([["install", "-y", "-q", "wrk"]], [["update", "-q"], ["install", "-y", "-q", "wrk"]]):
            for step in steps:
                ran = subprocess.run([apt, *step], capture_output=True, text=True, env=env, timeout=600)
            if ran.returncode == 0:
                break
            print(ran.stderr[-1000:], file=sys.stderr)
    found = shutil.which("wrk")
    return Path(found) if found else None


def first_line(command: Sequence[str]) -> str:
    """The first line a `--version` command prints (on stdout or stderr), or "" when it cannot run."""
    try:
        ran = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (ran.stdout.strip() or ran.stderr.strip()).partition("\n")[0]


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

    def __init__(
        self, command: Sequence[str], port: int, probe_path: str, log: Path, env: dict[str, str] | None = None
    ) -> None:
        self.port = port
        self.log = log
        self._log_file = log.open("wb")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            command, stdout=self._log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT, env=env
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
    """`jobcontract serve` for `jobcontract`; this script's `--serve-mock` for the other ways to serve."""
    port = free_port()
    kind = OUR_SERVERS[server]
    if kind == "serve":
        command = [sys.executable, "-m", "jobcontract.mocks", "serve", "--api", api, "--port", str(port)]
    else:
        command = [sys.executable, str(Path(__file__).resolve()), "--serve-mock", api, "--server", kind]
        command += ["--port", str(port)]
    return Process(
        command, port, POLL_PATH[api].format(id="no-such-job"), log_dir / f"{api}-{server}.log", bytecode_cached()
    )


def bytecode_cached() -> dict[str, str]:
    """The environment for our servers: Python's bytecode cache on, as an installed package has it (pip compiles a
    wheel's modules when it installs them), even where PYTHONDONTWRITEBYTECODE is set (this machine sets it, which
    would make every start compile our modules again); the cache is written by an import before any start is timed."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", "import jobcontract.mocks.__main__"], cwd=ROOT, env=env, check=True)
    return env


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
    if args.warmup > 0:  # the JVM's JIT and the interpreters' caches warm up before any figure is taken
        load(args, process.port, poll, max(args.clients), args.warmup)
    for clients in args.clients:
        result.runs[clients] = load(args, process.port, poll, clients, args.seconds)


def bench_api(api: str, args: argparse.Namespace, log_dir: Path, prism: Path | None, jar: Path | None) -> list[Result]:
    results: list[Result] = []
    poll: Poll | None = None
    for server in args.servers:
        result = Result(api, server)
        results.append(result)
        process: Process | None = None
        try:
            if server in OUR_SERVERS:
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
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
            result.failed = f"FAILED: {error}"
        finally:
            if process is not None:
                process.stop()
        print(f"  {api} {server}: done", file=sys.stderr, flush=True)
    return results


def ratio(value: float | None, baseline: float | None) -> str:
    if value is None or baseline is None or baseline != baseline or value != value or baseline == 0:
        return "-"
    return f"{value / baseline:.2f}"


def report(results: list[Result], args: argparse.Namespace) -> str:
    cores = os.cpu_count() or 1
    if args.client == "wrk":
        per_run = f"{args.seconds} s per run"
        generator = f"{args.wrk_version}, one thread (-t1) with N keep-alive connections, a process of its own"
    else:
        per_run = f"{args.seconds} s or {args.max_requests} requests per run"
        generator = "Python threads, one http.client keep-alive connection each, in the benchmark process"
    warmup = f"after a {args.warmup} s warm-up at {max(args.clients)} clients" if args.warmup else "no warm-up"
    lines = [
        f"status poll benchmark: {per_run}, {warmup}; a run with any answer not 2xx or any socket error is FAILED",
        f"load generator: {generator}; it shares the {cores} cores with the server under test",
        f"load average (1, 5, 15 min): {args.load_before} before the run, {args.load_after} after",
        *([f"peers: {args.peers}"] if args.peers else []),
        "",
        f"{'api':<4} {'server':<21} {'start-up s':>10} {'clients':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'mean ms':>8} {'errors':>6}",
    ]
    for result in results:
        why = result.skipped or result.failed
        if why:  # on one line, however many lines a server's log tail has
            lines.append(f"{result.api:<4} {result.server:<21} {' '.join(why.split())}")
            continue
        for clients, run in result.runs.items():
            start = f"{result.api:<4} {result.server:<21} {result.startup or 0:>10.3f} {clients:>7}"
            if run.failure:
                lines.append(f"{start} {run.failure}")
                continue
            lines.append(
                f"{start} {run.throughput:>9.0f} {run.p50 * 1000:>8.2f} {run.p99 * 1000:>8.2f} {run.mean * 1000:>8.2f}"
                f" {run.errors:>6}"
            )
    measured = {(r.api, r.server): r for r in results if r.runs}
    compared = [(api, server) for api, server in measured if server != BASELINE and (api, BASELINE) in measured]
    if compared:
        lines += [
            "",
            f"ratios to {BASELINE} (this server's figure / {BASELINE}'s): req/s above 1 answers more polls per second;"
            " p50, p99, mean and start-up below 1 are quicker",
            f"{'api':<4} {'server':<21} {'clients':>7} {'req/s':>7} {'p50':>7} {'p99':>7} {'mean':>7} {'start-up':>8}",
        ]
        for api, server in compared:
            result, baseline = measured[api, server], measured[api, BASELINE]
            for clients, run in result.runs.items():
                other = baseline.runs.get(clients)
                if other is None or run.failure or other.failure:
                    lines.append(f"{api:<4} {server:<21} {clients:>7} -")
                    continue
                lines.append(
                    f"{api:<4} {server:<21} {clients:>7} {ratio(run.throughput, other.throughput):>7}"
                    f" {ratio(run.p50, other.p50):>7} {ratio(run.p99, other.p99):>7} {ratio(run.mean, other.mean):>7}"
                    f" {ratio(result.startup, baseline.startup):>8}"
                )
    return "\n".join(lines)


def serve_mock(api: str, kind: str, port: int) -> int:
    """A server under test in its own process: the `serve` application on FastServer without its access log
    (`fast`), or on pytest-httpserver's werkzeug server (`werkzeug`)."""
    sys.path.insert(0, str(ROOT))
    from jobcontract.mocks import Clock, MockServer, make_app
    from jobcontract.mocks.fastserver import FastServer

    app = make_app(api, clock=Clock(frozen=False))
    server = FastServer(app, port=port) if kind == "fast" else MockServer(app, port=port)
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


def positive_levels(text: str) -> list[int]:
    """`1,8,32` -> [1, 8, 32]; anything but positive whole numbers is a usage error."""
    levels = [level.strip() for level in text.split(",") if level.strip()]
    if not levels or not all(level.isdigit() and int(level) > 0 for level in levels):
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of positive whole numbers")
    return [int(level) for level in levels]


def whole_seconds(least: int) -> Callable[[str], int]:
    """A parser of whole seconds, at least `least` (wrk counts in whole seconds)."""

    def parse(text: str) -> int:
        if not text.isdigit() or int(text) < least:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number of seconds of at least {least} (wrk's unit)"
            )
        return int(text)

    return parse


def load_average() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


def peers(args: argparse.Namespace, prism: Path | None, jar: Path | None) -> str:
    """The versions of Prism, WireMock and Java that the run measures."""
    found = []
    if "prism" in args.servers and prism is not None:
        found.append(f"Prism {first_line([str(prism), '--version'])}")
    if BASELINE in args.servers and jar is not None:
        found.append(f"WireMock {jar.name} on {first_line([shutil.which('java') or 'java', '-version'])}")
    return "; ".join(found)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apis", default=",".join(APIS), help="comma-separated APIs (default: all)")
    parser.add_argument(
        "--servers",
        default=",".join(SERVERS),
        help=f"comma-separated servers (default: {','.join(SERVERS)}; also: {','.join(OPTIONAL_SERVERS)})",
    )
    parser.add_argument("--clients", type=positive_levels, default=[1, 8, 32], help="concurrency levels (1,8,32)")
    parser.add_argument("--client", choices=CLIENTS, help="the load generator (default: wrk; see above)")
    parser.add_argument("--seconds", type=whole_seconds(1), default=5, help="length of each run (default: 5)")
    parser.add_argument("--warmup", type=whole_seconds(0), default=3, help="seconds of load before measuring (3)")
    parser.add_argument("--max-requests", type=int, default=40000, help="most requests per run (--client python)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where npm installs Prism and WireMock")
    parser.add_argument(
        "--tiny", action="store_true", help="our mocks only, at most 1 s or 50 requests per run (the smoke test)"
    )
    parser.add_argument("--serve-mock", choices=APIS, help=argparse.SUPPRESS)
    parser.add_argument("--server", choices=("fast", "werkzeug"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_mock:
        return serve_mock(args.serve_mock, args.server, args.port)
    if args.tiny:
        args.servers, args.clients, args.seconds, args.max_requests, args.warmup = (
            f"{OURS},jobcontract-werkzeug",
            [1, 8],
            1,
            50,
            0,
        )
    args.apis = [api for api in args.apis.split(",") if api]
    args.servers = [server for server in args.servers.split(",") if server]
    servers = (*SERVERS, *OPTIONAL_SERVERS)
    unknown = sorted({*args.apis} - {*APIS}) + sorted({*args.servers} - {*servers})
    if unknown:
        parser.error(f"unknown API or server {unknown}; APIs: {', '.join(APIS)}; servers: {', '.join(servers)}")
    if args.client is None:  # the smoke test needs nothing installed, and wrk's runs last a whole second
        args.client = "python" if args.tiny else "wrk"
    if args.client == "wrk":
        args.wrk = find_wrk(install=not args.tiny)
        if args.wrk is None:
            parser.error("wrk is not installed and could not be (apt-get install wrk, as root); or use --client python")
        args.wrk_version = first_line([str(args.wrk), "-v"]).partition(" Copyright")[0]
    prism = jar = None
    args.npm_missing = "skipped: npm package not available"
    if {"prism", "wiremock"} & {*args.servers}:
        prism, jar, args.npm_missing = npm_tools(args.cache)
    args.peers = peers(args, prism, jar)
    args.load_before = load_average()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="jobcontract-bench-") as scratch:
        args.wrk_script = Path(scratch) / "poll.lua"
        args.wrk_script.write_text(WRK_SCRIPT)
        for api in args.apis:
            results += bench_api(api, args, Path(scratch), prism, jar)
    args.load_after = load_average()
    print(report(results, args))
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
