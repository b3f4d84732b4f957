"""Serve mocks until Ctrl-C or SIGTERM.

    python -m mocks serve --api ogc [--host 127.0.0.1] [--port N]
    python -m mocks serve --api all [--ports ogc=8081,cf=8082] [--scenario FILE ...]

Each mock prints one line, `<api> mock serving at <base URL> (control API: <URL>)`, then one line per
job seeded from the scenario files. Ports not given are free ones.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

import contracts

from . import CONTROL_PREFIX, DIALECTS, MOTO_BACKENDS, Clock, make_app
from .fastserver import FastServer
from .workbench import load_scenario, seed_app, seed_importexport

ALL = "all"
SERVABLE = tuple(api for api in contracts.APIS if api in DIALECTS or api in MOTO_BACKENDS)


def parse_ports(text: str) -> dict[str, int]:
    """`ogc=8081,cf=8082` -> {"ogc": 8081, "cf": 8082}."""
    ports: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        api, equals, port = item.partition("=")
        if not equals or api not in SERVABLE:
            raise argparse.ArgumentTypeError(f"{item!r} is not API=PORT with API one of {', '.join(SERVABLE)}")
        if not port.isdigit() or not 0 <= int(port) <= 65535:
            raise argparse.ArgumentTypeError(f"{item!r}: the port is a number from 0 (a free one) to 65535")
        ports[api] = int(port)
    return ports


def public_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL with a host (and no query)")
    return text.rstrip("/")


def build_server(api: str, host: str, port: int, variant: str | None, public: str = "") -> Any:
    """The unstarted server of one mock, its jobs aging in real time."""
    if api in MOTO_BACKENDS:  # moto's own server with the backend registered
        return import_module(MOTO_BACKENDS[api]).serve(host, port, variant)
    # an event loop rather than pytest-httpserver: the same app, about ten times the throughput (bench/README.md)
    app = make_app(api, variant, clock=Clock(frozen=False))
    app.public_url = public
    return FastServer(app, host, port, access_log=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mocks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve mocks over HTTP until Ctrl-C or SIGTERM")
    serve.add_argument("--api", required=True, choices=(*sorted(SERVABLE), ALL), help="which API to mock, or all")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port of a single API's mock (default: a free one)")
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
        "--public-url",
        type=public_url,
        default=None,
        metavar="URL",
        help="the base of every link and Location the mock hands out, when clients reach it elsewhere than where"
        " it listens (a proxy, a published port); by default links follow each request's Host or Forwarded header",
    )
    args = parser.parse_args(argv)

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
        for api, port in ports.items():
            servers[api] = build_server(api, args.host, port, args.variant, args.public_url or "")
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

    stop = threading.Event()  # set before the servers start: a signal while they start still stops them all
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
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
    for server in started:
        server.stop()
    print(f"{args.api} mock{'s' if len(servers) > 1 else ''} stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
