"""Many clients at once over real HTTP: 32 pollers on 200 jobs while the clock moves on. Every poll is
answered, no job is lost, and no poller ever sees a job go back (state, progress or `updated`)."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from jobcontract.mocks import MockServer

pytestmark = pytest.mark.slow  # about 15 s on two cores: 12,800 polls through werkzeug's threaded server

POLLERS = 32
JOBS = 200
ROUNDS = 2  # each poller polls every job this many times: 32 x 200 x 2 = 12,800 polls
DEADLINE = 120  # seconds: a hung mock fails the test instead of hanging it
SCRIPT = [{"state": "accepted", "seconds": 30}, {"state": "running", "seconds": 60}, "successful"]
ORDER = {"accepted": 0, "running": 1, "successful": 2}


def test_concurrent_pollers_lose_nothing_and_never_see_a_job_go_back(ogc_mock: MockServer) -> None:
    control = f"{ogc_mock.url}/__jobcontract"
    with ThreadPoolExecutor(POLLERS) as pool:  # jobs are created concurrently too
        created = pool.map(
            lambda _: requests.post(f"{control}/jobs", json={"script": SCRIPT}, timeout=30).json()["id"], range(JOBS)
        )
        job_ids = list(created)
    assert len(set(job_ids)) == JOBS, "every job got its own id"

    done = threading.Event()
    deadline = time.monotonic() + DEADLINE

    def move_the_clock() -> int:
        moves = 0
        with requests.Session() as session:
            while not done.is_set() and time.monotonic() < deadline:
                session.post(f"{control}/clock", json={"advance": 0.5}, timeout=30).raise_for_status()
                moves += 1
                time.sleep(0.002)
        return moves

    def poll(seed: int) -> tuple[int, list[str]]:
        """Poll every job ROUNDS times in a shuffled order; the problems this poller saw."""
        problems, last_seen, polls = [], {}, 0
        order = [job for _ in range(ROUNDS) for job in job_ids]
        random.Random(seed).shuffle(order)
        with requests.Session() as session:
            for job_id in order:
                if time.monotonic() > deadline:
                    problems.append(f"poller {seed}: out of time after {polls} polls")
                    break
                try:
                    response = session.get(f"{ogc_mock.url}/jobs/{job_id}", timeout=30)
                except requests.RequestException as error:
                    problems.append(f"{job_id}: {type(error).__name__}: {error}")
                    continue
                polls += 1
                if response.status_code != 200:
                    problems.append(f"{job_id}: lost, answered {response.status_code} {response.text[:200]}")
                    continue
                body = response.json()
                seen = (ORDER[body["status"]], body["progress"], body["updated"])
                before = last_seen.get(job_id)
                if body["jobID"] != job_id:
                    problems.append(f"{job_id}: answered as {body['jobID']}")
                if before is not None and seen < before:
                    problems.append(f"{job_id}: went back from {before} to {seen}")
                last_seen[job_id] = max(seen, before or seen)
        return polls, problems

    with ThreadPoolExecutor(POLLERS + 1) as pool:
        clock = pool.submit(move_the_clock)
        pollers = [pool.submit(poll, seed) for seed in range(POLLERS)]
        results = [poller.result() for poller in pollers]
        done.set()
        moves = clock.result()

    problems = [problem for _, found in results for problem in found]
    assert not problems, f"{len(problems)} problems, e.g. {problems[:5]}"
    assert sum(polls for polls, _ in results) == POLLERS * JOBS * ROUNDS
    assert moves > 0, "the clock moved while the pollers polled"
    assert sorted(ogc_mock.app.engine.job_ids()) == sorted(job_ids), "no job lost, none made up"
    assert sum(ogc_mock.app.job(job_id).poll for job_id in job_ids) == POLLERS * JOBS * ROUNDS, "every poll counted"
    ogc_mock.app.advance(120)
    finished = {requests.get(f"{ogc_mock.url}/jobs/{job_id}", timeout=30).json()["status"] for job_id in job_ids}
    assert finished == {"successful"}
