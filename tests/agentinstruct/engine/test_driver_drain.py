"""The driver's drain takes finished units from their done callbacks, each once; the heap freeze is undone."""

from __future__ import annotations

import gc
import queue
import threading
from concurrent.futures import FIRST_COMPLETED, Future
from types import SimpleNamespace

from agentinstruct.engine.driver import Driver, StopFlag, freeze_heap
from agentinstruct.engine.fault_watch import FaultWatch
from core.flow.outcome import UnitOutcome


def _driver(committed: list[str]) -> Driver:
    driver = object.__new__(Driver)
    driver.stop, driver.watch = StopFlag(), FaultWatch()
    driver._commit = lambda run, unit_id, seed, skill, outcome, summary: committed.append(unit_id)
    return driver


def _in_flight(n: int, finished: queue.SimpleQueue) -> tuple[dict, list[Future]]:
    futures = [Future() for _ in range(n)]
    in_flight = {}
    for i, future in enumerate(futures):
        in_flight[future] = (f"u{i}", SimpleNamespace(id=f"s{i}"), "skill")
        future.add_done_callback(finished.put)
    return in_flight, futures


def test_first_completed_commits_what_is_done_and_returns():
    committed: list[str] = []
    finished: queue.SimpleQueue = queue.SimpleQueue()
    in_flight, futures = _in_flight(5, finished)
    futures[3].set_result(UnitOutcome())
    futures[1].set_result(UnitOutcome())
    _driver(committed)._drain(None, in_flight, None, FIRST_COMPLETED, finished)
    assert committed == ["u3", "u1"] and len(in_flight) == 3
    threading.Timer(0.05, futures[0].set_result, (UnitOutcome(),)).start()  # the drain waits for one
    _driver(committed)._drain(None, in_flight, None, FIRST_COMPLETED, finished)
    assert committed == ["u3", "u1", "u0"]
    for future in (futures[2], futures[4]):
        future.set_result(UnitOutcome())
    _driver(committed)._drain(None, in_flight, None, None, finished)  # the rest, all of them
    assert sorted(committed) == ["u0", "u1", "u2", "u3", "u4"] and not in_flight


def test_a_unit_that_raised_is_committed_once_as_a_failure():
    outcomes: list[UnitOutcome] = []
    finished: queue.SimpleQueue = queue.SimpleQueue()
    in_flight, futures = _in_flight(2, finished)
    driver = _driver([])
    driver._commit = lambda run, unit_id, seed, skill, outcome, summary: outcomes.append(outcome)
    futures[0].set_exception(RuntimeError("boom"))
    futures[1].set_result(UnitOutcome())
    driver._drain(None, in_flight, None, FIRST_COMPLETED, finished)
    assert len(outcomes) == 2 and outcomes[0].failures[0].reason == "internal" and not outcomes[1].failures


def test_freeze_heap_freezes_once_and_leaves_a_freeze_it_did_not_make():
    assert gc.get_freeze_count() == 0
    try:
        assert freeze_heap() is True and gc.get_freeze_count() > 0
        assert freeze_heap() is False  # someone (here: the first call) froze already
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        assert freeze_heap() is False and gc.get_freeze_count() == 0
    finally:
        gc.enable()
