"""The lifecycle engine keeps its promises under any interleaving of jobs, polls, clock moves,
faults, dismissals and resets; under many threads at once; and rejects every malformed script,
fault or clock move with a message that says what is wrong."""

from __future__ import annotations

import itertools
import math
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, precondition, rule

from jobcontract.mocks.engine import Clock, Engine, Fault, Observation, ScriptError, Step, parse_fault, parse_step

# A small vocabulary with a rank order: a script never steps down in rank, a dismissal is the top.
RANK = {"queued": 0, "running": 1, "done": 2, "failed": 2, "dismissed": 3}
SCRIPT_STATES = ("queued", "running", "done", "failed")
JOB_IDS = ("a", "b", "c")  # named ids: reused often enough to hit "already exists"

# Quarter seconds are exact in binary: no rounding at step borders. The round values land on borders
# exactly (a step of 60 s, a move of 60 s); short moves look at a job again inside the same step.
quarter_seconds = st.integers(0, 4 * 3600).map(lambda q: q / 4)
durations = st.one_of(st.sampled_from([0, 0.25, 60, 3600]), quarter_seconds)
moves = st.one_of(st.sampled_from([0, 0.25, 1, 60]), quarter_seconds)
faults = st.one_of(
    st.builds(lambda status: {"status": status}, st.sampled_from([404, 500, 503])),
    st.builds(lambda delay: {"delay": delay}, st.sampled_from([0.25, 2.0])),
    st.just({"drop": True}),
)


@st.composite
def scripts(draw: st.DrawFn) -> list[tuple[Step, Any]]:
    """A script in rank order, all on seconds, all on polls, or mixed (with steps that last forever), as
    pairs of the step the engine should hold and one of the forms a caller may give it in."""
    mode = draw(st.sampled_from(["seconds", "polls", "mixed"]))
    states = sorted(draw(st.lists(st.sampled_from(SCRIPT_STATES), min_size=1, max_size=4)), key=RANK.__getitem__)
    script = []
    for state in states:
        kind = mode if mode != "mixed" else draw(st.sampled_from(["seconds", "polls", "forever"]))
        if kind == "seconds":
            step = Step(state, seconds=draw(durations))
        elif kind == "polls":
            step = Step(state, polls=draw(st.integers(1, 3)))
        else:
            step = Step(state)
        form = draw(st.sampled_from(["Step", "dict", "str"]))
        if form == "Step":
            script.append((step, step))
        elif form == "str" and step.lasts_forever:
            script.append((step, state))
        else:
            script.append((step, {name: value for name, value in vars(step).items() if value is not None}))
    return script


class JobModel:
    """What the test knows about one job: its script, polls made, faults pending, last look."""

    def __init__(self, script: tuple[Step, ...], created: float, faults: dict[int, Fault]) -> None:
        self.script = script
        self.created = created
        self.polls = 0
        self.faults = faults
        self.last: Observation | None = None
        self.finished = False  # finish() ended it early

    def expected_step(self, elapsed: float, polls_seen: int) -> int | None:
        """The exact step for a script whose steps all run on seconds, or all on polls; None for mixed."""
        timed = self.script[:-1]
        if self.finished:  # it sits in its last step for good
            return len(self.script) - 1
        if all(step.seconds is not None for step in timed):
            ends = itertools.accumulate(step.seconds or 0.0 for step in timed)
            return next((i for i, end in enumerate(ends) if elapsed < end), len(timed))
        if all(step.polls is not None for step in timed):
            ends = itertools.accumulate(step.polls or 0 for step in timed)
            return next((i for i, end in enumerate(ends) if polls_seen <= end), len(timed))
        return None


class EngineMachine(RuleBasedStateMachine):
    jobs = Bundle("jobs")

    def __init__(self) -> None:
        super().__init__()
        self.engine = Engine(Clock(frozen=True))
        self.clock = 0.0
        self.models: dict[str, JobModel] = {}

    # -- rules ------------------------------------------------------------------------------------
    @initialize(target=jobs, script=scripts(), data=st.data())
    def first_job(self, script: list[tuple[Step, Any]], data: st.DataObject) -> str:
        return self.create(script, None, data)

    @rule(target=jobs, script=scripts(), named=st.one_of(st.none(), st.sampled_from(JOB_IDS)), data=st.data())
    def create(self, script: list[tuple[Step, Any]], named: str | None, data: st.DataObject) -> str:
        steps = tuple(step for step, _ in script)
        scripted = data.draw(st.dictionaries(st.integers(1, 6), faults, max_size=2), label="faults")
        if named is not None and named in self.models:
            with pytest.raises(ScriptError, match=f"job '{named}' already exists"):
                self.engine.create([raw for _, raw in script], named, faults=scripted)
            return named
        job_id = self.engine.create([raw for _, raw in script], named, faults=scripted, origin="machine")
        assert named is None or job_id == named
        self.models[job_id] = JobModel(steps, self.clock, {n: parse_fault(f) for n, f in scripted.items()})
        return job_id

    @rule(job_id=jobs, polling=st.lists(st.booleans(), min_size=1, max_size=4))
    def look(self, job_id: str, polling: list[bool]) -> None:
        """A client's polls (True) and the control API's peeks (False) at one job, in a row."""
        for poll in polling:
            if poll:
                self.poll(job_id)
            else:
                self.peek(job_id)

    def poll(self, job_id: str) -> None:
        observation = self.engine.poll(job_id)
        model = self.models.get(job_id)
        if model is None:
            assert observation is None, f"{job_id} is gone but a poll still sees it"
            return
        assert observation is not None, f"{job_id} was lost"
        model.polls += 1
        assert observation.poll == model.polls, "the poll count is not the number of polls made"
        assert observation.fault == model.faults.pop(model.polls, None), f"wrong fault on poll {model.polls}"
        self.check(model, observation, polls_seen=model.polls)

    def peek(self, job_id: str) -> None:
        observation = self.engine.peek(job_id)
        model = self.models.get(job_id)
        if model is None:
            assert observation is None
            return
        assert observation is not None
        assert observation.poll == model.polls, "a peek counted as a poll"
        assert observation.fault is None, "a peek fired a fault"
        self.check(model, observation, polls_seen=model.polls + 1)  # a peek sees what the next poll would

    @rule(seconds=moves, look=st.booleans())
    def advance(self, seconds: float, look: bool) -> None:
        assert self.engine.advance(seconds) == self.clock + seconds
        self.clock += seconds
        if look:  # peek at every job, the way a dashboard would, to see the move take effect everywhere
            for job_id in list(self.models):
                self.peek(job_id)

    @rule(job_id=jobs, how=st.sampled_from(["finish", "remove", "finish and remove"]))
    def end(self, job_id: str, how: str) -> None:
        """End a job: finish it (a cancellation), remove it, or both (what an OGC dismissal does)."""
        if how != "remove":
            self.finish(job_id, "dismissed")
        if how != "finish":
            self.remove(job_id)

    def finish(self, job_id: str, state: str) -> None:
        observation = self.engine.finish(job_id, state, reason="machine")
        model = self.models.get(job_id)
        if model is None:
            assert observation is None
            return
        assert observation is not None
        reached = observation.step - 1  # the step the job had reached when it was finished
        expected = model.expected_step(self.clock - model.created, model.polls + 1)
        assert expected is None or reached == expected, f"finished from step {reached}, expected {expected}"
        if model.last is not None:
            assert reached >= model.last.step, "finish took the job back"
            assert observation.entered[: len(model.last.entered)] == model.last.entered, "finish rewrote the history"
        assert observation.state == state and observation.terminal and observation.progress == 100
        assert observation.steps == reached + 2 and observation.poll == model.polls and observation.fault is None
        assert observation.entered[-1] == (state, self.engine.clock.at(self.clock))
        assert observation.attributes == {"origin": "machine", "reason": "machine"}
        model.script = (*model.script[: reached + 1], Step(state))
        model.finished = True
        model.last = None  # a dismissal may end a terminal job: only the checks that hold across it apply
        self.check(model, observation, polls_seen=model.polls + 1)

    def remove(self, job_id: str) -> None:
        assert self.engine.remove(job_id) == (job_id in self.models)
        self.models.pop(job_id, None)
        assert self.engine.poll(job_id) is None and self.engine.peek(job_id) is None

    @rule(job_id=jobs, fault=faults, ahead=st.one_of(st.none(), st.integers(-2, 3)))
    def inject(self, job_id: str, fault: dict[str, Any], ahead: int | None) -> None:
        model = self.models.get(job_id)
        if model is None:
            with pytest.raises(KeyError):
                self.engine.inject(job_id, fault)
            return
        number = model.polls + 1 if ahead is None else model.polls + ahead
        if number < 1:
            with pytest.raises(ScriptError, match="faults are keyed by poll number"):
                self.engine.inject(job_id, fault, number)
        elif number <= model.polls:
            with pytest.raises(ScriptError, match=f"poll {number} is past"):
                self.engine.inject(job_id, fault, number)
        else:
            assert self.engine.inject(job_id, fault, None if ahead is None else number) == number
            model.faults[number] = parse_fault(fault)

    @precondition(lambda self: len(self.models) >= 3)  # a reset wipes every job: let a few build up first
    @rule()
    def reset(self) -> None:
        gone = list(self.models)
        self.engine.record({"path": "/jobs/x"})
        self.engine.reset()
        self.models.clear()
        self.clock = 0.0  # the clock starts again
        assert all(self.engine.peek(job_id) is None for job_id in gone)
        assert self.engine.journal() == [] and self.engine.clock.seconds() == 0

    @invariant()
    def jobs_are_exactly_the_models(self) -> None:
        assert sorted(self.engine.job_ids()) == sorted(self.models)

    # -- the checks every look at a job must pass ------------------------------------------------------
    def check(self, model: JobModel, observation: Observation, *, polls_seen: int) -> None:
        last = model.last
        assert observation.steps == len(model.script)
        assert observation.state == model.script[observation.step].state
        assert observation.terminal == (observation.step == len(model.script) - 1)
        assert [name for name, _ in observation.entered] == [s.state for s in model.script[: observation.step + 1]]
        assert observation.created == self.engine.clock.at(model.created)
        assert observation.created <= observation.entered[0][1], "created is after the first state began"
        moments = [when for _, when in observation.entered]
        assert moments == sorted(moments), f"entered times went back: {observation.entered}"
        assert moments[-1] <= self.engine.clock.at(self.clock), "a state began in the future"
        assert isinstance(observation.progress, int) and 0 <= observation.progress <= 100
        if observation.terminal:
            assert observation.progress == 100
        expected = model.expected_step(self.clock - model.created, polls_seen)
        if expected is not None:
            assert observation.step == expected, f"expected step {expected}, saw {observation.step}"
        if not model.finished and all(step.seconds is not None for step in model.script[: observation.step]):
            borders = itertools.accumulate(step.seconds or 0.0 for step in model.script[: observation.step])
            assert moments[1:] == [self.engine.clock.at(model.created + end) for end in borders]
        if last is not None:
            assert observation.step >= last.step, f"the state went back: {last.state} -> {observation.state}"
            assert RANK[observation.state] >= RANK[last.state], f"rank went back: {last.state} -> {observation.state}"
            if last.terminal:
                assert (observation.step, observation.state) == (last.step, last.state), "a terminal state moved"
            assert observation.entered[: len(last.entered)] == last.entered, "the history was rewritten"
            assert observation.progress >= last.progress, (
                f"progress went back: {last.progress} -> {observation.progress}"
            )
        model.last = observation


EngineMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=30)
TestEngineMachine = EngineMachine.TestCase


# -- many threads at once ---------------------------------------------------------------------------------
@pytest.fixture
def eager_thread_switching() -> Iterator[None]:
    """Switch threads every microsecond instead of every 5 ms, so that races show up in a short test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("eager_thread_switching")
def test_many_threads_polling_while_the_clock_moves_see_one_history_per_job() -> None:
    engine = Engine(Clock(frozen=True))
    mixed = [
        {"state": "queued", "seconds": 60},
        {"state": "running", "polls": 5},
        {"state": "done", "seconds": 5},
        "end",
    ]
    job_ids = [engine.create(mixed, faults={3: {"status": 500}}) for _ in range(12)]
    job_ids += [engine.create([{"state": "queued", "polls": 40}, "done"]) for _ in range(4)]
    pollers, looks_each = 16, 150
    start = threading.Barrier(pollers + 1)
    errors: list[BaseException] = []
    # per thread: job -> every observation it made, and whether it was a poll
    views: list[dict[str, list[tuple[bool, Observation]]]] = [{} for _ in range(pollers)]

    def poller(index: int) -> None:
        chooser = random.Random(index)
        try:
            start.wait(timeout=30)
            for _ in range(looks_each):
                job_id, polling = chooser.choice(job_ids), chooser.random() < 0.8
                observation = engine.poll(job_id) if polling else engine.peek(job_id)
                assert observation is not None, f"{job_id} was lost"
                views[index].setdefault(job_id, []).append((polling, observation))
        except BaseException as error:  # reported below: an exception in a thread must fail the test
            errors.append(error)

    def clock_mover() -> None:
        steps = random.Random(-1)
        try:
            start.wait(timeout=30)
            for _ in range(300):
                engine.advance(steps.choice([0, 0.5, 1, 7]))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=poller, args=(i,)) for i in range(pollers)]
    threads.append(threading.Thread(target=clock_mover))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not errors, errors

    assert sorted(engine.job_ids()) == sorted(job_ids), "a job was lost"
    for job_id in job_ids:
        looks = [look for view in views for look in view.get(job_id, [])]
        poll_numbers = sorted(observation.poll for polling, observation in looks if polling)
        assert poll_numbers == list(range(1, len(poll_numbers) + 1)), f"{job_id}: a poll was lost or counted twice"
        final = engine.peek(job_id)
        assert final is not None and final.poll == len(poll_numbers)
        faulted = [observation.poll for polling, observation in looks if observation.fault is not None]
        assert faulted == ([3] if job_id in job_ids[:12] and len(poll_numbers) >= 3 else []), "a fault fired wrongly"
    for view in views:
        for job_id, looks in view.items():
            for (_, before), (_, after) in itertools.pairwise(looks):
                assert after.step >= before.step, f"{job_id}: {before.state} -> {after.state}"
                assert after.progress >= before.progress, f"{job_id}: progress {before.progress} -> {after.progress}"
                assert after.poll >= before.poll
                assert after.entered[: len(before.entered)] == before.entered, f"{job_id}: the history was rewritten"


@pytest.mark.usefixtures("eager_thread_switching")
def test_concurrent_polls_are_each_counted_once() -> None:
    engine = Engine()
    job_id = engine.create(["running"])
    threads, polls_each = 16, 200
    seen: list[list[int]] = [[] for _ in range(threads)]

    def poller(index: int) -> None:
        for _ in range(polls_each):
            observation = engine.poll(job_id)
            assert observation is not None
            seen[index].append(observation.poll)

    workers = [threading.Thread(target=poller, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    numbers = sorted(n for numbers in seen for n in numbers)
    assert numbers == list(range(1, threads * polls_each + 1)), "a poll was lost or counted twice"
    assert all(view == sorted(view) for view in seen)


# -- validation ----------------------------------------------------------------------------------------
def present(observation: Observation | None) -> Observation:
    assert observation is not None, "the job is gone"
    return observation


def _engine_with_job(job_id: str = "j", polls: int = 0) -> Engine:
    engine = Engine()
    engine.create(["running"], job_id)
    for _ in range(polls):
        engine.poll(job_id)
    return engine


INVALID: list[tuple[str, Callable[[], object], str]] = [
    ("empty state", lambda: Step(""), "a step needs a state name, not ''"),
    ("state not a string", lambda: parse_step({"state": 5}), "a step needs a state name, not 5"),
    (
        "seconds and polls",
        lambda: parse_step({"state": "x", "seconds": 1, "polls": 1}),
        "give seconds or polls, not both",
    ),
    ("negative seconds", lambda: Step("x", seconds=-1), "seconds must be a number >= 0, not -1"),
    ("seconds as text", lambda: parse_step({"state": "x", "seconds": "5"}), "seconds must be a number >= 0, not '5'"),
    ("seconds NaN", lambda: Step("x", seconds=math.nan), "seconds must be a number >= 0, not nan"),
    ("zero polls", lambda: Step("x", polls=0), "polls must be an integer >= 1, not 0"),
    ("negative polls", lambda: Step("x", polls=-2), "polls must be an integer >= 1, not -2"),
    ("fractional polls", lambda: parse_step({"state": "x", "polls": 1.5}), "polls must be an integer >= 1, not 1.5"),
    ("boolean polls", lambda: parse_step({"state": "x", "polls": True}), "polls must be an integer >= 1, not True"),
    ("unknown step field", lambda: parse_step({"state": "x", "minutes": 3}), "unknown step field(s) ['minutes']"),
    ("step not a step", lambda: parse_step(42), "a step is a state name or an object"),
    ("step as a list", lambda: parse_step(["x", 1]), "a step is a state name or an object"),
    ("fault status too low", lambda: parse_fault({"status": 99}), "a fault status must be an HTTP status code, not 99"),
    ("fault status too high", lambda: parse_fault({"status": 600}), "HTTP status code, not 600"),
    ("fault status text", lambda: parse_fault({"status": "500"}), "HTTP status code, not '500'"),
    ("negative delay", lambda: parse_fault({"delay": -1}), "a fault delay must be between 0 and 300 seconds, not -1"),
    ("long delay", lambda: parse_fault({"delay": 301}), "between 0 and 300 seconds, not 301"),
    ("delay NaN", lambda: parse_fault({"delay": math.nan}), "between 0 and 300 seconds, not nan"),
    ("drop and status", lambda: parse_fault({"drop": True, "status": 500}), "drops the connection or answers a status"),
    ("unknown fault field", lambda: parse_fault({"code": 500}), "unknown fault field(s) ['code']"),
    ("fault not an object", lambda: parse_fault("boom"), "a fault is an object with status, delay or drop"),
    ("fault on poll 0", lambda: Engine().create(["x"], faults={0: {"status": 500}}), "not 0"),
    ("fault on poll -1", lambda: Engine().create(["x"], faults={-1: {}}), "(1 is the first poll), not -1"),
    ("fault on poll 'x'", lambda: Engine().create(["x"], faults={"x": {}}), "keyed by poll number"),
    ("bad fault in create", lambda: Engine().create(["x"], faults={1: {"status": 42}}), "HTTP status code, not 42"),
    ("inject on poll 0", lambda: _engine_with_job().inject("j", {"status": 500}, 0), "keyed by poll number"),
    ("inject on poll 'x'", lambda: _engine_with_job().inject("j", {"status": 500}, "x"), "not 'x'"),  # type: ignore[arg-type]
    ("inject on a past poll", lambda: _engine_with_job(polls=3).inject("j", {}, 2), "poll 2 is past"),
    ("inject bad fault", lambda: _engine_with_job().inject("j", {"drop": True, "status": 500}), "not both"),
    ("duplicate id", lambda: _engine_with_job("dup").create(["x"], "dup"), "job 'dup' already exists"),
    ("empty id", lambda: Engine().create(["x"], ""), "a job id is a non-empty string, not ''"),
    ("id not a string", lambda: Engine().create(["x"], 7), "a job id is a non-empty string, not 7"),  # type: ignore[arg-type]
    ("empty script", lambda: Engine().create([]), "a job script needs at least one step"),
    ("bad step in script", lambda: Engine().create(["x", {"state": "y", "polls": 0}]), "polls must be an integer"),
    ("clock backwards", lambda: Engine().advance(-1), "the clock only moves forward"),
    ("clock by text", lambda: Engine().advance("5"), "not '5'"),  # type: ignore[arg-type]
    ("clock by boolean", lambda: Engine().advance(True), "not True"),
    ("clock by NaN", lambda: Engine().advance(math.nan), "not nan"),
    ("clock past year 9999", lambda: Engine().advance(1e13), "a century at most"),
]


@pytest.mark.parametrize(("call", "message"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_every_malformed_input_raises_script_error_saying_what_is_wrong(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(ScriptError) as raised:
        call()
    assert message in str(raised.value)


def test_a_rejected_script_leaves_no_job_and_no_clock_move() -> None:
    engine = Engine()
    with pytest.raises(ScriptError):
        engine.create(["x"], "j", faults={0: {}})
    with pytest.raises(ScriptError):
        engine.advance(-5)
    assert engine.job_ids() == [] and engine.clock.seconds() == 0


def test_injecting_on_an_unknown_job_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="nobody"):
        Engine().inject("nobody", {"status": 500})


def test_a_fault_fires_once_on_its_poll() -> None:
    engine = Engine()
    job_id = engine.create(["running"], faults={"2": {"status": 503}})
    assert engine.inject(job_id, {"drop": True}) == 1
    assert engine.inject(job_id, Fault(delay=1.5), 4) == 4
    fired = [present(engine.poll(job_id)).fault for _ in range(5)]
    assert fired == [Fault(drop=True), Fault(status=503), None, Fault(delay=1.5), None]


def test_the_journal_keeps_the_latest_entries_up_to_its_limit() -> None:
    engine = Engine()
    for number in range(Engine.JOURNAL_LIMIT + 25):
        engine.record({"n": number})
    journal = engine.journal()
    assert len(journal) == Engine.JOURNAL_LIMIT
    assert journal[0] == {"seq": 26, "n": 25} and journal[-1]["n"] == Engine.JOURNAL_LIMIT + 24
    journal[0]["n"] = "changed"
    assert engine.journal()[0]["n"] == 25, "the journal handed out its own entries"


# -- the borders the machine can only hit by chance, pinned -------------------------------------------------
def test_a_seconds_step_ends_exactly_on_its_border() -> None:
    engine = Engine()
    job_id = engine.create([{"state": "queued", "seconds": 0}, {"state": "running", "seconds": 60}, "done"])
    assert [present(engine.poll(job_id)).state for _ in range(2)] == ["running", "running"]
    engine.advance(59.75)
    assert present(engine.peek(job_id)).state == "running"
    engine.advance(0.25)
    done = present(engine.peek(job_id))
    assert done.state == "done"
    assert [when - done.created for _, when in done.entered] == [timedelta(0), timedelta(0), timedelta(seconds=60)]


def test_a_polls_step_lasts_exactly_its_polls_and_a_peek_sees_what_the_next_poll_will() -> None:
    engine = Engine()
    job_id = engine.create([{"state": "queued", "polls": 2}, {"state": "running", "polls": 1}, "done"])
    seen = []
    for _ in range(4):
        peeked, polled = present(engine.peek(job_id)), present(engine.poll(job_id))
        seen.append((peeked.state, polled.state))
    assert seen == [("queued", "queued"), ("queued", "queued"), ("running", "running"), ("done", "done")]


def test_finish_ends_the_job_from_the_state_it_has_reached_by_now() -> None:
    engine = Engine()
    timed = engine.create([{"state": "queued", "seconds": 60}, "running"])
    polled = engine.create([{"state": "queued", "polls": 1}, "running"])
    engine.poll(polled)
    engine.advance(120)  # nobody has looked since: both jobs have moved on unseen
    for job_id in (timed, polled):
        finished = present(engine.finish(job_id, "dismissed"))
        assert [state for state, _ in finished.entered] == ["queued", "running", "dismissed"]
        assert finished.entered[-1][1] == finished.created + timedelta(seconds=120)
    timed_job = present(engine.peek(timed))
    assert timed_job.began("running") == timed_job.created + timedelta(seconds=60)


def test_progress_climbs_through_a_timed_step() -> None:
    engine = Engine()
    job_id = engine.create([{"state": "queued", "seconds": 100}, {"state": "running", "seconds": 100}, "done"])
    progress = []
    for _ in range(9):
        progress.append(present(engine.peek(job_id)).progress)
        engine.advance(25)
    assert progress == sorted(set(progress)), f"progress must climb at every look: {progress}"
    assert (progress[0], progress[-1]) == (0, 100)


# -- a one-hour job ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("frozen", [True, False], ids=["frozen clock", "real-time clock"])
def test_a_one_hour_script_completes_by_advancing_the_clock(frozen: bool) -> None:
    started = time.monotonic()
    engine = Engine(Clock(frozen=frozen))
    job_id = engine.create([{"state": "queued", "seconds": 60}, {"state": "running", "seconds": 3540}, "done"])
    assert present(engine.poll(job_id)).state == "queued"
    engine.advance(1800)
    halfway = present(engine.poll(job_id))
    assert halfway.state == "running" and 0 < halfway.progress < 100
    engine.advance(1800)
    done = present(engine.poll(job_id))
    assert done.state == "done" and done.terminal and done.progress == 100
    for state, after in (("running", timedelta(minutes=1)), ("done", timedelta(hours=1))):
        began = done.began(state)
        assert began is not None and abs(began - done.created - after) < timedelta(milliseconds=1), state
    assert time.monotonic() - started < 30, "an hour of job time must not take real time"
