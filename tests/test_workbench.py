"""The offline workbench: `jobcontract serve --api all` serves the four mocks, seeded from the
example scenarios in fixtures/scenarios/, which then answer as scripted over real HTTP; bad scenarios
are refused naming the API, job and field; the servers stop cleanly and free their ports."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError
from jsonschema import Draft202012Validator
from moto import mock_aws
from serving import SERVING, refused_serve

from jobcontract import contracts, mocks
from jobcontract.mocks import importexport
from jobcontract.mocks.cf import VALID_TOKEN
from jobcontract.mocks.workbench import (
    SCHEMA_PATH,
    ScenarioError,
    load_scenario,
    parse_scenario,
    seed_app,
    seed_importexport,
)
from jobcontract.suites.common import check_response

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "fixtures" / "scenarios").glob("*.yaml"))
KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class Served:
    """A `jobcontract serve` process and what it printed."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jobcontract.mocks", "serve", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.urls: dict[str, str] = {}
        self.controls: dict[str, str] = {}
        self.lines: list[str] = []
        assert self.process.stdout is not None
        while len(self.urls) < 4:
            line = self.process.stdout.readline()
            assert line, f"serve ended early: {self.process.stderr.read() if self.process.stderr else ''}"
            self.lines.append(line.rstrip("\n"))
            found = SERVING.match(line)
            assert found, f"serve printed {line!r}"
            self.urls[found.group(1)] = found.group(2)
            self.controls[found.group(1)] = found.group(3)

    def read_lines(self, count: int) -> list[str]:
        assert self.process.stdout is not None
        lines = [self.process.stdout.readline().rstrip("\n") for _ in range(count)]
        self.lines += lines
        return lines

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(signum)
        out, _ = self.process.communicate(timeout=15)
        return self.process.returncode, out


@pytest.fixture(scope="module")
def workbench() -> Iterator[Served]:
    """All four mocks, seeded with every example scenario."""
    served = Served("--api", "all", *(arg for path in SCENARIOS for arg in ("--scenario", str(path))))
    jobs = sum(len(next(iter(load_scenario(path).values()))) for path in SCENARIOS)
    served.read_lines(jobs)
    yield served
    returncode, _ = served.stop()
    assert returncode == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# -- the example scenarios -------------------------------------------------------------------------


def test_there_is_an_example_scenario_for_every_api() -> None:
    assert sorted(path.stem for path in SCENARIOS) == sorted(contracts.APIS)


def test_the_scenario_schema_is_json_schema_2020_12() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema" and "$id" not in schema


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.name)
def test_each_example_scenario_loads_and_seeds(path: Path) -> None:
    scenario = load_scenario(path)
    assert list(scenario) == [path.stem], "each example scenario is about the API it is named after"
    jobs = scenario[path.stem]
    assert len(jobs) >= 2
    if path.stem == "importexport":
        with mock_aws():
            importexport.register()
            assert seed_importexport(jobs, str(path)) == [job["id"] for job in jobs]
    else:
        app = mocks.make_app(path.stem)
        assert seed_app(app, jobs, str(path)) == [job["id"] for job in jobs]
        assert all(app.job(job["id"]) is not None for job in jobs)


def test_the_example_scenarios_are_not_fixtures_of_an_api() -> None:
    """tests/test_contracts.py checks fixtures/<api>/*/*; the scenarios folder is no API's."""
    assert "scenarios" not in contracts.APIS
    assert not [f.path for api in contracts.APIS for f in contracts.fixtures(api) if "scenarios" in f.path.parts]


# -- the served mocks answer as scripted -------------------------------------------------------------


def test_serve_all_prints_each_mock_and_each_seeded_job(workbench: Served) -> None:
    assert list(workbench.urls) == list(contracts.APIS)
    assert workbench.controls["ogc"] == workbench.urls["ogc"] + "/__jobcontract"
    assert workbench.controls["importexport"] == workbench.urls["importexport"] + "/__jobcontract"
    assert f"ogc job fails-after-two-polls: {workbench.urls['ogc']}/jobs/fails-after-two-polls" in workbench.lines
    assert f"importexport job DEVER: GetStatus JobId=DEVER at {workbench.urls['importexport']}" in workbench.lines
    described = requests.get(workbench.controls["cf"], timeout=5)
    assert described.status_code == 200 and described.json()["api"] == "cf"


def _poll(api: str, operation_id: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    response = requests.get(url, timeout=10, **kwargs)
    return response.status_code, check_response(api, operation_id, response)


def test_ogc_jobs_follow_their_scripts(workbench: Served) -> None:
    jobs = f"{workbench.urls['ogc']}/jobs"
    seen = [_poll("ogc", "getStatus", f"{jobs}/fails-after-two-polls") for _ in range(4)]
    assert [(code, body["status"]) for code, body in seen] == [
        (200, "accepted"),
        (200, "running"),
        (200, "failed"),
        (200, "failed"),
    ]

    assert _poll("ogc", "getStatus", f"{jobs}/slow-then-500")[1]["status"] == "accepted"
    started = time.monotonic()
    assert _poll("ogc", "getStatus", f"{jobs}/slow-then-500")[1]["status"] == "running"
    assert time.monotonic() - started >= 2, "poll 2 is scripted to wait 2 s"
    status, body = _poll("ogc", "getStatus", f"{jobs}/slow-then-500")
    assert status == 500 and body["type"].endswith("/server-error")

    with pytest.raises(requests.ConnectionError):
        requests.get(f"{jobs}/dropped-first-poll", timeout=10)
    assert [_poll("ogc", "getStatus", f"{jobs}/dropped-first-poll")[1]["status"] for _ in range(2)] == [
        "running",
        "successful",
    ]


def test_cf_jobs_follow_their_scripts(workbench: Served) -> None:
    jobs = f"{workbench.urls['cf']}/v3/jobs"
    auth = {"headers": {"Authorization": f"bearer {VALID_TOKEN}"}}
    service = [_poll("cf", "getJob", f"{jobs}/5c3b9e7a-0d1f-4f0e-9a57-2f8e4b0c1d10", **auth) for _ in range(4)]
    assert [body["state"] for _, body in service] == ["PROCESSING", "POLLING", "POLLING", "COMPLETE"]
    assert service[-1][1]["operation"] == "service_instance.create"
    assert service[-1][1]["warnings"] == [{"detail": "The service broker is slow today."}]

    failing = [_poll("cf", "getJob", f"{jobs}/0e9f2b51-7a4c-4a62-8d3e-6c1b2a9f8e77", **auth) for _ in range(3)]
    assert [body["state"] for _, body in failing] == ["PROCESSING", "PROCESSING", "FAILED"]
    assert failing[-1][1]["errors"][0]["detail"] == "The app is still bound to a route."

    flaky = f"{jobs}/9a1d4c3e-5b6f-4e70-8a2b-3c4d5e6f7a8b"
    assert _poll("cf", "getJob", flaky, **auth)[0] == 503
    with pytest.raises(requests.ConnectionError):
        requests.get(flaky, timeout=10, **auth)
    assert [_poll("cf", "getJob", flaky, **auth)[1]["state"] for _ in range(2)] == ["PROCESSING", "COMPLETE"]


def test_clc_jobs_follow_their_scripts(workbench: Served) -> None:
    base = workbench.urls["clc"]
    login = requests.post(
        f"{base}/v2/authentication/login",
        json={"username": "user@company.com", "password": "mypassword"},
        timeout=10,
    )
    auth = {"headers": {"Authorization": f"Bearer {check_response('clc', 'login', login)['bearerToken']}"}}
    status = f"{base}/v2/operations/ALIAS/status"

    failing = [_poll("clc", "getStatus", f"{status}/wa1-500001", **auth)[1]["status"] for _ in range(4)]
    assert failing == ["notStarted", "executing", "executing", "failed"]

    assert _poll("clc", "getStatus", f"{status}/wa1-500002", **auth)[1]["status"] == "executing"
    started = time.monotonic()
    assert _poll("clc", "getStatus", f"{status}/wa1-500002", **auth)[1]["status"] == "executing"  # paused
    assert time.monotonic() - started >= 1.5, "poll 2 is scripted to wait 1.5 s"
    assert [_poll("clc", "getStatus", f"{status}/wa1-500002", **auth)[1]["status"] for _ in range(2)] == [
        "resumed",
        "succeeded",
    ]

    assert _poll("clc", "getStatus", f"{status}/wa1-500003", **auth)[0] == 500
    assert [_poll("clc", "getStatus", f"{status}/wa1-500003", **auth)[1]["status"] for _ in range(2)] == [
        "unknown",
        "succeeded",
    ]


def test_importexport_jobs_follow_their_scripts(workbench: Served) -> None:
    client = boto3.client(
        "importexport",
        region_name="us-east-1",
        endpoint_url=workbench.urls["importexport"],
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
    )
    seen = [client.get_status(JobId="SWERR") for _ in range(4)]
    assert [(s["LocationCode"], s["ProgressCode"]) for s in seen] == [
        ("NotReceived", "Pending"),
        ("AtAWS", "InProgress"),
        ("AtAWS", "SuccessWithErrors"),
        ("Returned", "SuccessWithErrors"),
    ]
    assert seen[-1]["ErrorCount"] == 3 and seen[-1]["TrackingNumber"]
    device = [client.get_status(JobId="DEVER") for _ in range(2)]
    assert [(s["JobType"], s["ProgressCode"]) for s in device] == [("Export", "Pending"), ("Export", "DeviceError")]
    assert client.get_status(JobId="SLOWW")["LocationCode"] == "NotReceived"  # a day in the post, in real time


# -- bad scenarios -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ({"wps": {"jobs": []}}, "scenario: wps is not an API; the APIs are ogc, importexport, clc, cf"),
        ({"ogc": {}}, "scenario: ogc: 'jobs' is a required property"),
        (
            {"ogc": {"jobs": [{"id": "a", "faults": {"2": {"status": "500"}}}]}},
            "scenario: ogc: job 'a' (jobs[0]): field faults.2.status: '500' is not of type 'integer'",
        ),
        (
            {"cf": {"jobs": [{"script": ["PROCESSING"]}, {"id": "b", "faults": {0: {"drop": True}}}]}},
            "scenario: cf: job 'b' (jobs[1]): field faults: '0' does not match '^[1-9][0-9]*$'",
        ),
        (
            {"clc": {"jobs": [{"id": "c", "script": [{"state": "executing", "polls": 0}]}]}},
            "scenario: clc: job 'c' (jobs[0]): field script.0.polls: 0 is less than the minimum of 1",
        ),
        (
            {"importexport": {"jobs": [{"id": "D", "faults": {"1": {"status": 500}}}]}},
            "scenario: importexport: job 'D' (jobs[0]): field faults: an Import/Export fault has a delay, a drop"
            " or a dribble, not a status",
        ),
        (
            {"importexport": {"jobs": [{"id": "E", "type": "Transfer"}]}},
            "scenario: importexport: job 'E' (jobs[0]): field type: 'Transfer' is not one of ['Import', 'Export']",
        ),
    ],
)
def test_a_malformed_scenario_is_refused_naming_api_job_and_field(scenario: Any, message: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(scenario)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(
    ("api", "jobs", "message"),
    [
        (
            "ogc",
            [{"id": "x", "script": ["accepted", "COMPLETE"]}],
            "s.yaml: ogc: job 'x' (jobs[0]): field script: 'COMPLETE' is not a ogc job state",
        ),
        (
            "clc",
            [{"id": "y", "attributes": {"accountAlias": "A/B"}}],
            "s.yaml: clc: job 'y' (jobs[0]): field attributes: accountAlias must be an account alias",
        ),
        (
            "cf",
            [{"id": "z"}, {"id": "z"}],
            "s.yaml: cf: job 'z' (jobs[1]): field id: job 'z' already exists",
        ),
    ],
)
def test_a_job_the_mock_cannot_play_is_refused_naming_api_job_and_field(
    api: str, jobs: list[dict[str, Any]], message: str
) -> None:
    app = mocks.make_app(api)
    with pytest.raises(ScenarioError) as refused:
        seed_app(app, parse_scenario({api: {"jobs": jobs}})[api], "s.yaml")
    assert str(refused.value).startswith(message)
    assert app.engine.job_ids() == [], "nothing is half-seeded when a job's fields are bad"


def test_an_importexport_job_in_unknown_states_is_refused() -> None:
    with mock_aws(), pytest.raises(ScenarioError, match=r"^s\.yaml: importexport: job 'F' \(jobs\[0\]\): field script"):
        seed_importexport([{"id": "F", "script": ["AtAWS/Lost"]}], "s.yaml")


def test_an_importexport_scenario_scripts_a_dropped_poll() -> None:
    importexport.register()  # before mock_aws starts: it takes its URL patterns as they are then
    with mock_aws():
        seed_importexport([{"id": "G", "faults": {"1": {"drop": True}}}], "s.yaml")
        client = boto3.client(
            "importexport",
            region_name="us-east-1",
            aws_access_key_id=KEY,
            aws_secret_access_key=SECRET,
            config=Config(retries={"total_max_attempts": 1}),
        )
        with pytest.raises(ConnectionClosedError):
            client.get_status(JobId="G")
        assert client.get_status(JobId="G")["JobId"] == "G", "only the first poll is dropped"


def test_serve_refuses_a_bad_scenario_before_listening(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"ogc": {"jobs": [{"id": "j", "script": ["accepted", "done"]}]}}))
    result = refused_serve("--api", "all", "--scenario", str(bad))
    assert result.returncode == 2 and result.stdout == ""
    assert f"{bad}: ogc: job 'j' (jobs[0]): field script: 'done' is not a ogc job state" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--api", "all", "--port", "8080"], "--port is for a single API; with --api all give --ports API=PORT,..."),
        (["--api", "all", "--ports", "ogc=80a"], "'ogc=80a': the port is a number from 0 (a free one) to 65535"),
        (["--api", "all", "--ports", "wps=8080"], "'wps=8080' is not API=PORT with API one of ogc, importexport"),
        (["--api", "all", "--variant", "x"], "--variant is for a single API"),
        (["--api", "ogc", "--ports", "cf=8080"], "--ports names other APIs than ogc; use --port"),
    ],
)
def test_serve_refuses_bad_port_options(args: list[str], message: str) -> None:
    result = refused_serve(*args)
    assert result.returncode == 2 and message in result.stderr


# -- stopping --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_serve_all_listens_on_given_ports_and_frees_them_when_stopped(signum: int) -> None:
    ports = {api: _free_port() for api in ("ogc", "cf")}
    served = Served("--api", "all", "--ports", ",".join(f"{api}={port}" for api, port in ports.items()))
    assert {api: int(served.urls[api].rsplit(":", 1)[1]) for api in ports} == ports
    bound = [int(url.rsplit(":", 1)[1]) for url in served.urls.values()]
    assert len(set(bound)) == 4 and not any(_port_is_free(port) for port in bound)
    returncode, out = served.stop(signum)
    assert returncode == 0 and out.strip() == "all mocks stopped"
    assert all(_port_is_free(port) for port in bound)


def test_serve_all_on_a_busy_port_says_which_and_exits_1() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = refused_serve("--api", "all", "--ports", f"cf={port}")
    assert result.returncode == 1 and result.stdout == ""
    assert f"cannot listen on 127.0.0.1:{port} for cf:" in result.stderr


def test_a_single_mock_plays_its_part_of_a_scenario() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jobcontract.mocks",
            "serve",
            "--api",
            "cf",
            "--scenario",
            str(ROOT / "fixtures/scenarios/cf.yaml"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        found = SERVING.match(process.stdout.readline())
        assert found and found.group(1) == "cf", "the first line keeps the single-API format"
        job = process.stdout.readline().strip()
        guid = "5c3b9e7a-0d1f-4f0e-9a57-2f8e4b0c1d10"
        assert job == f"cf job {guid}: {found.group(2)}/v3/jobs/{guid}"
        answer = requests.get(job.split(": ", 1)[1], headers={"Authorization": f"bearer {VALID_TOKEN}"}, timeout=10)
        assert answer.json()["state"] == "PROCESSING"
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=15)
    assert process.returncode == 0 and out.strip().endswith("cf mock stopped")
