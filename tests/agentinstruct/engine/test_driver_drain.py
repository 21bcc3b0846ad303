"""The driver's drain takes finished units from their done callbacks, each once; the heap freeze is undone."""

from __future__ import annotations

import gc
import queue
import threading
from concurrent.futures import FIRST_COMPLETED, Future
from types import SimpleNamespace

import pytest

from agentinstruct.engine.driver import Driver, StopFlag, freeze_heap
from agentinstruct.engine.fault_watch import FaultWatch
from agentinstruct.engine.ledger import DONE, FAILED, Ledger
from agentinstruct.engine.rundir import RunDir
from core.config import RunConfig
from core.flow.outcome import Example, UnitOutcome
from core.seeds.models import SeedDoc, SeedKind, sha256_text
from core.summary import RunSummary


def _driver(committed: list[str]) -> Driver:
    driver = object.__new__(Driver)
    driver.stop, driver.watch = StopFlag(), FaultWatch()
    driver._commit_many = lambda run, units, summary: committed.extend(u[0] for u in units)
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
    driver._commit_many = lambda run, units, summary: outcomes.extend(u[3] for u in units)
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


def _committing_driver() -> Driver:
    driver = object.__new__(Driver)
    driver.config, driver.gate, driver.progress = RunConfig(), None, lambda event, n: None
    driver.models_by_role, driver.program_hashes, driver.skill_hashes = {"teacher": "m"}, {"skill": "ph"}, {}
    return driver


def _unit(i: int, ok: bool) -> tuple[str, SeedDoc, str, UnitOutcome]:
    seed = SeedDoc(id=f"s{i}", text="text", source=f"s{i}", sha256=sha256_text("text"), kind=SeedKind.TEXT)
    outcome = UnitOutcome()
    if ok:
        outcome.examples.append(Example(messages=[{"role": "user", "content": "Q?"},
                                                  {"role": "assistant", "content": "A."}],
                                        subcategory="c", transformation=None, key=f"k{i}"))
    else:
        outcome.reject("generate", None, "parse", "no answer")
    return f"u{i}", seed, "skill", outcome


def test_units_committed_together_are_synced_before_one_ledger_transaction(tmp_path):
    run = RunDir(tmp_path / "run", resume=False)
    events: list[str] = []
    sync, finish_many = run.records.sync, run.ledger.finish_many
    run.records.sync = lambda: (events.append("sync"), sync())[1]
    run.ledger.finish_many = lambda rows: (events.append(f"finish {len(rows)}"), finish_many(rows))[1]
    units = [_unit(0, True), _unit(1, False), _unit(2, True)]
    for unit_id, seed, skill, _ in units:
        run.ledger.start(unit_id, seed.id, skill)
    summary = RunSummary(run_dir=str(run.root), data_dir=str(run.data_dir))
    _committing_driver()._commit_many(run, units, summary)
    assert events == ["sync", "finish 3"]
    statuses = {row.unit_id: (row.status, row.records, row.reason) for row in run.ledger.rows()}
    assert statuses == {"u0": (DONE, 1, None), "u1": (FAILED, 0, "parse"), "u2": (DONE, 1, None)}
    assert (summary.records_written, summary.units_done, summary.units_failed) == (2, 2, 1)
    run.close()
    assert len((tmp_path / "run/data/shard-00000.jsonl").read_text().splitlines()) == 2


def test_units_written_before_one_that_raised_are_still_committed(tmp_path):
    run = RunDir(tmp_path / "run", resume=False)
    units = [_unit(0, True), _unit(1, True)]
    units[1][3].examples[0].messages.pop()  # no assistant turn: the record is refused
    for unit_id, seed, skill, _ in units:
        run.ledger.start(unit_id, seed.id, skill)
    summary = RunSummary(run_dir=str(run.root), data_dir=str(run.data_dir))
    with pytest.raises(ValueError):
        _committing_driver()._commit_many(run, units, summary)
    assert run.ledger.committed() == {"u0"} and summary.units_done == 1
    run.close()


def test_finish_many_commits_all_or_none(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite")
    for unit_id in ("a", "b"):
        ledger.start(unit_id, "s", "k")
    with pytest.raises(ValueError):
        ledger.finish_many([("a", DONE, 1, None, None), ("b", "pending", 0, None, None)])
    assert ledger.committed() == set()
    ledger.finish_many([("a", DONE, 1, None, None), ("b", FAILED, 0, "parse", "x")])
    ledger.finish_many([])
    assert ledger.committed() == {"a", "b"} and ledger.counts() == {DONE: 1, FAILED: 1}
    ledger.close()
