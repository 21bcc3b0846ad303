"""The generation driver: seeds x skills -> planned work units -> records, exactly once.

Order of a unit: ``ledger.start`` -> plan (seeded RNG) -> program runs the plan -> records and failures
appended to their JSONL files and fsynced -> ``ledger.finish`` (units that finished together share the fsync
and the ledger transaction). A crash anywhere before ``finish`` leaves the unit
uncommitted, and its partial lines are dropped on resume (``RunDir._drop_orphans``).
"""

from __future__ import annotations

import gc
import json
import logging
import queue
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path

from agentinstruct.engine.backend import LocalBackend, UnitBackend
from agentinstruct.engine.fault_watch import FaultWatch
from agentinstruct.engine.ledger import DONE, FAILED
from agentinstruct.engine.record_build import UnitContext, failure_line, to_pair, to_record
from agentinstruct.engine.rundir import RunDir
from agentinstruct.engine.unit import run_unit
from agentinstruct.quality.gate import QualityGate
from core.config import RunConfig
from core.flow.contract import SkillRunner
from core.flow.failures import excerpt
from core.flow.outcome import REJECTED, FatalRunError, StepFailure, UnitOutcome
from core.flow.plan import choose_skills
from core.records import record_id
from core.safe_text import escape_controls
from core.seeds import SeedDoc, SeedReject, iter_seeds
from core.summary import RunSummary
from core.taxonomy import spec_hash

log = logging.getLogger(__name__)

JUDGING_REASONS = frozenset({"judge", "check"})
"""Refusals of the judging stage (counted in ``summary.judging``, not with the programs' own rejections)."""

ProgressHook = Callable[[str, int], None]
"""Called with (event, amount): events are "seed", "unit", "record", "failure"."""


class StopRequested(RuntimeError):
    """Raised at a unit's next LLM call once a stop was asked for: the unit is left uncommitted."""


class StopFlag:
    """Set by SIGINT/SIGTERM: no new unit starts, and units in flight stop at their next LLM call.

    A stopped unit is not committed (the ledger keeps it pending), so ``--resume`` redoes it; the calls
    it had finished come back from the request cache, so only the calls in flight are spent twice.
    """

    def __init__(self):
        self.reason: str | None = None
        self._event = threading.Event()

    def set(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def event(self) -> threading.Event:
        """Set with the flag: the LM layer's retry waits end on it (``LimitedLM.interrupt``)."""
        return self._event

    def check(self) -> None:
        """Raise ``StopRequested`` when the flag is set (the guard before every LLM call)."""
        if self._event.is_set():
            raise StopRequested(f"run stopping ({self.reason}); the unit is redone on resume")


class Driver:
    """Runs a generation over seeds with a suite of programs into a run directory."""

    def __init__(
        self,
        config: RunConfig,
        programs: Mapping[str, SkillRunner],
        models_by_role: Mapping[str, str],
        program_hashes: Mapping[str, str],
        concurrency: int = 1,
        progress: ProgressHook | None = None,
        gate: QualityGate | None = None,
        backend: UnitBackend | None = None,
        stop: StopFlag | None = None,
    ):
        self.config = config
        self.programs = dict(programs)
        self.models_by_role = dict(models_by_role)
        self.program_hashes = dict(program_hashes)
        self.skill_hashes = {name: spec_hash(program.spec) for name, program in self.programs.items()}
        self.concurrency = max(1, concurrency)
        self.progress = progress or (lambda event, n: None)
        self.stop = stop or StopFlag()
        """Shared with the programs' call guard (``api.generate``) so that a stop interrupts units."""
        self.gate = gate
        self.watch = FaultWatch()
        """Stops the run once units keep failing with one identical non-retryable provider error."""
        self.backend = backend
        """Where units run; default: a ``LocalBackend`` of ``concurrency`` threads."""

    # -- units ------------------------------------------------------------------------------------
    def _units(self, seeds_path: Path, run: RunDir, summary: RunSummary,
               known_rejects: set[str]) -> Iterator[tuple[str, SeedDoc, str]]:
        limit = self.config.generation.limit
        met: Counter[str] = Counter()  # skills met by the seeds so far (balanced skill sampling)
        kinds = {name: len(program.spec.seed_kinds) for name, program in self.programs.items()}
        for item in iter_seeds(seeds_path, self.config.seeds):
            if self.stop.is_set():
                return
            if isinstance(item, SeedReject):
                summary.seeds_rejected += 1
                summary.rejects_by_reason[item.reason] = summary.rejects_by_reason.get(item.reason, 0) + 1
                key = f"{item.source}\x1f{item.reason}"
                if key not in known_rejects:
                    run.rejects.write(item.model_dump_json())
                    known_rejects.add(key)
                continue
            applicable = [name for name, program in self.programs.items()
                          if item.kind.value in program.spec.seed_kinds]
            if not applicable:  # e.g. a table given only to skills that take text: named, never silent
                self._no_skill(item, run, summary, known_rejects)
                continue
            skills = choose_skills(applicable, self.config.generation.seed, item.id, self.config.generation, met,
                                   kinds)
            summary.units_not_applicable += len(self.programs) - len(skills)
            if not skills:
                continue
            if limit is not None and summary.seeds_loaded >= limit:
                return
            summary.seeds_loaded += 1
            self.progress("seed", 1)
            for skill in skills:
                unit_id = record_id(str(self.config.generation.seed), skill, item.id, item.sha256)
                yield unit_id, item, skill

    def _no_skill(self, seed: SeedDoc, run: RunDir, summary: RunSummary, known_rejects: set[str]) -> None:
        """Record a seed that none of the run's skills takes (reason ``no_skill``)."""
        summary.seeds_rejected += 1
        summary.rejects_by_reason["no_skill"] = summary.rejects_by_reason.get("no_skill", 0) + 1
        detail = f"a {seed.kind.value} seed, which none of the skills {sorted(self.programs)} takes"
        key = f"{seed.source}\x1fno_skill"
        if key not in known_rejects:
            log.info("seed %s: %s", escape_controls(seed.id), detail)
            run.rejects.write(SeedReject(source=seed.source, reason="no_skill", detail=detail).model_dump_json())
            known_rejects.add(key)

    def _run_unit(self, unit_id: str, seed: SeedDoc, skill: str) -> UnitOutcome:
        return run_unit(self.programs[skill], seed, skill, self.config.generation)

    def _commit(self, run: RunDir, unit_id: str, seed: SeedDoc, skill: str, outcome: UnitOutcome,
                summary: RunSummary) -> None:
        """Commit one unit: :meth:`_commit_many` of it alone."""
        self._commit_many(run, [(unit_id, seed, skill, outcome)], summary)

    def _commit_many(self, run: RunDir, units: list[tuple[str, SeedDoc, str, UnitOutcome]],
                     summary: RunSummary) -> None:
        """Commit finished units together: every unit's lines written, then one fsync per file for all of
        them, then one ledger transaction finishing them all. A unit's lines are still on disk before its
        ``finish`` (the resume guarantee); units whose lines were written when a later one raised are
        finished before the error goes on."""
        finishing: list[tuple[str, str, int, str | None, str | None]] = []
        kept: list[bool] = []
        rejected = False
        try:
            for unit_id, seed, skill, outcome in units:
                row, keeps, refused = self._write_unit(run, unit_id, seed, skill, outcome, summary)
                finishing.append(row)
                kept.append(keeps)
                rejected = rejected or refused
        finally:
            if finishing:
                run.records.sync()
                run.failures.sync()
                run.dropped.sync()
                run.preferences.sync()
                if rejected:
                    run.rejected.sync()
                run.ledger.finish_many(finishing)
                for (_, _, written, _, _), (_, _, skill, _), keeps in zip(finishing, units, kept, strict=False):
                    summary.records_written += written
                    summary.records_by_skill[skill] = summary.records_by_skill.get(skill, 0) + written
                    if keeps:
                        summary.units_done += 1
                    else:
                        summary.units_failed += 1
                    self.progress("record", written)
                    self.progress("unit", 1)

    def _write_unit(self, run: RunDir, unit_id: str, seed: SeedDoc, skill: str, outcome: UnitOutcome,
                    summary: RunSummary) -> tuple[tuple[str, str, int, str | None, str | None], bool, bool]:
        """Write one unit's lines (not yet synced): its ledger row to finish, whether it kept or dropped an
        example (``done``), and whether it wrote refused items (``rejected/`` to sync)."""
        written = 0
        ctx = UnitContext(unit_id, seed, skill, self.models_by_role, self.program_hashes[skill],
                          self.skill_hashes.get(skill), self.config.generation.seed)
        for index, example in enumerate(outcome.examples):
            record = to_record(ctx, example, index)
            dropped = self.gate.check(record) if self.gate is not None else None
            if dropped is not None:
                reason, detail = dropped
                run.dropped.write(json.dumps({"id": record.id, "unit_id": unit_id, "skill": skill,
                                              "reason": reason, "detail": detail}))
                summary.quality_drops[reason] = summary.quality_drops.get(reason, 0) + 1
                continue
            run.records.write(record.to_json())
            written += 1
        for index, example in enumerate(outcome.refused):
            if self.config.quality.keep_rejected:
                run.rejected.write(to_record(ctx, example, len(outcome.examples) + index).to_json())
        for index, pair in enumerate(outcome.pairs):
            run.preferences.write(to_pair(ctx, pair, index).to_json())
        for failure in outcome.failures:
            run.failures.write(failure_line(ctx, failure))
            summary.failures_by_reason[failure.reason] = summary.failures_by_reason.get(failure.reason, 0) + 1
            summary.failures_by_stage[failure.stage] = summary.failures_by_stage.get(failure.stage, 0) + 1
            if failure.error == REJECTED and failure.reason not in JUDGING_REASONS:
                summary.rejections_by_skill[skill] = summary.rejections_by_skill.get(skill, 0) + 1
            self.progress("failure", 1)
        kept_or_dropped = bool(written or len(outcome.examples) or len(outcome.refused))
        status = DONE if kept_or_dropped else FAILED
        reason = None if kept_or_dropped else (outcome.failures[0].reason if outcome.failures else "validation")
        detail = None if kept_or_dropped else (outcome.failures[0].excerpt if outcome.failures else "no example")
        refused = bool(outcome.refused and self.config.quality.keep_rejected)
        return (unit_id, status, written, reason, detail), kept_or_dropped, refused

    # -- run --------------------------------------------------------------------------------------
    def run(self, seeds_path: str | Path, run: RunDir) -> RunSummary:
        """Generate until every unit is committed, the seeds run out, or a stop is requested."""
        started = time.monotonic()
        summary = RunSummary(run_dir=str(run.root), data_dir=str(run.data_dir),
                             torn_lines_repaired=len(run.torn_bytes),
                             orphan_lines_dropped=run.orphans_dropped)
        committed = run.ledger.committed()
        known_rejects = _existing_rejects(run.rejects_path)
        previous = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            if threading.current_thread() is threading.main_thread():
                previous[sig] = signal.signal(sig, lambda s, f: self.stop.set(signal.Signals(s).name))
        frozen = freeze_heap()
        try:
            backend = self.backend or LocalBackend(self.concurrency, self._run_unit)
            with backend:
                in_flight: dict[Future, tuple[str, SeedDoc, str]] = {}
                finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
                for unit_id, seed, skill in self._units(Path(seeds_path), run, summary, known_rejects):
                    if unit_id in committed:
                        summary.units_skipped += 1
                        continue
                    run.ledger.start(unit_id, seed.id, skill)
                    future = backend.submit(unit_id, seed, skill)
                    in_flight[future] = (unit_id, seed, skill)
                    future.add_done_callback(finished.put)
                    if len(in_flight) >= backend.concurrency * 2:
                        self._drain(run, in_flight, summary, FIRST_COMPLETED, finished)
                    if self.stop.is_set():
                        break
                self._drain(run, in_flight, summary, None, finished)
        finally:
            if frozen:
                gc.unfreeze()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if summary.rejects_by_reason.get("no_skill"):
            log.warning("%d seed(s) are of a kind none of the skills %s takes; each is named in %s (reason "
                        "no_skill)", summary.rejects_by_reason["no_skill"], sorted(self.programs), run.rejects_path)
        if summary.seeds_loaded == 0:
            log.error("no usable seed under %s: %d input(s) not used %s; see %s", escape_controls(str(seeds_path)),
                      summary.seeds_rejected, summary.rejects_by_reason, run.rejects_path)
        counts = run.ledger.counts()
        summary.units_incomplete = counts.get("pending", 0)
        summary.records_total = sum(_count_lines(p) for p in run.data_dir.glob("*.jsonl"))
        summary.stopped_early = self.stop.reason
        summary.elapsed_s = round(time.monotonic() - started, 2)
        return summary

    def _drain(self, run: RunDir, in_flight: dict, summary: RunSummary, mode,
               finished: queue.SimpleQueue[Future] | None = None) -> None:
        """Commit finished units: those done by the time the first one is (``FIRST_COMPLETED``), or all of
        them once all are (``mode`` None). With ``finished``, which receives every future of ``in_flight``
        as it completes (its done callback), ``FIRST_COMPLETED`` takes the units that are done from it
        rather than registering a waiter on every unit in flight (``concurrent.futures.wait`` locks each of
        them, twice, per call: once per unit submitted, with twice the concurrency in flight)."""
        while in_flight:
            if finished is None or mode is None:
                done = wait(list(in_flight), return_when=mode or "ALL_COMPLETED")[0]
            else:
                done = [finished.get()]
                while not finished.empty():
                    done.append(finished.get_nowait())
                done = [future for future in done if future in in_flight]  # a unit is committed once
            ready: list[tuple[str, SeedDoc, str, UnitOutcome]] = []
            for future in done:
                unit_id, seed, skill = in_flight.pop(future)
                try:
                    outcome = future.result()
                except FatalRunError as exc:
                    if exc.reason == "stopped":
                        log.info("unit %s left pending by the stop; --resume redoes it", unit_id)
                        continue
                    self.stop.set(f"{exc.reason}: {excerpt(exc)}")
                    log.error("stopping the run: %s (the run is resumable)", exc)
                    continue
                except Exception as exc:
                    log.exception("unit %s (%s, %s) raised", unit_id, seed.id, skill)
                    outcome = UnitOutcome()
                    outcome.failures.append(StepFailure("unit", None, "internal", type(exc).__name__,
                                                        excerpt(exc)))
                ready.append((unit_id, seed, skill, outcome))
            self._commit_many(run, ready, summary)  # one fsync per file and one ledger transaction for all
            for _, _, _, outcome in ready:
                fatal = self.watch.observe(outcome)
                if fatal is not None and not self.stop.is_set():
                    self.stop.set(f"provider_fatal: {fatal}")
                    log.error("stopping the run: %s (fix the config, then --resume)", fatal)
            if mode is not None:
                return


def freeze_heap() -> bool:
    """Move every object alive before the run (modules, programs, models, config) to the garbage collector's
    permanent generation (``gc.freeze``), so that the run's full collections do not walk them again: each
    one walked the whole heap, ~0.1 ms of CPU per LLM call in all at 64 units in flight. They are
    collected as usual again once the run calls ``gc.unfreeze``. Returns whether it froze: not when the
    collector is off or something else froze objects already (their freeze is theirs to undo)."""
    if not gc.isenabled() or gc.get_freeze_count():
        return False
    gc.freeze()
    return True


def _existing_rejects(path: Path) -> set[str]:
    if not path.exists():
        return set()
    keys = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            obj = json.loads(line)
            keys.add(f"{obj['source']}\x1f{obj['reason']}")
    return keys


def _count_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)
