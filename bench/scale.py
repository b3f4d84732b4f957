"""How the mocks' job store scales: memory per stored job, and how long a poll takes as the store grows.

    python bench/scale.py                    # 1k, 10k, 100k jobs for each HTTP mock
    python bench/scale.py --api ogc --sizes 1000 100000

For each size, jobs with the API's default script are created through `MockApp.create_job`; memory
is what tracemalloc sees allocated for them (the engine's records, history and attributes) divided by
the number of jobs. A poll is timed twice on random stored jobs: the engine's own lookup
(`Engine.poll`) and a whole request through the mock application in-process (routing, lookup,
rendering the API's body; werkzeug's test client, no socket), median and p99 in microseconds.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

from werkzeug.test import Client

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jobcontract.mocks import DIALECTS, MockApp, make_app  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
SAMPLES = 2_000


def headers_for(app: MockApp) -> dict[str, str]:
    if app.dialect.api == "cf":
        from jobcontract.mocks.cf import VALID_TOKEN

        return {"Authorization": f"Bearer {VALID_TOKEN}"}
    if app.dialect.api == "clc":
        from jobcontract.mocks.clc import DEFAULT_USER

        answer = Client(app).post(
            "/v2/authentication/login", json={"username": DEFAULT_USER.username, "password": DEFAULT_USER.password}
        )
        return {"Authorization": f"Bearer {answer.json['bearerToken']}"}
    return {}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(api: str, size: int, samples: int = SAMPLES) -> dict[str, float]:
    app = make_app(api)
    app.base_url = "http://mock.test"
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    job_ids = [app.create_job() for _ in range(size)]
    gc.collect()
    stored = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()

    chooser = random.Random(size)
    engine_times = []
    for job_id in chooser.choices(job_ids, k=samples):
        started = time.perf_counter()
        app.engine.poll(job_id)
        engine_times.append(time.perf_counter() - started)
    client, headers = Client(app), headers_for(app)
    request_times = []
    for job_id in chooser.choices(job_ids, k=samples):
        path = app.status_url(job_id).removeprefix(app.base_url)
        started = time.perf_counter()
        answer = client.get(path, headers=headers)
        request_times.append(time.perf_counter() - started)
        assert answer.status_code == 200, (api, answer.status_code, answer.get_data()[:200])
    return {
        "bytes_per_job": stored / size,
        "engine_p50": statistics.median(engine_times) * 1e6,
        "engine_p99": percentile(engine_times, 0.99) * 1e6,
        "request_p50": statistics.median(request_times) * 1e6,
        "request_p99": percentile(request_times, 0.99) * 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", action="append", choices=sorted(DIALECTS), help="repeatable (default: all)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="store sizes to measure")
    parser.add_argument("--samples", type=int, default=SAMPLES, help="polls timed per size")
    args = parser.parse_args(argv)
    header = ("api", "jobs", "bytes/job", "engine p50 us", "engine p99 us", "request p50 us", "request p99 us")
    rows = [header]
    for api in args.api or sorted(DIALECTS):
        for size in args.sizes:
            found = measure(api, size, args.samples)
            rows.append(
                (
                    api,
                    f"{size:,}",
                    f"{found['bytes_per_job']:,.0f}",
                    *(f"{found[key]:.1f}" for key in ("engine_p50", "engine_p99", "request_p50", "request_p99")),
                )
            )
            print("  ".join(rows[-1]), file=sys.stderr, flush=True)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for number, row in enumerate(rows):
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if number == 0:
            print("  ".join("-" * w for w in widths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
