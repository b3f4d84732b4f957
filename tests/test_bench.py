"""The benchmark runs and prints its table; the waitress server it measures keeps the mocks' faults."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mocks import Clock, make_app
from mocks.fastserver import FastServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_tiny_benchmark_prints_a_row_per_api_server_and_concurrency() -> None:
    result = subprocess.run(
        [sys.executable, "bench/bench.py", "--tiny"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert any("shares the" in line and "cores with the server under test" in line for line in lines)
    header = next(line for line in lines if line.startswith("api "))
    assert header.split() == ["api", "server", "start-up", "s", "clients", "req/s", "p50", "ms", "p99", "ms", "errors"]
    rows = [line.split() for line in lines[lines.index(header) + 1 :] if line.strip()]
    expected = {
        (api, server, clients)
        for api in ("ogc", "cf", "clc")
        for server in ("jobcontract", "jobcontract-werkzeug")
        for clients in ("1", "8")
    }
    assert {(row[0], row[1], row[3]) for row in rows} == expected, result.stdout
    assert all(row[-1] == "0" for row in rows), f"some polls were not answered 200:\n{result.stdout}"
    assert all(int(row[4]) > 0 for row in rows), result.stdout


@pytest.fixture
def fast_ogc() -> Iterator[FastServer]:
    with FastServer(make_app("ogc", clock=Clock(frozen=False))) as server:
        yield server


def test_the_fast_server_answers_the_same_application(fast_ogc: FastServer) -> None:
    job = fast_ogc.app.create_job(["successful"])
    answer = requests.get(f"{fast_ogc.url}/jobs/{job}", timeout=5)
    assert answer.status_code == 200 and answer.json()["status"] == "successful"
    missing = requests.get(f"{fast_ogc.url}/jobs/no-such-job", timeout=5)
    assert missing.status_code == 404 and missing.json()["type"].endswith("/no-such-job")


def test_a_dropped_poll_closes_the_connection_without_an_answer(fast_ogc: FastServer) -> None:
    job = fast_ogc.app.create_job(["successful"], faults={1: {"drop": True}})
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{fast_ogc.url}/jobs/{job}", timeout=5)
    assert requests.get(f"{fast_ogc.url}/jobs/{job}", timeout=5).status_code == 200  # the next poll is answered


def test_a_delayed_poll_does_not_hold_up_other_clients(fast_ogc: FastServer) -> None:
    slow = fast_ogc.app.create_job(["successful"], faults={1: {"delay": 2.0}})
    quick = fast_ogc.app.create_job(["successful"])
    delayed = threading.Thread(target=requests.get, args=(f"{fast_ogc.url}/jobs/{slow}",), kwargs={"timeout": 10})
    delayed.start()
    while fast_ogc.app.job(slow).poll == 0:  # wait until the delayed poll is being served
        time.sleep(0.01)
    started = time.monotonic()
    assert requests.get(f"{fast_ogc.url}/jobs/{quick}", timeout=5).status_code == 200
    assert time.monotonic() - started < 1.0
    assert delayed.is_alive()
    delayed.join()
