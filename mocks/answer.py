"""What a mock answers to one request, and the faults to carry out on it.

A dialect's operation returns a werkzeug `Response`, or an `Answer` when the job it read has a scripted
fault; the request's own `Prefer: delay=, dribble=, drop` is added by the application. Nothing waits
here: each server carries the faults out in its own way of waiting (a sleeping thread, the event loop,
a `ConnectionError` raised to `requests`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from werkzeug.wrappers import Response

from .engine import Fault, dribbled_pieces


class DropConnection(Exception):
    """Close the connection without an answer (a scripted `drop` fault)."""


@dataclass(frozen=True)
class Replay:
    """When the same request will be answered with the same bytes: while job `job_id` is at `revision` and
    `progress` after the poll, with no fault scripted on it, the engine's clock before `until` (a credential's
    expiry), and the application's `generation` unchanged. A dialect's poll says the first three
    (`Dialect.polled`); the application adds the generation and the journal entry to write again (`MockApp.replay`)."""

    job_id: str
    revision: int
    progress: int
    until: float = math.inf
    generation: int = -1  # -1: not yet made replayable by the application
    journal: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """`response` with `faults` to carry out: the first fault's status (if any) replaces the response with
    the API's documented one for it, delays add up, a drop sends nothing, the last dribble spreads the body.
    `replay`: when the same request may be answered with the same bytes again (a poll of a job that has not
    changed), else None."""

    response: Response
    faults: tuple[Fault, ...] = ()
    replay: Replay | None = None

    def with_faults(self, *faults: Fault | None) -> Answer:
        added = tuple(fault for fault in faults if fault is not None)
        return Answer(self.response, self.faults + added) if added else self  # a fault is not replayed

    @property
    def status(self) -> int | None:
        """The documented status a scripted fault asks for instead of the response's (None: keep it)."""
        return next((fault.status for fault in self.faults if fault.status is not None), None)

    @property
    def delay(self) -> float:
        return sum(fault.delay for fault in self.faults)

    @property
    def dribble(self) -> float:
        return next((fault.dribble for fault in reversed(self.faults) if fault.dribble), 0.0)

    @property
    def dropped(self) -> bool:
        return any(fault.drop for fault in self.faults)


def answer_of(reply: Response | Answer) -> Answer:
    return reply if isinstance(reply, Answer) else Answer(reply)


def dribbled(response: Response, seconds: float) -> Response:
    """The same answer (headers, Content-Length, body), its body dribbled out over `seconds` by a thread
    that sleeps between the pieces."""
    body = response.get_data()
    response.response = dribbled_pieces(body, seconds)
    response.headers["Content-Length"] = str(len(body))
    return response
