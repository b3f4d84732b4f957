"""OGC API - Processes (OGC 18-062r2): job status, dismiss, async execute and conformance.

Dismiss follows the seed document ("Cancel a job execution and remove it from the jobs list"):
`DELETE /jobs/{jobId}` answers 200 with the job's statusInfo in state `dismissed`, and the job is
gone afterwards, so a later `GET` or `DELETE` answers 404 `no-such-job`. A job whose script ends in
`dismissed` (dismissed by the server side) stays visible with that state.

Two processes can be executed (`POST /processes/{processId}/execution`): `echo`, whose job is accepted
for 2 s, runs for 8 s and ends `successful`, and `fail`, whose job is accepted for 1 s, runs for 1 s and
ends `failed` (any inputs; it gives a client, and the suite's `--ogc-failing-process fail`, a job that
fails the way a real one does, through the API alone).
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import Any, ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .app import Dialect
from .engine import Observation, Step

EXCEPTIONS = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0"
NO_SUCH_JOB = f"{EXCEPTIONS}/no-such-job"
NO_SUCH_PROCESS = f"{EXCEPTIONS}/no-such-process"
RESULTS_REL = "http://www.opengis.net/def/rel/ogc/1.0/results"
EXCEPTIONS_REL = "http://www.opengis.net/def/rel/ogc/1.0/exceptions"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/dismiss",
]
# The exception type for each status the mock can answer with; 404 on /jobs is always no-such-job.
ERROR_TYPES = {
    400: f"{EXCEPTIONS}/invalid-parameter-value",
    404: f"{EXCEPTIONS}/not-found",
    405: f"{EXCEPTIONS}/method-not-allowed",
    406: f"{EXCEPTIONS}/not-acceptable",
    500: f"{EXCEPTIONS}/server-error",
}
ERROR_TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 500: "Internal server error"}
MESSAGES = {
    "accepted": "Job accepted, waiting to start",
    "running": "Job running",
    "successful": "Job finished successfully",
    "failed": "Job failed",
    "dismissed": "Job dismissed",
}


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class OgcDialect(Dialect):
    api = "ogc"
    poll_operation = "getStatus"
    states = ("accepted", "running", "successful", "failed", "dismissed")
    terminal_states = frozenset({"successful", "failed", "dismissed"})
    default_script = (Step("accepted", seconds=2), Step("running", seconds=8), Step("successful"))
    processes: ClassVar[dict[str, str]] = {
        "echo": "Echoes its inputs back as its results.",
        "fail": "Fails: accepted for 1 s, running for 1 s, then failed, whatever its inputs.",
    }
    # the life of each process's job (None: the default script)
    scripts: ClassVar[dict[str, tuple[Step, ...] | None]] = {
        "echo": None,
        "fail": (Step("accepted", seconds=1), Step("running", seconds=1), Step("failed")),
    }
    rules = (
        Rule("/jobs/<path:jobId>", endpoint="getStatus", methods=["GET"]),
        Rule("/jobs/<path:jobId>", endpoint="dismiss", methods=["DELETE"]),
        Rule("/processes/<path:processId>/execution", endpoint="execute", methods=["POST"]),
        Rule("/conformance", endpoint="getConformanceClasses", methods=["GET"]),
    )

    # -- operations ----------------------------------------------------------------------------------
    def getStatus(self, request: Request, jobId: str) -> Response:
        observation = self.poll(jobId)
        if observation is None:
            return self.no_such_job(request, jobId)
        return self.fault_response(request, observation) or self.status_response(request, observation)

    def dismiss(self, request: Request, jobId: str) -> Response:
        observation = self.engine.peek(jobId)
        if observation is None:
            return self.no_such_job(request, jobId)
        dismissed = self.engine.finish(jobId, "dismissed", message="Job dismissed")
        self.engine.remove(jobId)
        assert dismissed is not None
        return self.status_response(request, dismissed, dismissed_view=True)

    def execute(self, request: Request, processId: str) -> Response:
        if processId not in self.processes:
            return self.error(request, 404, f"there is no process {processId!r}", type=NO_SUCH_PROCESS)
        # MockApp has already checked the body against the contract's execute schema
        inputs = json.loads(request.get_data()).get("inputs", {})
        job_id = self.app.create_job(self.scripts.get(processId), processID=processId, inputs=inputs)
        observation = self.engine.peek(job_id)
        assert observation is not None
        response = self.status_response(request, observation, status=201)
        response.headers["Location"] = self.status_url(job_id)
        if "respond-async" in request.headers.get("Prefer", ""):
            response.headers["Preference-Applied"] = "respond-async"
        return response

    def getConformanceClasses(self, request: Request) -> Response:
        if self.wants_html(request):
            items = "".join(f"<li>{html.escape(c)}</li>" for c in CONFORMANCE)
            return self.html_page("Conformance", f"<ul>{items}</ul>")
        return self.json({"conformsTo": CONFORMANCE})

    # -- bodies ----------------------------------------------------------------------------------------
    def status_url(self, job_id: str) -> str:
        return f"{self.app.base_url}/jobs/{job_id}"

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
            info["links"] = [{"href": f"{self.app.base_url}/jobs", "rel": "up", "type": "application/json"}]
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
