"""OGC API - Processes (OGC 18-062r2): job status, dismiss, execute, and Part 1 around the job: the landing
page, the API definition (`/api`, the contract itself), conformance, the process list and descriptions, the
job list (`limit` and `next` links) and a job's results.

Dismiss follows the seed document ("Cancel a job execution and remove it from the jobs list"):
`DELETE /jobs/{jobId}` answers 200 with the job's statusInfo in state `dismissed`, and the job is
gone afterwards, so a later `GET` or `DELETE` answers 404 `no-such-job`. A job whose script ends in
`dismissed` (dismissed by the server side) stays visible with that state.

Two processes can be executed (`POST /processes/{processId}/execution`): `echo`, whose job is accepted
for 2 s, runs for 8 s and ends `successful` with its inputs as its results, and `fail`, whose job is accepted
for 1 s, runs for 1 s and ends `failed` (it finds any inputs invalid; it gives a client, and the suite's
`--ogc-failing-process fail`, a job that fails the way a real one does, through the API alone). `echo` runs
either way, so without `Prefer: respond-async` it runs synchronously and answers 200 with its results
(/req/core/process-execute-default-execution-mode); `fail` runs only asynchronously. A job made through
the control API or a scenario may name another process (`processID`): the mock then lists and describes
it and runs it asynchronously (the default script, no results) until `reset`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from werkzeug.routing import BaseConverter, PathConverter, Rule
from werkzeug.wrappers import Request, Response

from jobcontract.contracts import loads_json

from .answer import Answer
from .dialect import Dialect
from .engine import Engine, Full, Observation, ScriptError, Step
from .links import Links

EXCEPTIONS = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0"
NO_SUCH_JOB = f"{EXCEPTIONS}/no-such-job"
NO_SUCH_PROCESS = f"{EXCEPTIONS}/no-such-process"
RESULT_NOT_READY = f"{EXCEPTIONS}/result-not-ready"
INVALID_PARAMETER_VALUE = f"{EXCEPTIONS}/invalid-parameter-value"
OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0"
RESULTS_REL = f"{OGC_REL}/results"
EXCEPTIONS_REL = f"{OGC_REL}/exceptions"
EXECUTE_REL = f"{OGC_REL}/execute"
# OWSLib's API.api() takes the service-desc link of exactly this type (the 1.0 oas30 class's media type)
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
# exactly the classes whose endpoints are served (not oas30: the contract is OpenAPI 3.1; not
# ogc-process-description: the descriptions keep to process.yaml, not to that class's every rule)
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/dismiss",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/job-list",
]
JOB_LIST_LIMIT = (1, 10000, 10)  # minimum, maximum, default (/req/job-list/limit-definition)
TEXT_INPUT = {"title": "Message", "schema": {"type": "string"}}
PROCESSES: dict[str, dict[str, Any]] = {
    "echo": {
        "title": "Echo",
        "description": "Echoes its inputs back as its results (any inputs; `message` is the usual one).",
        "jobControlOptions": ["sync-execute", "async-execute", "dismiss"],
        "inputs": {"message": {**TEXT_INPUT, "minOccurs": 0, "maxOccurs": "unbounded"}},
        "outputs": {"message": TEXT_INPUT},
    },
    "fail": {
        "title": "Fail",
        "description": "Fails: accepted for 1 s, running for 1 s, then failed, finding any inputs invalid.",
        "jobControlOptions": ["async-execute", "dismiss"],
        "inputs": {},
        "outputs": {},
    },
}
# The exception type for each status the mock can answer with; 404 on /jobs is always no-such-job.
ERROR_TYPES = {
    400: f"{EXCEPTIONS}/invalid-parameter-value",
    404: f"{EXCEPTIONS}/not-found",
    405: f"{EXCEPTIONS}/method-not-allowed",
    406: f"{EXCEPTIONS}/not-acceptable",
    500: f"{EXCEPTIONS}/server-error",
}
ERROR_TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    500: "Internal server error",
}
MESSAGES = {
    "accepted": "Job accepted, waiting to start",
    "running": "Job running",
    "successful": "Job finished successfully",
    "failed": "Job failed",
    "dismissed": "Job dismissed",
}


class JobIdConverter(PathConverter):
    """A job id: any path, but not one ending in /results, which is the job's results (so `DELETE` is not
    among the methods a 405 of `/jobs/{jobId}/results` allows)."""

    regex = r"(?!.*/results$)[^/].*?"


class OgcRule(Rule):
    """A rule that knows the `job` converter (the application's Map is shared by every dialect)."""

    def get_converter(
        self, variable_name: str, converter_name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> BaseConverter:
        if converter_name == "job":
            return JobIdConverter(self.map, *args, **kwargs)
        return super().get_converter(variable_name, converter_name, args, kwargs)


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class OgcDialect(Dialect):
    api = "ogc"
    poll_operation = "getStatus"
    states = ("accepted", "running", "successful", "failed", "dismissed")
    terminal_states = frozenset({"successful", "failed", "dismissed"})
    default_script = (Step("accepted", seconds=2), Step("running", seconds=8), Step("successful"))
    processes: ClassVar[dict[str, dict[str, Any]]] = PROCESSES
    # the life of each process's job (None: the default script)
    scripts: ClassVar[dict[str, tuple[Step, ...] | None]] = {
        "echo": None,
        "fail": (Step("accepted", seconds=1), Step("running", seconds=1), Step("failed")),
    }
    rules = (
        Rule("/", endpoint="getLandingPage", methods=["GET"]),
        Rule("/api", endpoint="getAPI", methods=["GET"]),
        Rule("/conformance", endpoint="getConformanceClasses", methods=["GET"]),
        Rule("/processes", endpoint="getProcesses", methods=["GET"]),
        Rule("/processes/<processId>", endpoint="getProcessDescription", methods=["GET"]),
        Rule("/processes/<path:processId>/execution", endpoint="execute", methods=["POST"]),
        Rule("/jobs", endpoint="getJobs", methods=["GET"]),
        Rule("/jobs/<path:jobId>/results", endpoint="getResult", methods=["GET"]),
        OgcRule("/jobs/<job:jobId>", endpoint="getStatus", methods=["GET"]),
        OgcRule("/jobs/<job:jobId>", endpoint="dismiss", methods=["DELETE"]),
    )

    def __init__(self, engine: Engine, links: Links) -> None:
        super().__init__(engine, links)
        #: processes named by jobs made through the control API or a scenario, described so their links resolve
        self.declared: dict[str, dict[str, Any]] = {}

    # -- processes: the built-in ones and those jobs declare -----------------------------------------
    def described(self, process_id: str) -> dict[str, Any] | None:
        return self.processes.get(process_id) or self.declared.get(process_id)

    def process_ids(self) -> list[str]:
        return [*self.processes, *(p for p in self.declared if p not in self.processes)]

    def create_job(
        self,
        script: Iterable[Any] | None = None,
        job_id: str | None = None,
        *,
        faults: Mapping[int, Any] | None = None,
        **attributes: Any,
    ) -> str:
        """A job; a `processID` the mock does not know becomes a process it describes and can execute
        (asynchronously, with the default script, no results), so /processes lists what a scenario declares."""
        process = attributes.get("processID")
        if (
            process is not None
            and self.described(process) is None
            and len(self.declared) >= self.engine.limits.max_jobs
        ):
            # a job dismissed leaves its process declared: as many processes as jobs, at most
            raise Full(
                f"the mock has {len(self.declared)} processes declared by jobs, as many as it may hold jobs"
                " (serve --max-jobs raises the limit): reset it (POST /__jobcontract/reset) to make room"
            )
        job = super().create_job(script, job_id, faults=faults, **attributes)
        if process is not None and self.described(process) is None:
            self.declared[process] = {
                "title": process,
                "description": "Declared by a job made through the control API or a scenario; runs asynchronously.",
                "jobControlOptions": ["async-execute", "dismiss"],
                "inputs": {},
                "outputs": {},
            }
        return job

    def check_attributes(self, attributes: Mapping[str, Any]) -> None:
        process = attributes.get("processID")
        if process is not None and (not isinstance(process, str) or not process or "/" in process):
            raise ScriptError(f"processID is a process id (a non-empty string without /), not {process!r}")

    def reset(self) -> None:
        self.declared.clear()

    # -- operations ----------------------------------------------------------------------------------
    def getStatus(self, request: Request, jobId: str) -> Response | Answer:
        observation = self.poll(jobId)
        if observation is None:
            return self.no_such_job(request, jobId)
        return self.polled(observation, self.status_response(request, observation))

    def dismiss(self, request: Request, jobId: str) -> Response:
        observation = self.engine.peek(jobId)
        if observation is None:
            return self.no_such_job(request, jobId)
        dismissed = self.engine.finish(jobId, "dismissed", message="Job dismissed")
        self.engine.remove(jobId)
        assert dismissed is not None
        return self.status_response(request, dismissed, dismissed_view=True)

    def execute(self, request: Request, processId: str) -> Response:
        if self.described(processId) is None:
            return self.error(request, 404, f"there is no process {processId!r}", type=NO_SUCH_PROCESS)
        # MockApp has already checked the body against the contract's execute schema
        inputs = loads_json(request.get_data()).get("inputs", {})
        options = self.described(processId)["jobControlOptions"]  # type: ignore[index]
        asynchronous = "respond-async" in request.headers.get("Prefer", "")
        if "sync-execute" in options and not (asynchronous and "async-execute" in options):
            # no job: the results at once (/req/core/process-execute-default-execution-mode)
            return self.json(self.results(processId, {"inputs": inputs}))
        job_id = self.create_job(self.scripts.get(processId), processID=processId, inputs=inputs)
        observation = self.engine.peek(job_id)
        assert observation is not None
        response = self.status_response(request, observation, status=201)
        response.headers["Location"] = self.status_url(job_id)
        if asynchronous:
            response.headers["Preference-Applied"] = "respond-async"
        return response

    def getLandingPage(self, request: Request) -> Response:
        page = {
            "title": "jobcontract OGC API - Processes mock",
            "description": "A stand-in for an OGC API - Processes - Part 1 server (echo and fail processes).",
            "links": [
                self.link("/", "self", "application/json", "this document"),
                self.link("/", "alternate", "text/html", "this document as HTML"),
                self.link("/api", "service-desc", OPENAPI_JSON, "the API definition"),
                self.link("/conformance", f"{OGC_REL}/conformance", "application/json", "conformance classes"),
                self.link("/conformance", "conformance", "application/json", "conformance classes"),
                self.link("/processes", f"{OGC_REL}/processes", "application/json", "the processes"),
                self.link("/jobs", f"{OGC_REL}/job-list", "application/json", "the jobs"),
            ],
        }
        return self.document(request, "Landing page", page)

    def getAPI(self, request: Request) -> Response:
        if self.wants_html(request):
            return self.html_page("API definition", f"<pre>{html.escape(self.api_definition())}</pre>")
        return Response(self.api_definition(), content_type=OPENAPI_JSON)

    def getProcesses(self, request: Request) -> Response:
        body = {
            "processes": [self.process_summary(process_id) for process_id in self.process_ids()],
            "links": [
                self.link("/processes", "self", "application/json", "this document"),
                self.link("/processes", "alternate", "text/html", "this document as HTML"),
            ],
        }
        return self.document(request, "Processes", body)

    def getProcessDescription(self, request: Request, processId: str) -> Response:
        described = self.described(processId)
        if described is None:
            return self.error(request, 404, f"there is no process {processId!r}", type=NO_SUCH_PROCESS)
        body = {**self.process_summary(processId), "inputs": described["inputs"], "outputs": described["outputs"]}
        return self.document(request, f"Process {processId}", body)

    def getJobs(self, request: Request) -> Response:
        minimum, maximum, default = JOB_LIST_LIMIT
        limit, offset = request.args.get("limit", str(default)), request.args.get("offset", "0")
        # isdecimal: what int() reads (isdigit also takes "²"); nine digits: more than any list can hold
        if not (limit.isdecimal() and len(limit) <= 9 and minimum <= int(limit) <= maximum) or not (
            offset.isdecimal() and len(offset) <= 9
        ):
            return self.error(
                request, 400, f"limit is an integer from {minimum} to {maximum} and offset one from 0 to 999999999"
            )
        first, size = int(offset), int(limit)
        job_ids = self.engine.job_ids()
        jobs = [
            self.status_info(found) for job_id in job_ids[first : first + size] if (found := self.engine.peek(job_id))
        ]
        links = [
            self.link(self.jobs_page(size, first), "self", "application/json", "this document"),
            self.link(self.jobs_page(size, first), "alternate", "text/html", "this document as HTML"),
        ]
        if first + size < len(job_ids):
            links.append(self.link(self.jobs_page(size, first + size), "next", "application/json", "the next jobs"))
        if first > 0:
            links.append(self.link(self.jobs_page(size, max(0, first - size)), "prev", "application/json", "earlier"))
        return self.document(request, "Jobs", {"jobs": jobs, "links": links})

    def getResult(self, request: Request, jobId: str) -> Response:
        observation = self.engine.peek(jobId)
        if observation is None or observation.state == "dismissed":
            return self.no_such_job(request, jobId)
        process = str(observation.attributes.get("processID", ""))
        if observation.state == "successful":
            return self.document(request, f"Results of job {jobId}", self.results(process, observation.attributes))
        if observation.state == "failed":  # /req/core/job-results-failed: the reason's type; 409, the job's state
            reason = f"the job {jobId!r} failed: process {process or 'fail'!r} finds its inputs invalid"
            return self.error(request, 409, reason, type=INVALID_PARAMETER_VALUE)
        return self.error(request, 404, f"the job {jobId!r} is {observation.state}", type=RESULT_NOT_READY)

    def getConformanceClasses(self, request: Request) -> Response:
        if self.wants_html(request):
            items = "".join(f"<li>{html.escape(c)}</li>" for c in CONFORMANCE)
            return self.html_page("Conformance", f"<ul>{items}</ul>")
        return self.json({"conformsTo": CONFORMANCE})

    # -- bodies ----------------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        """The absolute URL of a path of this mock (every link and Location is built here)."""
        return f"{self.base_url}{path}"

    def status_url(self, job_id: str) -> str:
        return self.url(f"/jobs/{job_id}")

    def link(self, path: str, rel: str, media_type: str, title: str) -> dict[str, str]:
        return {"href": self.url(path), "rel": rel, "type": media_type, "title": title}

    @staticmethod
    def jobs_page(limit: int, offset: int) -> str:
        return "/jobs?" + urlencode({"limit": limit, "offset": offset} if offset else {"limit": limit})

    def api_definition(self) -> str:
        """The contract itself as JSON, its server this mock."""
        return json.dumps({**self.contract.document, "servers": [{"url": self.url("") or "/"}]})

    def process_summary(self, process_id: str) -> dict[str, Any]:
        described = self.described(process_id) or {}
        return {
            "id": process_id,
            "version": "1.0.0",
            "title": described["title"],
            "description": described["description"],
            "jobControlOptions": described["jobControlOptions"],
            "outputTransmission": ["value"],
            "links": [
                self.link(f"/processes/{process_id}", "self", "application/json", "the process description"),
                self.link(f"/processes/{process_id}/execution", EXECUTE_REL, "application/json", "execute it (POST)"),
            ],
        }

    @staticmethod
    def results(process_id: str, attributes: Any) -> dict[str, Any]:
        """An echo job's results are its inputs; other jobs have none."""
        inputs = attributes.get("inputs") if process_id == "echo" else None
        return dict(inputs) if isinstance(inputs, dict) else {}

    def document(self, request: Request, title: str, body: dict[str, Any]) -> Response:
        """A 200 answer in JSON, or in HTML when asked for (/req/html/definition): its links as anchors."""
        if not self.wants_html(request):
            return self.json(body)
        links = "".join(
            f'<li><a href="{html.escape(link["href"])}">{html.escape(link.get("title") or link["href"])}</a>'
            f" ({html.escape(link.get('rel', ''))})</li>"
            for link in body.get("links", [])
        )
        shown = {k: v for k, v in body.items() if k != "links"}
        return self.html_page(title, f"<pre>{html.escape(json.dumps(shown, indent=2))}</pre>\n<ul>{links}</ul>")

    def status_info(self, observation: Observation) -> dict[str, Any]:
        attributes = observation.attributes
        info: dict[str, Any] = {
            "jobID": observation.job_id,
            "type": "process",
            "status": observation.state,
            "message": attributes.get("message") or MESSAGES.get(observation.state, observation.state),
            "created": timestamp(observation.created),
            "updated": timestamp(observation.updated),
            "progress": observation.progress,
        }
        if "processID" in attributes:
            info["processID"] = attributes["processID"]
        started = observation.began("running")
        if started is not None:
            info["started"] = timestamp(started)
        if observation.terminal and observation.state in self.terminal_states:
            info["finished"] = timestamp(observation.updated)
        links = [{"href": self.status_url(observation.job_id), "rel": "self", "type": "application/json"}]
        if observation.state == "successful":
            links.append({"href": self.status_url(observation.job_id) + "/results", "rel": RESULTS_REL})
        elif observation.state == "failed":
            links.append({"href": self.status_url(observation.job_id) + "/results", "rel": EXCEPTIONS_REL})
        info["links"] = links
        return info

    def status_response(
        self, request: Request, observation: Observation, status: int = 200, *, dismissed_view: bool = False
    ) -> Response:
        info = self.status_info(observation)
        if dismissed_view:
            info["links"] = [{"href": self.url("/jobs"), "rel": "up", "type": "application/json"}]
        if self.wants_html(request):
            rows = "".join(
                f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                for k, v in info.items()
                if k != "links"
            )
            return self.html_page(f"Job {observation.job_id}", f"<table>{rows}</table>", status)
        return self.json(info, status)

    def no_such_job(self, request: Request, job_id: str) -> Response:
        return self.error(request, 404, f"there is no job {job_id!r}", type=NO_SUCH_JOB)

    def error(self, request: Request, status: int, detail: str, **extra: Any) -> Response:
        default_type = ERROR_TYPES.get(status, f"{EXCEPTIONS}/server-error")
        if status == 404 and request.path.startswith("/jobs/"):
            default_type = NO_SUCH_JOB  # /req/core/job-exception-no-such-job
        elif status == 404 and request.path.startswith("/processes/"):
            default_type = NO_SUCH_PROCESS  # /req/core/process-exception/no-such-process
        body = {
            "type": extra.get("type", default_type),
            "title": ERROR_TITLES.get(status, "Error"),
            "status": status,
            "detail": detail,
            "instance": request.path,
        }
        if self.wants_html(request):
            return self.html_page(f"{status} {body['title']}", f"<p>{html.escape(detail)}</p>", status)
        return self.json(body, status)

    @staticmethod
    def wants_html(request: Request) -> bool:
        accept = request.headers.get("Accept", "")
        if "html" not in accept and "text/" not in accept:  # the usual poll: no need to parse the header
            return False
        return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"

    @staticmethod
    def html_page(title: str, body: str, status: int = 200) -> Response:
        page = (
            '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head>\n<body>\n<h1>{html.escape(title)}</h1>\n{body}\n</body>\n</html>\n"
        )
        return Response(page, status=status, content_type="text/html; charset=utf-8")
