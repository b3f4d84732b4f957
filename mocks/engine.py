"""The job-lifecycle engine shared by every mock.

A job follows a script of steps in its API's own vocabulary (OGC `accepted -> running ->
successful`, CF `PROCESSING -> COMPLETE`, ...). A step lasts a number of seconds on the engine's
clock or a number of polls; the last step lasts forever. Faults (a status code, a delay, a dropped
connection, a slow body) can be scripted on chosen polls. The clock only moves when told to (frozen) or follows
real time plus whatever it was advanced by, so a one-hour job finishes in microseconds in a test.

Everything goes through one lock: many clients polling at once see one consistent, never-regressing
history per job.

Limits keep a mock that is left running bounded, whatever its clients send (`Limits`; `jobcontract
serve --max-jobs N --max-attribute-bytes N` raises them): at most `max_jobs` jobs stored (10,000; a job
made beyond it raises `Full`) and `max_attribute_bytes` of attributes per job as JSON (64 KiB; `OverLimit`),
a clock advanced at most `Clock.MAX_OFFSET` seconds in all (a millennium: no date the mocks compute can
pass the year 9999; `reset` starts it again), step seconds and poll numbers finite and in range, at most
1,000 steps in a script and 1,000 scripted faults on a job.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

# a job's revisions are numbered across every engine: a job made again under an old id never matches its past
REVISIONS = itertools.count(1)


class ScriptError(ValueError):
    """A job script, fault or control request is malformed; the message says how to fix it."""


class OverLimit(ScriptError):
    """A request within the rules but over one of the mock's limits (`Limits`); the message names the
    `serve` flag that raises the limit. The control API answers it 400, an API route its server error."""


class Full(OverLimit):
    """The mock holds as many jobs as it may: a conflict with its state (the control API answers 409)."""


#: the longest a step may last and the most the clock may be advanced in all: a millennium keeps every date
#: the mocks compute (the clock's start, now, plus this) far from datetime's year 9999
MAX_SECONDS = 1000 * 366 * 86400
#: the highest poll number a step or a fault may name (a client polling once a millisecond takes 11 days)
MAX_POLLS = 1_000_000_000
#: the most steps a script and scripted faults a job may have (a test scripts a handful)
MAX_STEPS = MAX_FAULTS = 1000


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Limits:
    """How much one engine holds, so that a mock left running stays bounded (serve's `--max-jobs`,
    `--max-attribute-bytes`)."""

    max_jobs: int = 10_000
    max_attribute_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        for name in ("max_jobs", "max_attribute_bytes"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} is an integer >= 1, not {value!r}")

    def check_attributes(self, attributes: Mapping[str, Any]) -> None:
        """Raise OverLimit if a job's attributes take more than `max_attribute_bytes` as JSON."""
        try:
            text = json.dumps(attributes, ensure_ascii=False, separators=(",", ":"), default=str)
            size = len(text.encode("utf-8", "surrogatepass"))  # JSON may carry a lone surrogate: "\ud800"
        except (ValueError, RecursionError):  # a circular or absurdly deep value from the Python API
            raise ScriptError("a job's attributes are JSON-like values (no cycles, not absurdly deep)") from None
        if size > self.max_attribute_bytes:
            raise OverLimit(
                f"the job's attributes take {size} bytes as JSON, over the mock's limit of {self.max_attribute_bytes}"
                " (serve --max-attribute-bytes raises it)"
            )


#: the limits of every engine made without its own: `jobcontract serve` sets them from its flags before it
#: makes its mocks (Import/Export's moto backends make their engines themselves)
DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Step:
    """One state of a job, held for `seconds` of clock time or `polls` polls (neither: forever)."""

    state: str
    seconds: float | None = None
    polls: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.state, str) or not self.state:
            raise ScriptError(f"a step needs a state name, not {self.state!r}")
        if self.seconds is not None and self.polls is not None:
            raise ScriptError(f"step {self.state!r}: give seconds or polls, not both")
        # compared before any use as a float: a 4,000-digit integer is refused here, not overflowing later
        if self.seconds is not None and not (_is_number(self.seconds) and 0 <= self.seconds <= MAX_SECONDS):
            raise ScriptError(
                f"step {self.state!r}: seconds must be a number >= 0, not {_shown(self.seconds)} (at most"
                f" {MAX_SECONDS}, a millennium; a step without seconds or polls lasts forever)"
            )
        if self.polls is not None and not (
            isinstance(self.polls, int) and not isinstance(self.polls, bool) and 1 <= self.polls <= MAX_POLLS
        ):
            raise ScriptError(
                f"step {self.state!r}: polls must be an integer >= 1, not {_shown(self.polls)} (at most {MAX_POLLS})"
            )

    @property
    def lasts_forever(self) -> bool:
        return self.seconds is None and self.polls is None


@dataclass(frozen=True)
class Fault:
    """What goes wrong on one answer: another documented status, a delay before it, a dropped
    connection instead of it, or its body dribbled out over `dribble` seconds."""

    status: int | None = None
    delay: float = 0.0
    drop: bool = False
    dribble: float = 0.0

    def __post_init__(self) -> None:
        if self.status is not None and (
            not isinstance(self.status, int) or isinstance(self.status, bool) or not 100 <= self.status <= 599
        ):
            raise ScriptError(f"a fault status must be an HTTP status code, not {_shown(self.status)}")
        # NaN and infinities fail the comparison
        if not _is_number(self.delay) or not 0 <= self.delay <= 300:
            raise ScriptError(f"a fault delay must be between 0 and 300 seconds, not {_shown(self.delay)}")
        if not _is_number(self.dribble) or not 0 <= self.dribble <= 300:
            raise ScriptError(f"a fault dribble must be between 0 and 300 seconds, not {_shown(self.dribble)}")
        if self.drop and self.status is not None:
            raise ScriptError("a fault either drops the connection or answers a status, not both")
        if self.drop and self.dribble:
            raise ScriptError("a fault either drops the connection or dribbles the answer, not both")


def _shown(value: Any) -> str:
    """A value as an error message quotes it: a huge number by its size, not its 4,000 digits."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**18:
        return f"an integer of {len(str(abs(value)))} digits"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def poll_number(raw: Any) -> int:
    """A poll number from an int or the digits of one (JSON object keys are strings): 1 to MAX_POLLS."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, str) and raw.strip().isdecimal() and len(raw.strip()) <= len(str(MAX_POLLS)):
        number = int(raw)
    else:
        number = 0
    if not 1 <= number <= MAX_POLLS:
        raise ScriptError(
            f"faults are keyed by poll number (1 is the first poll), not {_shown(raw)} (at most {MAX_POLLS})"
        )
    return number


def parse_step(raw: Any) -> Step:
    """A step from its JSON form: `"running"`, `{"state": "running", "seconds": 60}`."""
    if isinstance(raw, Step):
        return raw
    if isinstance(raw, str):
        return Step(raw)
    if isinstance(raw, Mapping):
        unknown = set(raw) - {"state", "seconds", "polls"}
        if unknown:
            raise ScriptError(f"unknown step field(s) {sorted(unknown)}; a step has state, seconds, polls")
        return Step(raw.get("state"), raw.get("seconds"), raw.get("polls"))  # type: ignore[arg-type]
    raise ScriptError(f"a step is a state name or an object with state and seconds or polls, not {raw!r}")


def parse_fault(raw: Any) -> Fault:
    """A fault from its JSON form: `{"status": 500}`, `{"delay": 2.5}`, `{"drop": true}`, `{"dribble": 3}`."""
    if isinstance(raw, Fault):
        return raw
    if not isinstance(raw, Mapping):
        raise ScriptError(f"a fault is an object with status, delay or drop (and dribble), not {raw!r}")
    unknown = set(raw) - {"status", "delay", "drop", "dribble"}
    if unknown:
        raise ScriptError(f"unknown fault field(s) {sorted(unknown)}; a fault has status, delay, drop, dribble")
    drop = raw.get("drop", False)
    if not isinstance(drop, bool):
        raise ScriptError(f"drop is true or false, not {drop!r}")
    return Fault(raw.get("status"), raw.get("delay", 0.0), drop, raw.get("dribble", 0.0))


def prefer_fault(header: str) -> Fault | None:
    """A request's own fault from its `Prefer: delay=SECONDS, dribble=SECONDS, drop` (None: no fault).
    Other preferences (code=, respond-async, RFC 7240's wait=) are not faults and pass by."""
    fields: dict[str, Any] = {}
    for part in re.split(r"[,;]", header):
        name, equals, value = (piece.strip().strip('"') for piece in part.partition("="))
        name = name.lower()
        if name == "drop" and (not equals or value.lower() == "true"):
            fields["drop"] = True
        elif name in ("delay", "dribble"):
            try:
                fields[name] = float(value)
            except ValueError:
                raise ScriptError(f"{name}={value} is not a number of seconds") from None
    return parse_fault(fields) if fields else None


def dribble_schedule(body: bytes, seconds: float, pieces: int = 10) -> list[tuple[float, bytes]]:
    """How to spread `body` over `seconds` (WireMock's chunked dribble): (seconds to wait, then the piece
    to send), the first piece at once and the last `seconds` later; a body too short to split waits whole."""
    size = max(1, -(-len(body) // pieces))
    chunks = [body[start : start + size] for start in range(0, len(body), size)] or [b""]
    if len(chunks) < 2:
        return [(seconds, chunks[0])]
    pause = seconds / (len(chunks) - 1)
    return [(pause if index else 0.0, chunk) for index, chunk in enumerate(chunks)]


def dribbled_pieces(body: bytes, seconds: float) -> Iterator[bytes]:
    """`body` piece by piece, sleeping between as `dribble_schedule` says (for a thread that may wait)."""
    for wait, piece in dribble_schedule(body, seconds):
        if wait:
            time.sleep(wait)
        yield piece


class UnknownJob(KeyError):
    """No job has this id (the control API answers it with 404; any other KeyError is a bug, a 500)."""


class Clock:
    """Real time plus an offset that tests advance; `frozen` stops the real-time part."""

    MAX_ADVANCE = 100 * 366 * 86400  # a century at a time
    MAX_OFFSET = MAX_SECONDS  # in all: every date stays far from datetime's year 9999

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._given_start = start
        self._frozen = frozen
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Start again: from the start given, or from now; nothing advanced."""
        with self._lock:
            self._start = (self._given_start or datetime.now(UTC)).replace(microsecond=0)
            self._real_start = time.monotonic()
            self._offset = 0.0

    def seconds(self) -> float:
        """Seconds since the clock started (never decreases)."""
        with self._lock:
            real = 0.0 if self._frozen else time.monotonic() - self._real_start
            return real + self._offset

    def now(self) -> datetime:
        return self.at(self.seconds())

    def at(self, seconds: float) -> datetime:
        return self._start + timedelta(seconds=seconds)

    def advance(self, seconds: float) -> float:
        if not _is_number(seconds) or not 0 <= seconds <= self.MAX_ADVANCE:
            raise ScriptError(
                f"the clock only moves forward, a century at most: seconds must be a number from 0 to"
                f" {self.MAX_ADVANCE}, not {_shown(seconds)}"
            )
        with self._lock:
            room = self.MAX_OFFSET - self._offset
            if seconds > room:
                raise ScriptError(
                    f"the clock may be advanced {self.MAX_OFFSET} seconds in all (a millennium, so that no date the"
                    f" mock computes passes the year 9999) and {room:.0f} more now, not {seconds}: reset the mock"
                    " to start the clock again"
                )
            self._offset += seconds
        return self.seconds()


@dataclass(frozen=True)
class Observation:
    """What one look at a job shows: its state now, when each state began, and any fault."""

    job_id: str
    state: str
    step: int
    steps: int
    created: datetime
    entered: tuple[tuple[str, datetime], ...]  # (state, when it began) for every state reached
    progress: int
    poll: int
    terminal: bool
    fault: Fault | None
    attributes: Mapping[str, Any]
    #: changes whenever what the job shows changes but its progress (a new state, new attributes): with `progress`
    #: it tells whether two looks at the job would be rendered alike (`Engine.repoll`)
    revision: int = 0

    @property
    def updated(self) -> datetime:
        return self.entered[-1][1]

    def began(self, state: str) -> datetime | None:
        """When the job first entered `state`, if it has."""
        return next((when for name, when in self.entered if name == state), None)


@dataclass
class _Job:
    job_id: str
    script: tuple[Step, ...]
    created: datetime
    attributes: dict[str, Any]
    step: int = 0
    entered_at: float = 0.0
    polls_in_step: int = 0
    polls: int = 0
    # (state, when it began) as datetimes, made once here rather than on every look at the job
    history: list[tuple[str, datetime]] = field(default_factory=list)
    faults: dict[int, Fault] = field(default_factory=dict)
    revision: int = 0


class Engine:
    """Jobs, their clock, their scripted faults, and a bounded journal of requests."""

    JOURNAL_LIMIT = 1000

    def __init__(self, clock: Clock | None = None, limits: Limits | None = None) -> None:
        self.clock = clock or Clock(frozen=True)
        self.limits = limits or DEFAULT_LIMITS
        self._lock = threading.RLock()
        self._jobs: dict[str, _Job] = {}
        self._journal: deque[dict[str, Any]] = deque(maxlen=self.JOURNAL_LIMIT)
        self._sequence = itertools.count(1)
        self._created = 0  # jobs ever created here, resets included: tells a dialect whether any is new to it

    # -- jobs ---------------------------------------------------------------------------------
    def create(
        self,
        script: Iterable[Any],
        job_id: str | None = None,
        *,
        faults: Mapping[int, Any] | None = None,
        **attributes: Any,
    ) -> str:
        steps = tuple(parse_step(raw) for raw in script)
        if not steps:
            raise ScriptError("a job script needs at least one step")
        if len(steps) > MAX_STEPS or len(faults or {}) > MAX_FAULTS:
            raise ScriptError(f"a job has at most {MAX_STEPS} steps and {MAX_FAULTS} scripted faults")
        if job_id is not None and (not isinstance(job_id, str) or not job_id):
            raise ScriptError(f"a job id is a non-empty string, not {_shown(job_id)}")
        parsed_faults = {poll_number(k): parse_fault(v) for k, v in (faults or {}).items()}
        self.limits.check_attributes(attributes)
        with self._lock:
            job_id = job_id or str(uuid.uuid4())
            if job_id in self._jobs:
                raise ScriptError(f"job {job_id!r} already exists")
            if len(self._jobs) >= self.limits.max_jobs:
                raise Full(
                    f"the mock holds {len(self._jobs)} jobs, as many as it may (serve --max-jobs raises the limit):"
                    " reset it (POST /__jobcontract/reset) to make room"
                )
            now = self.clock.seconds()
            created = self.clock.at(now)
            job = _Job(
                job_id,
                steps,
                created,
                dict(attributes),
                entered_at=now,
                faults=parsed_faults,
                revision=next(REVISIONS),
            )
            job.history.append((steps[0].state, created))
            self._jobs[job_id] = job
            self._created += 1
            return job_id

    def exists(self, job_id: str) -> bool:
        with self._lock:
            return job_id in self._jobs

    @property
    def created(self) -> int:
        """How many jobs this engine has created, resets included (it only grows)."""
        return self._created

    def job_ids(self) -> list[str]:
        with self._lock:
            return list(self._jobs)

    def poll(self, job_id: str) -> Observation | None:
        """Look at a job as a client poll does: counts the poll, applies its scripted fault."""
        return self._observe(job_id, count=True)

    def peek(self, job_id: str) -> Observation | None:
        """Look at a job without counting a poll (control API, dismiss)."""
        return self._observe(job_id, count=False)

    def repoll(self, job_id: str, revision: int, progress: int, until: float = math.inf) -> bool:
        """A client's poll of a job, counted only if it would show what an earlier one did: the job still at
        `revision` and `progress` after this poll, no fault scripted on it, and the clock before `until`
        (when an answer's credential expires, say). False, and nothing counted, otherwise: then answer in full.
        This is how `serve` answers a repeated poll with the bytes it sent before (mocks/fastserver.py)."""
        with self._lock:
            settled = self._settled(job_id)
            if settled is None:
                return False
            job, now = settled
            if (
                now >= until
                or job.revision != revision
                or job.polls + 1 in job.faults
                or self._progress(job, now, job.polls_in_step + 1) != progress
            ):
                return False
            job.polls += 1
            job.polls_in_step += 1
            return True

    def _settled(self, job_id: str) -> tuple[_Job, float] | None:
        """The job brought up to the clock's now, and that now (the caller holds the lock)."""
        job = self._jobs.get(job_id)
        if job is None:
            return None
        now = self.clock.seconds()
        self._settle(job, now)
        return job, now

    def _observe(self, job_id: str, *, count: bool) -> Observation | None:
        with self._lock:
            settled = self._settled(job_id)
            if settled is None:
                return None
            job, now = settled
            fault = None
            if count:
                job.polls += 1
                job.polls_in_step += 1
                fault = job.faults.pop(job.polls, None)
            return self._snapshot(job, now, fault)

    def _settle(self, job: _Job, now: float) -> None:
        while job.step < len(job.script) - 1:
            step = job.script[job.step]
            if step.seconds is not None and now >= job.entered_at + step.seconds:
                entered = job.entered_at + step.seconds
            elif step.polls is not None and job.polls_in_step >= step.polls:
                entered = now
            else:
                return
            self._enter(job, job.step + 1, entered)

    def _enter(self, job: _Job, step: int, when: float) -> None:
        job.step, job.entered_at, job.polls_in_step = step, when, 0
        job.revision = next(REVISIONS)
        job.history.append((job.script[step].state, self.clock.at(when)))

    @staticmethod
    def _progress(job: _Job, now: float, polls_in_step: int) -> int:
        last = len(job.script) - 1
        if job.step == last:
            return 100
        step = job.script[job.step]
        fraction = 0.0
        if step.seconds:
            fraction = min(1.0, (now - job.entered_at) / step.seconds)
        elif step.polls:
            fraction = min(1.0, polls_in_step / step.polls)
        return int(100 * (job.step + fraction) / last)

    def _snapshot(self, job: _Job, now: float, fault: Fault | None) -> Observation:
        last = len(job.script) - 1
        step = job.script[job.step]
        return Observation(
            job_id=job.job_id,
            state=step.state,
            step=job.step,
            steps=len(job.script),
            created=job.created,
            entered=tuple(job.history),
            progress=self._progress(job, now, job.polls_in_step),
            poll=job.polls,
            terminal=job.step == last,
            fault=fault,
            attributes=dict(job.attributes),
            revision=job.revision,
        )

    def finish(self, job_id: str, state: str, **attributes: Any) -> Observation | None:
        """End a job now in `state` (a dismissal, a cancellation): it stays there for good."""
        with self._lock:
            settled = self._settled(job_id)
            if settled is None:
                return None
            job, now = settled
            self.limits.check_attributes({**job.attributes, **attributes})
            job.script = (*job.script[: job.step + 1], Step(state))
            job.attributes.update(attributes)
            self._enter(job, job.step + 1, now)
            return self._snapshot(job, now, None)

    def update(self, job_id: str, **attributes: Any) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise UnknownJob(job_id)
            self.limits.check_attributes({**job.attributes, **attributes})
            job.attributes.update(attributes)
            job.revision = next(REVISIONS)

    def remove(self, job_id: str) -> bool:
        with self._lock:
            return self._jobs.pop(job_id, None) is not None

    def inject(self, job_id: str, fault: Any, poll: int | None = None) -> int:
        """Script `fault` on poll number `poll` of the job (default: its next poll); returns it."""
        parsed = parse_fault(fault)
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise UnknownJob(job_id)
            number = job.polls + 1 if poll is None else poll_number(poll)
            if number <= job.polls:  # it would wait forever for a poll that has already happened
                raise ScriptError(f"job {job_id!r} has had {job.polls} polls already: poll {number} is past")
            if number not in job.faults and len(job.faults) >= MAX_FAULTS:
                raise ScriptError(f"job {job_id!r} has {MAX_FAULTS} faults scripted already, the most a job may have")
            job.faults[number] = parsed
            return number

    def advance(self, seconds: float) -> float:
        return self.clock.advance(seconds)

    def reset(self) -> None:
        """Forget every job and the journal; the clock starts again."""
        with self._lock:
            self._jobs.clear()
            self._journal.clear()
            self.clock.reset()

    # -- journal ------------------------------------------------------------------------------
    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._journal.append({"seq": next(self._sequence), **entry})  # the deque forgets the oldest

    def journal(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._journal]


def with_fault(observation: Observation, fault: Fault | None) -> Observation:
    return replace(observation, fault=fault)
