"""Links as OGC 18-062r2 and link.yaml have them: `href`, `rel`, `type`, read from any body and made absolute
against the answer that carried them. Nothing here checks the contract."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import requests

OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0"
CONFORMANCE_RELS = (f"{OGC_REL}/conformance", "conformance")
PROCESSES_RELS = (f"{OGC_REL}/processes",)
JOB_LIST_RELS = (f"{OGC_REL}/job-list",)
API_DEFINITION_RELS = ("service-desc", "service-doc")


def links_of(body: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The well-formed links of a body (a dict with a string href); the schema checks report the rest."""
    links = body.get("links") if isinstance(body, dict) else None
    return (
        [link for link in links if isinstance(link, dict) and isinstance(link.get("href"), str)]
        if isinstance(links, list)
        else []
    )


def absolute(response: requests.Response, href: str) -> str:
    return urljoin(response.url, href)


def link_to(response: requests.Response, body: dict[str, Any] | None, rels: tuple[str, ...]) -> dict[str, Any] | None:
    """The first link whose rel is one of `rels` (in that order of preference), its href made absolute."""
    for rel in rels:
        for link in links_of(body):
            if link.get("rel") == rel:
                return {**link, "href": absolute(response, link["href"])}
    return None


def accept_for(link: dict[str, Any]) -> str:
    """The Accept header that asks for what a link says it points at (JSON when it does not say)."""
    media_type = link.get("type")
    return media_type if isinstance(media_type, str) and media_type else "application/json"
