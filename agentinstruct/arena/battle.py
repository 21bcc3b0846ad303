"""``battle``: competitors answer the instruction set, every pair of answers is judged by every juror in both
orders, and the games become battles, ratings, diagnostics and a report, in an arena directory.

Layout::

    ARENA/manifest.json      what ran: competitors, judges, mode, the instruction set's hash
    ARENA/instructions.jsonl the prompts (frozen: a resume battles on exactly these)
    ARENA/ledger.sqlite      work units (answers, judgements) and their results
    ARENA/answers.jsonl      every answer, with its model and generation settings
    ARENA/games.jsonl        every judgement (one judge, one order): verdict, explanation, cost
    ARENA/battles.jsonl      per prompt and pair: each juror's vote (or abstention) and the jury's result
    ARENA/ratings.json       the leaderboard;  ARENA/diagnostics.json  the judges' diagnostics
    ARENA/report.html        leaderboard and diagnostics side by side;  ARENA/summary.json  this invocation

Answers come first (all competitors), then judgements; both are work units on a thread pool, cached (the
request cache serves any LM call made before), budgeted, and committed one by one, so a killed battle
resumes where it stopped and re-spends no completed judgement.

``backend: ray`` (with ``ray_address`` and ``ray_workers``) sends the LM work, a competitor's answers to a
batch and each judgement, to Ray actors that build the competitors and jurors from the config once
(``agentinstruct.arena.ray_work``); the tasks, the ledger commits, the budget checks and the accounting stay
in this process, so a Ray battle writes the same games and ratings as a local one and resumes the same way.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import dspy

from agentinstruct.arena.artifacts import write_artifacts
from agentinstruct.arena.config import BattleConfig
from agentinstruct.arena.instructions import Instruction, read_instructions, set_hash, write_instructions
from agentinstruct.arena.ledger import ArenaLedger
from agentinstruct.arena.models import ArenaModels, build_models
from agentinstruct.arena.pool import run_tasks
from agentinstruct.arena.units import answer_task, game_from_result, judge_task
from core.lm.accounting import Accountant
from core.lm.cache import open_request_cache, private_dir
from eval.arena.battles import Battle, Game, battles_from_games
from eval.arena.diagnostics import Diagnostics, diagnose
from eval.arena.leaderboard import Leaderboard, build_leaderboard

log = logging.getLogger(__name__)

ProgressHook = Callable[[str, int], None]


class ArenaMismatch(ValueError):
    """An arena directory holds a different arena (competitors, judges, mode or prompts) than asked."""


@dataclass
class BattleResult:
    """What one invocation of ``battle`` left in its arena directory, and what it spent."""

    arena_dir: Path
    competitors: list[str]
    judges: list[str]
    n_prompts: int
    games: list[Game]
    battles: list[Battle]
    answers: dict[tuple[str, str], str]
    leaderboard: Leaderboard | None
    diagnostics: Diagnostics
    units: dict[str, dict[str, int]]
    new_answers: int = 0
    new_judgements: int = 0
    llm_calls: int = 0
    cache_hits: int = 0
    cost_usd: float = 0.0
    wall_s: float = 0.0
    stopped_early: str | None = None
    notes: list[str] = field(default_factory=list)
    game_rows: list[dict] = field(default_factory=list)
    """The stored judgements behind ``games`` (full explanations, calls, tokens, cost)."""

    def summary(self) -> dict:
        """The JSON summary of this invocation."""
        return {"arena_dir": str(self.arena_dir), "competitors": self.competitors, "judges": self.judges,
                "prompts": self.n_prompts, "games": len(self.games), "battles": len(self.battles),
                "abstained": sum(b.abstained for b in self.battles), "units": self.units,
                "new_answers": self.new_answers, "new_judgements": self.new_judgements,
                "llm_calls": self.llm_calls, "cache_hits": self.cache_hits, "cost_usd": self.cost_usd,
                "wall_s": round(self.wall_s, 3), "stopped_early": self.stopped_early, "notes": self.notes}


def pairs_of(config: BattleConfig) -> list[tuple[str, str]]:
    """The pairs that battle: every pair of competitors (config order), or the target against each other."""
    names = [c.name for c in config.competitors]
    if config.pairs == "target":
        return [(config.target, n) for n in names if n != config.target]
    return list(combinations(names, 2))


def _manifest(config: BattleConfig, items: Sequence[Instruction]) -> dict:
    return {"competitors": {c.name: c.model_dump(mode="json") for c in config.competitors},
            "judges": {j.name: j.model_dump(mode="json") for j in config.judges}, "mode": config.mode,
            "answers": config.answers.model_dump(mode="json"), "max_chars": config.max_chars,
            "instructions": set_hash(items), "n_instructions": len(items)}


def _open(arena_dir: Path, config: BattleConfig, items: Sequence[Instruction] | None,
          force: bool) -> list[Instruction]:
    """Create the arena directory, or check that it holds this arena (the same judges, mode and prompts; a
    competitor of the same name must be the same model; new competitors may join); the prompts."""
    private_dir(arena_dir)
    frozen = arena_dir / "instructions.jsonl"
    if items is None:
        if not frozen.is_file():
            raise ArenaMismatch(f"{arena_dir}: no instructions given and none frozen in the arena")
        items = read_instructions(frozen)
    items = list(items)[: config.max_prompts] if config.max_prompts else list(items)
    if not items:
        raise ValueError("an arena needs at least one instruction")
    manifest = _manifest(config, items)
    path = arena_dir / "manifest.json"
    if path.is_file():
        old = json.loads(path.read_text(encoding="utf-8"))
        changed = [k for k in manifest if k != "competitors" and old.get(k) != manifest[k]]
        changed += [f"competitor {n}" for n, spec in manifest["competitors"].items()
                    if n in old.get("competitors", {}) and old["competitors"][n] != spec]
        if changed and not force:
            raise ArenaMismatch(f"{arena_dir}: this arena was run with other {', '.join(changed)}; use a new "
                                "directory, or force=True (--force) to continue it anyway")
        # an arena may grow: competitors added later battle only the pairs they are in
        manifest["competitors"] = {**old.get("competitors", {}), **manifest["competitors"]}
    path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    write_instructions(frozen, items)
    return items


def battle(instructions: Sequence[Instruction] | None, config: BattleConfig, arena_dir: str | Path, *,
           lms: Mapping[str, dspy.BaseLM] | None = None, force: bool = False,
           progress: ProgressHook | None = None) -> BattleResult:
    """Run (or resume) the arena in ``arena_dir`` on ``instructions`` (``None``: the ones it froze)."""
    start = time.perf_counter()
    arena_dir = Path(arena_dir)
    items = _open(arena_dir, config, instructions, force)
    accountant = Accountant(config.budget)
    if config.backend == "ray" and lms:
        raise ValueError(f"{arena_dir}: lms overrides models in this process, but backend ray builds them in "
                         "its workers from the config; use backend local with lms")
    ledger = ArenaLedger(arena_dir / "ledger.sqlite")
    counter = {"answer": 0, "judge": 0}
    lock = threading.Lock()

    def done(kind: str) -> None:
        with lock:
            counter[kind] += 1
        if progress is not None:
            progress(kind, 1)

    try:
        with _work(items, config, accountant, lms, ledger) as models:
            stopped = _answers(items, config, models, ledger, done)
            answers = _stored_answers(ledger)
            if stopped is None:
                stopped = _judgements(items, config, models, ledger, answers, done)
        rows = _game_rows(ledger, config, {i.id for i in items})
        units = ledger.counts()
    finally:
        ledger.close()
    games = [game_from_result(r, answers) for r in rows]
    result = _result(arena_dir, config, items, games, answers, units)
    result.game_rows = rows
    result.new_answers, result.new_judgements = counter["answer"], counter["judge"]
    result.llm_calls, result.cache_hits, result.cost_usd = accountant.calls, accountant.cache_hits, accountant.cost_usd
    result.stopped_early = stopped
    result.wall_s = time.perf_counter() - start
    write_artifacts(result, config, items)
    return result


@contextlib.contextmanager
def _work(items: Sequence[Instruction], config: BattleConfig, accountant: Accountant,
          lms: Mapping[str, dspy.BaseLM] | None, ledger: ArenaLedger) -> Iterator[ArenaModels]:
    """The arena's models: built here (``backend: local``), or proxies for Ray workers that build them."""
    if config.backend == "local":
        yield build_models(config, accountant, open_request_cache(config.cache), lms)
        return
    if not _pending(items, config, ledger):
        yield ArenaModels({}, {}, {})  # nothing left to do: no worker started
        return
    from agentinstruct.arena.ray_work import RayArena

    with RayArena(config, accountant) as pool:
        yield pool.models()


def _pending(items: Sequence[Instruction], config: BattleConfig, ledger: ArenaLedger) -> bool:
    """Whether any answer or judgement of this arena is still to be made (before starting Ray workers)."""
    have = ledger.results("answer")
    if any(f"answer/{c.name}/{i.id}" not in have for c in config.competitors for i in items):
        return True
    judged = ledger.results("judge")
    return any(f"judge/{j.name}/{x}/{y}/{order}/{i.id}" not in judged
               for i in items for x, y in pairs_of(config) for j in config.judges for order in (1, 2))


def _answers(items, config: BattleConfig, models: ArenaModels, ledger: ArenaLedger, done) -> str | None:
    have = ledger.results("answer")
    tasks = []
    for name, answerer in models.answerers.items():
        todo = [i for i in items if f"answer/{name}/{i.id}" not in have]
        for k in range(0, len(todo), answerer.batch):
            tasks.append(answer_task(answerer, todo[k:k + answerer.batch], config.answers, ledger, done))
    log.info("arena: %d answer tasks (%d answers stored)", len(tasks), len(have))
    return run_tasks(tasks, config.concurrency)


def _stored_answers(ledger: ArenaLedger) -> dict[tuple[str, str], str]:
    return {(r["prompt_id"], r["model"]): r["text"] for r in ledger.results("answer").values()}


def _judgements(items, config: BattleConfig, models: ArenaModels, ledger: ArenaLedger,
                answers: dict[tuple[str, str], str], done) -> str | None:
    have = ledger.results("judge")
    tasks, missing = [], 0
    for item in items:
        for x, y in pairs_of(config):
            if (item.id, x) not in answers or (item.id, y) not in answers:
                missing += 1
                continue
            for judge in config.judges:
                for order, (a, b) in ((1, (x, y)), (2, (y, x))):
                    uid = f"judge/{judge.name}/{x}/{y}/{order}/{item.id}"
                    if uid not in have:
                        tasks.append(judge_task(uid, judge.name, item, a, b, order, config, models, answers,
                                                ledger, done))
    if missing:
        log.warning("arena: %d prompt-pairs left out: an answer is missing (see the ledger's failures)", missing)
    log.info("arena: %d judgements to make (%d stored)", len(tasks), len(have))
    return run_tasks(tasks, config.concurrency)


def _game_rows(ledger: ArenaLedger, config: BattleConfig, prompts: set[str]) -> list[dict]:
    """The stored judgements of this arena's prompts, competitors and judges (a grown arena's ledger may hold
    more)."""
    names = {c.name for c in config.competitors}
    judges = {j.name for j in config.judges}
    rows = [r for r in ledger.results("judge").values()
            if r["prompt_id"] in prompts and r["judge"] in judges and {r["model_a"], r["model_b"]} <= names]
    rows.sort(key=lambda r: (r["prompt_id"], r["model_a"], r["model_b"], r["judge"], r["order"]))
    return rows


def _result(arena_dir: Path, config: BattleConfig, items, games: list[Game], answers, units) -> BattleResult:
    battles = battles_from_games(games, config.reconcile)
    names = [c.name for c in config.competitors]
    notes: list[str] = []
    try:
        board = build_leaderboard(battles, config.leaderboard, names)
    except ValueError as err:
        board = None
        notes.append(f"no leaderboard: {err}")
        log.warning("arena %s: no leaderboard: %s", arena_dir, err)
    diagnostics = diagnose(games, config.reconcile.tie_band)
    return BattleResult(arena_dir, names, [j.name for j in config.judges], len(items), games, battles, answers,
                        board, diagnostics, units, notes=notes)

