"""Polite to staging: a request rate, a budget for the run, and bounded retries of 429 and 503 that say when
to come back, on real HTTP (pytest-httpserver on loopback)."""

from __future__ import annotations

import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from jobcontract.suites.common import MAX_RETRIES, Politeness, PoliteSession, retry_after


def _answers(httpserver: HTTPServer, *answers: tuple[int, dict[str, str]]) -> None:
    for status, headers in answers:
        httpserver.expect_ordered_request("/jobs/1").respond_with_response(Response("{}", status, headers))


def test_a_429_with_retry_after_is_retried_and_counted(httpserver: HTTPServer) -> None:
    _answers(httpserver, (429, {"Retry-After": "0"}), (503, {"Retry-After": "0"}), (200, {}))
    session = PoliteSession(Politeness())
    response = session.get(httpserver.url_for("/jobs/1"), timeout=5)
    assert response.status_code == 200
    assert session.politeness.retried == 2 and session.politeness.sent == 3


@pytest.mark.parametrize(
    ("status", "headers"),
    [(503, {}), (429, {"Retry-After": "3600"}), (500, {"Retry-After": "0"}), (429, {"Retry-After": "soon"})],
    ids=["no-retry-after", "too-long", "not-429-or-503", "unreadable"],
)
def test_other_answers_pass_through_untouched(httpserver: HTTPServer, status: int, headers: dict[str, str]) -> None:
    """The check decides what such an answer means; it is never retried blindly."""
    _answers(httpserver, (status, headers))
    session = PoliteSession(Politeness())
    assert session.get(httpserver.url_for("/jobs/1"), timeout=5).status_code == status
    assert session.politeness.retried == 0


def test_retries_are_bounded(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/jobs/1").respond_with_response(Response("{}", 429, {"Retry-After": "0"}))
    session = PoliteSession(Politeness())
    assert session.get(httpserver.url_for("/jobs/1"), timeout=5).status_code == 429
    assert session.politeness.sent == MAX_RETRIES + 1


def test_an_http_date_retry_after_is_read() -> None:
    response = pytest.importorskip("requests").Response()
    response.headers["Retry-After"] = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert retry_after(response) == 0.0  # in the past: at once


def test_the_budget_stops_the_check_as_not_verified(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/jobs/1").respond_with_json({})
    session = PoliteSession(Politeness(budget=2))
    session.get(httpserver.url_for("/jobs/1"), timeout=5)
    session.get(httpserver.url_for("/jobs/1"), timeout=5)
    with pytest.raises(pytest.skip.Exception, match="not verified: the request budget of 2 requests ran out"):
        session.get(httpserver.url_for("/jobs/1"), timeout=5)
    assert len(httpserver.log) == 2, "the request over budget was never sent"


def test_the_rate_limit_spaces_requests(httpserver: HTTPServer) -> None:
    """A lower bound only: five requests at 20 per second cannot take less than four intervals."""
    httpserver.expect_request("/jobs/1").respond_with_json({})
    session = PoliteSession(Politeness(rate=20))
    started = time.monotonic()
    for _ in range(5):
        session.get(httpserver.url_for("/jobs/1"), timeout=5)
    assert time.monotonic() - started >= 4 / 20
