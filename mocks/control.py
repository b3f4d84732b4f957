"""A small Python client of the control API every mock serves under `/__jobcontract`, so that a served mock
(`python -m mocks serve`, in another process or on another machine) is driven exactly like an embedded one:

    from mocks.control import Control
    mock = Control("http://127.0.0.1:8081")            # the mock's base URL, or its control URL
    job_id = mock.create_job(["accepted", {"state": "running", "polls": 2}, "successful"], faults={2: {"delay": 1}})
    mock.advance(3600); mock.inject_fault(job_id, {"status": 500}); mock.journal(); mock.reset()

Each method is one request; an answer the control API refuses raises ControlError with its status and message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests

from .app import CONTROL_PREFIX


class ControlError(Exception):
    """The control API refused a request: `status` and the mock's own `message`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class Control:
    """The control API of the mock at `url` (its base URL, or the control URL `serve` prints)."""

    def __init__(self, url: str, *, timeout: float = 10.0, session: requests.Session | None = None) -> None:
        base = url.rstrip("/")
        self.url = base if base.endswith(CONTROL_PREFIX) else base + CONTROL_PREFIX
        self.timeout = timeout
        self.session = session or requests.Session()

    def _call(self, method: str, path: str = "", body: Mapping[str, Any] | None = None) -> Any:
        response = self.session.request(method, self.url + path, json=body, timeout=self.timeout)
        if response.status_code >= 400:
            try:
                message = str(response.json().get("error", response.text))
            except (ValueError, AttributeError):
                message = response.text
            raise ControlError(response.status_code, message)
        return response.json() if response.content else None

    def describe(self) -> dict[str, Any]:
        """The API, its states, its default script and the clock."""
        return dict(self._call("GET"))

    def create_job(
        self,
        script: list[Any] | None = None,
        job_id: str | None = None,
        *,
        faults: Mapping[int | str, Mapping[str, Any]] | None = None,
        **attributes: Any,
    ) -> str:
        """Create a job with a script of steps in the API's states (the default script if None); returns its id."""
        body: dict[str, Any] = {"attributes": attributes} if attributes else {}
        if script is not None:
            body["script"] = script
        if job_id is not None:
            body["id"] = job_id
        if faults:
            body["faults"] = {str(poll): dict(fault) for poll, fault in faults.items()}
        return str(self._call("POST", "/jobs", body)["id"])

    def job(self, job_id: str) -> dict[str, Any]:
        """A job's state, history and polls."""
        return dict(self._call("GET", f"/jobs/{quote(job_id, safe='')}"))

    def jobs(self) -> list[str]:
        return list(self._call("GET", "/jobs")["jobs"])

    def inject_fault(self, job_id: str, fault: Mapping[str, Any], poll: int | None = None) -> int:
        """Script a fault on the job's next poll (or poll number `poll`); returns the poll it will hit."""
        body: dict[str, Any] = {"fault": dict(fault)}
        if poll is not None:
            body["poll"] = poll
        return int(self._call("POST", f"/jobs/{quote(job_id, safe='')}/faults", body)["poll"])

    def advance(self, seconds: float) -> float:
        """Move the mock's clock on; returns its seconds since it started."""
        return float(self._call("POST", "/clock", {"advance": seconds})["seconds"])

    def reset(self) -> None:
        self._call("POST", "/reset")

    def journal(self) -> list[dict[str, Any]]:
        """What clients sent (secrets redacted), bounded."""
        return list(self._call("GET", "/journal")["requests"])
