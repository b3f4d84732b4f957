"""A crawler walks a served OGC mock (`jobcontract serve`) through a whole lifecycle and follows every
href and Location it meets, in JSON bodies, HTML pages and headers: no link answers 404 or 405. It starts at
the landing page (and a one-job page of /jobs, to walk the `next` links), executes what the `execute` links
offer, and crawls again as the jobs move on (accepted, then ended, over the HTTP control API's clock), and
after a dismiss (its `up` link)."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from serving import behind_public_url, served

OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0"
HTML_HREF = re.compile(r'href="([^"]+)"')


@dataclass
class Crawler:
    base_url: str
    session: requests.Session = field(default_factory=requests.Session)
    followed: int = 0
    broken: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)  # every Location handed out
    elsewhere: set[str] = field(default_factory=set)  # links not under base_url, left alone

    def crawl(self, *starts: str) -> None:
        """Follow every link reachable from `starts` once (GET, or POST for an execute link)."""
        queue: deque[tuple[str, str, str]] = deque(("GET", start, "application/json") for start in starts)
        seen: set[tuple[str, str, str]] = set()
        while queue:
            method, url, accept = queue.popleft()
            if not url.startswith(self.base_url):
                self.elsewhere.add(url)  # the API definition's example servers are not the mock's
                continue
            if (method, url, accept) in seen:
                continue
            seen.add((method, url, accept))
            answer = self.send(method, url, accept)
            for link_method, href, media_type in self.links_in(answer):
                queue.append((link_method, href, media_type))

    def send(self, method: str, url: str, accept: str) -> requests.Response:
        if method == "POST":
            answer = self.session.post(
                url, json={"inputs": {"message": "hi"}}, headers={"Prefer": "respond-async"}, timeout=10
            )
        else:
            answer = self.session.request(method, url, headers={"Accept": accept}, timeout=10)
        self.followed += 1
        if answer.status_code in (404, 405):
            self.broken.append(f"{method} {url} (Accept: {accept}) -> {answer.status_code} {answer.text[:200]}")
        return answer

    def links_in(self, answer: requests.Response) -> list[tuple[str, str, str]]:
        found: list[tuple[str, str, str]] = []
        if "Location" in answer.headers:
            location = urljoin(answer.url, answer.headers["Location"])
            self.jobs.append(location)
            found.append(("GET", location, "application/json"))
        media_type = answer.headers.get("Content-Type", "")
        if "json" in media_type:
            for link in hrefs(answer.json()):
                method = "POST" if link.get("rel") == f"{OGC_REL}/execute" else "GET"
                found.append((method, urljoin(answer.url, link["href"]), link.get("type") or "application/json"))
        elif "html" in media_type:
            found += [
                ("GET", urljoin(answer.url, href.replace("&amp;", "&")), "text/html")
                for href in HTML_HREF.findall(answer.text)
            ]
        return found


def hrefs(body: Any) -> list[dict[str, Any]]:
    """Every object with a string `href`, anywhere in a JSON body."""
    if isinstance(body, dict):
        own = [body] if isinstance(body.get("href"), str) else []
        return own + [link for value in body.values() for link in hrefs(value)]
    if isinstance(body, list):
        return [link for item in body for link in hrefs(item)]
    return []


PUBLIC_URL = "https://processes.example.test/ogc"  # a proxy's address: never resolved, PublicUrl reroutes it


@pytest.mark.parametrize("public", [False, True], ids=["loopback", "behind-a-public-url"])
def test_every_link_and_location_of_a_whole_lifecycle_resolves(public: bool) -> None:
    with served("ogc", *(["--public-url", PUBLIC_URL] if public else [])) as serving:
        base = PUBLIC_URL if public else serving.url
        crawler = Crawler(base, behind_public_url(PUBLIC_URL, serving) if public else requests.Session())
        starts = (f"{base}/", f"{base}/jobs?limit=1")
        declared = {"attributes": {"processID": "buffer"}}  # as a scenario's job declares a process of its own
        requests.post(f"{serving.control}/jobs", json=declared, timeout=10).raise_for_status()
        crawler.crawl(*starts)  # executes echo, fail and buffer: their jobs are accepted
        assert len(crawler.jobs) >= 3, crawler.jobs
        requests.post(f"{serving.control}/clock", json={"advance": 60}, timeout=10).raise_for_status()
        crawler.crawl(*starts, *crawler.jobs)  # the jobs have ended: results and exceptions links
        dismissed = crawler.session.delete(crawler.jobs[0], headers={"Accept": "application/json"}, timeout=10)
        assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
        crawler.crawl(*(urljoin(dismissed.url, link["href"]) for link in hrefs(dismissed.json())))  # rel=up
        print(f"the crawler followed {crawler.followed} links and Locations")
        assert crawler.broken == [], "\n".join(crawler.broken)
        leaked = {url for url in crawler.elsewhere if url.startswith(("http://127.0.0.1", "http://localhost"))}
        assert not leaked, f"links that bypass {base}: {sorted(leaked)}"
        assert crawler.followed >= 40, crawler.followed
