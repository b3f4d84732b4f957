"""Running the project's own commands in child processes, as users do: a suite (`pytest suites/X`)
and a served mock (`jobcontract serve`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parent.parent
# the first line `jobcontract serve --api X` prints
SERVING = re.compile(r"^(\w+) mock serving at (http://127\.0\.0\.1:\d+) \(control API: (\S+)\)$")


def run_suite(api: str, *args: str, env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
    """`pytest suites/<api>` (`api=""`: every suite) with no JOBCONTRACT_* from the environment but those in
    `env` (where None removes a variable), derandomized (the same verdict every run) and without shrinking
    failures (the verdict matters, not a minimal example)."""
    merged = {**{k: v for k, v in os.environ.items() if not k.startswith("JOBCONTRACT_")}, **(env or {})}
    env = {k: v for k, v in merged.items() if v is not None}
    env["CI"] = "true"
    command = [sys.executable, "-m", "pytest", f"suites/{api}", "-q", "-rfEs", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*command, "--hypothesis-profile=bite", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


SERVE = [sys.executable, "-m", "jobcontract.mocks", "serve"]


def refused_serve(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`jobcontract serve ARGS` run to its end, as a command that should refuse to start does (its output captured)."""
    return subprocess.run([*SERVE, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@dataclass(frozen=True)
class Serving:
    url: str
    control: str
    process: subprocess.Popen[str] = field(compare=False, repr=False)


@contextmanager
def served(api: str, *args: str, stderr: IO[str] | int = subprocess.DEVNULL) -> Iterator[Serving]:
    """`jobcontract serve --api <api> --port 0 ARGS` in its own process: yields the base URL and
    control API it prints (and the process), and checks that it stops cleanly on SIGTERM."""
    process = subprocess.Popen(
        [*SERVE, "--api", api, "--port", "0", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = SERVING.match(line.rstrip("\n"))
        assert found and found.group(1) == api, f"serve --api {api} printed {line!r}"
        yield Serving(found.group(2), found.group(3), process)
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0, f"serve --api {api} did not stop cleanly on SIGTERM"


class PublicUrl(requests.adapters.HTTPAdapter):
    """Plays the proxy in front of a mock served with `--public-url`: a request to the public URL (a host that
    does not resolve) is sent to where the mock listens on loopback, the public path prefix stripped."""

    def __init__(self, public: str, listening: str) -> None:
        super().__init__()
        self.public, self.listening = public.rstrip("/"), listening.rstrip("/")

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        assert request.url is not None and request.url.startswith(self.public), request.url
        request.url = self.listening + request.url[len(self.public) :]
        return super().send(request, *args, **kwargs)


def behind_public_url(public: str, serving: Serving) -> requests.Session:
    """A session that reaches `serving` at `public`, as clients beyond a proxy do."""
    session = requests.Session()
    session.mount(public.rstrip("/"), PublicUrl(public, serving.url))
    return session


def hrefs(body: Any) -> Iterator[str]:
    """Every `href` anywhere in a JSON body."""
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "href" and isinstance(value, str):
                yield value
            else:
                yield from hrefs(value)
    elif isinstance(body, list):
        for item in body:
            yield from hrefs(item)


def crawl(
    base: str, start: list[str], headers: dict[str, str], session: requests.Session | None = None
) -> dict[str, int]:
    """GET every URL reachable from `start` through hrefs and Location headers: {url: status}. A URL outside
    `base` is not fetched (tests talk to loopback only) and counts as broken (0)."""
    answers: dict[str, int] = {}
    pending = [urljoin(base + "/", url) for url in start]
    while pending:
        url = pending.pop(0)
        if url in answers:
            continue
        if not url.startswith(base):
            answers[url] = 0
            continue
        response = (session or requests).get(url, headers=headers, allow_redirects=False, timeout=10)
        answers[url] = response.status_code
        found = list(hrefs(response.json())) if "json" in response.headers.get("Content-Type", "") else []
        if "Location" in response.headers:
            found.append(response.headers["Location"])
        pending.extend(urljoin(url, href) for href in found)
    return answers
