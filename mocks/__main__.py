"""`python -m mocks serve --api ogc [--host 127.0.0.1] [--port N]`: serve a mock until stopped."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from importlib import import_module
from typing import Any

from . import CONTROL_PREFIX, DIALECTS, MOTO_BACKENDS, Clock, MockServer, make_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mocks", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a mock over HTTP until Ctrl-C or SIGTERM")
    serve.add_argument("--api", required=True, choices=sorted({*DIALECTS, *MOTO_BACKENDS}), help="which API to mock")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    serve.add_argument("--variant", default=None, help="serve a deliberately faulty variant (for demos)")
    args = parser.parse_args(argv)

    server: Any
    try:
        if args.api in MOTO_BACKENDS:  # moto's own server with the backend registered
            server = import_module(MOTO_BACKENDS[args.api]).serve(args.host, args.port, args.variant)
        else:
            app = make_app(args.api, args.variant, clock=Clock(frozen=False))
            server = MockServer(app, args.host, args.port, access_log=True)
    except ValueError as error:
        parser.error(str(error))
    try:
        server.start()
    except OSError as error:
        print(f"cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    control = getattr(server, "control_url", f"{server.url}{CONTROL_PREFIX}")
    print(f"{args.api} mock serving at {server.url} (control API: {control})", flush=True)
    stop.wait()
    server.stop()
    print(f"{args.api} mock stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
