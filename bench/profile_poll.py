"""Where a poll's time goes: cProfile over `MockApp.answer` for one API's status poll, in-process (no socket),
so that what the mock itself does per poll is seen without the server around it.

    python bench/profile_poll.py                 # OGC, 20,000 polls of one job, the 22 costliest calls
    python bench/profile_poll.py --api cf -n 50000
    python bench/profile_poll.py --replay        # the application's part of a replayed poll (`MockApp.replay`)

It first prints what one call takes without the profiler. A poll `serve` has answered before is replayed
(mocks/fastserver.py): the application only checks that the job has not changed, counts the poll and journals
it. `--replay` profiles that part; without it, the full answer.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from jobcontract.mocks import make_app
from jobcontract.mocks.cf import VALID_TOKEN

STATES = {"ogc": "running", "cf": "PROCESSING", "clc": "executing"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", choices=sorted(STATES), default="ogc")
    parser.add_argument("-n", type=int, default=20000, help="polls to profile (default 20000)")
    parser.add_argument("--top", type=int, default=22, help="calls to show, by cumulative time (default 22)")
    parser.add_argument("--replay", action="store_true", help="profile a replayed poll rather than a full answer")
    args = parser.parse_args()
    app = make_app(args.api)
    app.base_url = "http://127.0.0.1:8080"
    headers = {"Host": "127.0.0.1:8080", "Accept": "application/json"}
    if args.api == "cf":
        headers["Authorization"] = f"Bearer {VALID_TOKEN}"
    job = app.create_job([STATES[args.api]])
    path = app.status_url(job).removeprefix(app.base_url)
    if args.api == "clc":  # a CLC poll needs a login's token
        login = app.answer(
            Request(
                EnvironBuilder(
                    path="/v2/authentication/login",
                    method="POST",
                    headers=headers,
                    json={"username": "user@company.com", "password": "mypassword"},
                ).get_environ()
            )
        )
        headers["Authorization"] = "Bearer " + json.loads(login.response.get_data())["bearerToken"]
    environ = EnvironBuilder(path=path, headers=headers).get_environ()
    first = app.answer(Request(dict(environ)))
    assert first.response.status_code == 200, "the poll must succeed"
    replay = first.replay
    assert replay is not None or not args.replay, "a poll of an unchanged job is replayable"

    def polls() -> None:
        if args.replay:
            for _ in range(args.n):
                assert replay is not None and app.replay(replay)
        else:
            for _ in range(args.n):
                app.answer(Request(dict(environ))).response.get_data()

    started = time.perf_counter()
    polls()  # timed without the profiler, which slows every call
    each = (time.perf_counter() - started) / args.n
    print(f"{'a replayed poll' if args.replay else 'a full answer'}: {each * 1e6:.1f} us each ({args.n:,} polls)")
    profile = cProfile.Profile()
    profile.enable()
    polls()
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
