"""Serve mocks until Ctrl-C or SIGTERM.

    jobcontract serve --api ogc [--host 127.0.0.1] [--port N]
    jobcontract serve --api all [--ports ogc=8081,cf=8082] [--scenario FILE ...]

Each mock prints one line, `<api> mock serving at <base URL> (control API: <URL>)`, then one line per
job seeded from the scenario files. Ports not given are free ones.

Safe to leave running: each mock serves at most --max-connections connections at once (a connection
beyond is answered 503 with Retry-After: 1), times out slow and idle clients, stops reading a client
that does not read its answers, and logs each limit hit as a rate-limited WARNING on stderr. Ctrl-C or
SIGTERM lets the answers in flight finish for up to --drain seconds; a second one stops at once.

The control API (/__jobcontract) takes JSON only and no request from a web page of another site; with
--control-token (or $JOBCONTRACT_CONTROL_TOKEN) every call needs `Authorization: Bearer TOKEN`, without one
its `Host` must be the mock's own address. A --host other than loopback needs a token (or --control-open,
which warns). Each mock holds at most --max-jobs jobs of at most --max-attribute-bytes attributes each.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import sys
import threading
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from jobcontract import contracts

from . import CONTROL_PREFIX, DIALECTS, MOTO_BACKENDS, Clock, engine, make_app
from .control import TOKEN_VARIABLE, ControlPolicy
from .fastserver import DRAIN, FastServer, default_max_connections
from .workbench import load_scenario, seed_app, seed_importexport

ALL = "all"
SERVABLE = tuple(api for api in contracts.APIS if api in DIALECTS or api in MOTO_BACKENDS)


PORT_RANGE = "the port is a number from 0 (a free one) to 65535"


def port_number(text: str) -> int:
    """`8080` -> 8080; anything but 0..65535 is a usage error (the OS would take 99999 for a free port)."""
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: {PORT_RANGE}")
    return int(text)


def parse_ports(text: str) -> dict[str, int]:
    """`ogc=8081,cf=8082` -> {"ogc": 8081, "cf": 8082}."""
    ports: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        api, equals, port = item.partition("=")
        if not equals or api not in SERVABLE:
            raise argparse.ArgumentTypeError(f"{item!r} is not API=PORT with API one of {', '.join(SERVABLE)}")
        if not port.isdigit() or not 0 <= int(port) <= 65535:
            raise argparse.ArgumentTypeError(f"{item!r}: {PORT_RANGE}")
        ports[api] = int(port)
    return ports


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: a number of seconds, 0 or more")
    return value


def unseeded(scenarios: dict[str, dict[str, list[Any]]], served: list[str]) -> str | None:
    """Why a scenario file would seed nothing in the mocks served, if one would: a silent no-op otherwise."""
    for path, scenario in scenarios.items():
        if not any(scenario.get(api) for api in served):
            has = [api for api, jobs in scenario.items() if jobs]
            what = f"has jobs for {', '.join(has)} only" if has else "has no jobs"
            hint = f" (serve --api {has[0] if len(has) == 1 else ALL}, or leave the file out)" if has else ""
            return f"--scenario {path} {what}, and this serve runs {', '.join(served)}: it would seed nothing{hint}"
    return None


def log_warnings() -> None:
    """The mocks' warnings (a limit hit, answers cut off when stopping) on stderr, one line each."""
    logger = logging.getLogger("jobcontract.mocks")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


def control_token(text: str) -> str:
    if not text or not text.isascii() or not text.isprintable() or " " in text:
        raise argparse.ArgumentTypeError("the control token is a non-empty string of visible ASCII characters")
    return text


def at_least_one(text: str) -> int:
    if not text.isdecimal() or len(text) > 12 or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text[:20]!r}: a whole number, at least 1")
    return int(text)


def is_loopback(host: str) -> bool:
    try:
        return host.lower() == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a name: it may resolve to any address
        return False


def guard(servers: dict[str, Any], policy: ControlPolicy) -> None:
    """Every mock's control API under `policy` (Import/Export's is the process's, as its moto backends are)."""
    for api, server in servers.items():
        if api in MOTO_BACKENDS:
            import_module(f"{MOTO_BACKENDS[api]}.control", __package__).set_policy(policy)
        else:
            server.app.control.policy = policy


def public_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL with a host (and no query)")
    return text.rstrip("/")


def build_server(
    api: str, host: str, port: int, variant: str | None, public: str = "", *, max_connections: int | None = None
) -> Any:
    """The unstarted server of one mock, its jobs aging in real time."""
    if api in MOTO_BACKENDS:  # moto's own server with the backend registered
        return import_module(MOTO_BACKENDS[api], __package__).serve(
            host, port, variant, max_connections=max_connections
        )
    # an event loop rather than pytest-httpserver: the same app, many times the throughput under wrk (bench/README.md)
    app = make_app(api, variant, clock=Clock(frozen=False))
    app.public_url = public
    return FastServer(app, host, port, access_log=True, max_connections=max_connections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="jobcontract", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve mocks over HTTP until Ctrl-C or SIGTERM")
    serve.add_argument("--api", required=True, choices=(*sorted(SERVABLE), ALL), help="which API to mock, or all")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument(
        "--port", type=port_number, default=None, help="port of a single API's mock, 0 to 65535 (default: a free one)"
    )
    serve.add_argument(
        "--ports",
        type=parse_ports,
        default={},
        metavar="API=PORT,...",
        help="ports of the mocks with --api all, e.g. ogc=8081,cf=8082 (the others get free ones)",
    )
    serve.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="FILE",
        help="seed jobs from a scenario file (YAML or JSON, contracts/scenario.schema.json); repeatable",
    )
    serve.add_argument("--variant", default=None, help="serve a deliberately faulty variant (for demos)")
    serve.add_argument(
        "--max-connections",
        type=at_least_one,
        default=None,
        metavar="N",
        help="connections each mock serves at once; one beyond is answered 503 with Retry-After: 1 (default:"
        f" {default_max_connections()}, from the open-file limit; importexport, a thread each: 128)",
    )
    serve.add_argument(
        "--drain",
        type=seconds,
        default=DRAIN,
        metavar="SECONDS",
        help=f"on Ctrl-C or SIGTERM, how long the answers in flight may take to finish (default: {DRAIN:g}; 0: close"
        " at once); a second Ctrl-C stops at once",
    )
    serve.add_argument(
        "--public-url",
        type=public_url,
        default=None,
        metavar="URL",
        help="the base of every link and Location the mock hands out, when clients reach it elsewhere than where"
        " it listens (a proxy, a published port); by default links follow each request's Host or Forwarded header",
    )
    serve.add_argument(
        "--control-token",
        type=control_token,
        default=os.environ.get(TOKEN_VARIABLE) or None,
        metavar="TOKEN",
        help=f"every control API call must carry Authorization: Bearer TOKEN, else 401 (default: ${TOKEN_VARIABLE},"
        " which keeps the token out of the process list; mocks.control.Control sends it). Needed to serve on an"
        " address other than loopback",
    )
    serve.add_argument(
        "--control-open",
        action="store_true",
        help="serve the control API without a token on an address other than loopback: anyone who reaches the mock"
        " can create jobs, move its clock, read its journal, reset it (a loud warning says so)",
    )
    serve.add_argument(
        "--max-jobs",
        type=at_least_one,
        default=engine.Limits().max_jobs,
        metavar="N",
        help="jobs each mock holds; one more is refused (control API 409, an API's documented 5xx) until a reset"
        f" (default: {engine.Limits().max_jobs})",
    )
    serve.add_argument(
        "--max-attribute-bytes",
        type=at_least_one,
        default=engine.Limits().max_attribute_bytes,
        metavar="N",
        help="bytes of a job's attributes as JSON (Import/Export: its manifest); a bigger job is refused (control API"
        f" 400, an API's documented 5xx) (default: {engine.Limits().max_attribute_bytes})",
    )
    args = parser.parse_args(argv)
    if args.control_token and args.control_open:
        parser.error("--control-open serves the control API without a token: give it or --control-token, not both")
    if not is_loopback(args.host) and not args.control_token and not args.control_open:
        parser.error(
            f"--host {args.host} serves the control API beyond this machine, where anyone who reaches it could drive"
            f" the mock: give --control-token TOKEN (or ${TOKEN_VARIABLE}), or --control-open to serve it open anyway"
        )
    if args.control_open and not is_loopback(args.host):
        print(
            f"WARNING: --control-open: the control API ({CONTROL_PREFIX}) of the mocks on {args.host} takes requests"
            " from anyone who can reach them, without a token: they can create jobs, move the clock, read the"
            f" journal and reset. Serve with --control-token TOKEN (or ${TOKEN_VARIABLE}) instead.",
            file=sys.stderr,
            flush=True,
        )
    # before the mocks are made: every engine (Import/Export's, made by moto, too) takes these limits
    engine.DEFAULT_LIMITS = engine.Limits(args.max_jobs, args.max_attribute_bytes)

    if args.api == ALL:
        if args.port is not None:
            parser.error("--port is for a single API; with --api all give --ports API=PORT,...")
        if args.variant:
            parser.error("--variant is for a single API (variant names are per API)")
        if args.public_url:
            parser.error("--public-url is one mock's address; with --api all, links follow each request's Host")
        ports = {api: args.ports.get(api, 0) for api in SERVABLE}
    else:
        if args.public_url and args.api in MOTO_BACKENDS:
            parser.error(f"--public-url is for {', '.join(DIALECTS)}; the {args.api} mock follows each request's Host")
        if args.ports and set(args.ports) != {args.api}:
            parser.error(f"--ports names other APIs than {args.api}; use --port")
        ports = {args.api: args.port if args.port is not None else args.ports.get(args.api, 0)}

    servers: dict[str, Any] = {}
    try:
        scenarios = {path: load_scenario(path) for path in args.scenario}
        nothing_seeded = unseeded(scenarios, list(ports))
        if nothing_seeded:
            parser.error(nothing_seeded)
        for api, port in ports.items():
            servers[api] = build_server(
                api, args.host, port, args.variant, args.public_url or "", max_connections=args.max_connections
            )
        seeded: dict[str, list[str]] = {}
        for path, scenario in scenarios.items():
            for api, jobs in scenario.items():
                if api in servers:  # a single API's serve plays its part of the scenario
                    seed = (
                        seed_importexport(jobs, path)
                        if api in MOTO_BACKENDS
                        else seed_app(servers[api].app, jobs, path)
                    )
                    seeded.setdefault(api, []).extend(seed)
    except ValueError as error:  # a ScenarioError, or a variant name the API does not have
        parser.error(str(error))
    guard(servers, ControlPolicy(args.control_token))

    log_warnings()
    stop = threading.Event()  # set before the servers start: a signal while they start still stops them all

    def on_signal(*_: Any) -> None:
        if stop.is_set():  # a second Ctrl-C or SIGTERM: no more waiting for answers in flight
            for server in servers.values():
                server.hurry()
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    started: list[Any] = []
    for api, server in servers.items():
        try:
            server.start()
        except (OSError, SystemExit) as error:  # werkzeug reports a busy port and exits
            reason = error.strerror if isinstance(error, OSError) else "the address is in use or not available"
            print(f"cannot listen on {args.host}:{ports[api]} for {api}: {reason}", file=sys.stderr)
            for running in started:
                running.stop()
            return 1
        started.append(server)
    for api, server in servers.items():
        control = getattr(server, "control_url", f"{server.url}{CONTROL_PREFIX}")
        print(f"{api} mock serving at {server.url} (control API: {control})", flush=True)
    for api, job_ids in seeded.items():
        for job_id in job_ids:
            where = (
                f"GetStatus JobId={job_id} at {servers[api].url}"
                if api in MOTO_BACKENDS
                else servers[api].app.status_url(job_id)
            )
            print(f"{api} job {job_id}: {where}", flush=True)
    stop.wait()
    # all at once: each lets its answers in flight finish for up to --drain seconds
    stopping = [threading.Thread(target=server.stop, args=(args.drain,)) for server in started]
    for thread in stopping:
        thread.start()
    for thread in stopping:
        thread.join()
    print(f"{args.api} mock{'s' if len(servers) > 1 else ''} stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
