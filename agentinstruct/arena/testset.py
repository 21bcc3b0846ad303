"""A WizardArena-style test set, frozen with its ids so that every round is rated on the same prompts.

From a pool of instructions: those sharing a word n-gram with the training splits are dropped first
(``agentinstruct.quality.decontam``); the diverse part is one instruction per MinHash cluster, the hard
part the highest judge-rated difficulty among a seeded sample of the rest (``eval.arena.testset``; the paper
rates 20 per cluster and keeps the top 1,000 of 10,000). Difficulty ratings are work units in
``TESTSET/ledger.sqlite`` (cached, budgeted, resumable). Once ``testset.json`` is written the set is frozen:
building it again returns it unchanged.

``split_pool`` then keeps the training pool away from the test set: anything sharing an n-gram with a
test prompt is left out of the training splits, which are disjoint per round and stage.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import dspy
from pydantic import BaseModel, ConfigDict, Field

from agentinstruct.arena.config import JudgeSpec
from agentinstruct.arena.instructions import Instruction, read_instructions, write_instructions
from agentinstruct.arena.ledger import ArenaLedger
from agentinstruct.arena.models import build_judge
from agentinstruct.arena.pool import run_tasks
from agentinstruct.arena.units import attributed
from agentinstruct.quality.decontam import Decontaminator
from core.config import CacheConfig, LocalModelConfig
from core.lm.accounting import Accountant, BudgetConfig
from core.lm.cache import open_request_cache, private_dir
from eval.arena.judging import DifficultyJudge
from eval.arena.mining import split_disjoint
from eval.arena.testset import diverse_selection, hard_selection

log = logging.getLogger(__name__)


class TestSetConfig(BaseModel):
    """Size and make-up of the test set, the clustering, decontamination and the difficulty judge."""

    model_config = ConfigDict(extra="forbid")
    __test__ = False  # not a pytest class

    size: int = Field(100, ge=2)
    diverse_share: float = Field(0.5, ge=0.0, le=1.0)
    hard_candidates: int | None = Field(None, ge=1)
    """Instructions rated for difficulty (default: 20 per hard slot, as the paper; at most the pool)."""
    shingle: int = Field(3, ge=1)
    num_perm: int = Field(128, ge=16)
    ngram: int = Field(8, ge=1)
    """Words per n-gram of the decontamination against training splits."""
    seed: int = 0
    judge: JudgeSpec = Field(default_factory=lambda: JudgeSpec(name="difficulty"))
    concurrency: int = Field(4, ge=1)
    local: LocalModelConfig = Field(default_factory=LocalModelConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)


@dataclass
class TestSet:
    """The frozen prompts, which half each came from, the clusters and the difficulty ratings."""

    __test__ = False  # not a pytest class

    items: list[Instruction]
    diverse: list[str]
    hard: list[str]
    cluster_sizes: dict[str, int] = field(default_factory=dict)
    difficulty: dict[str, float | None] = field(default_factory=dict)
    dropped_contaminated: list[str] = field(default_factory=list)
    stopped_early: str | None = None

    @property
    def ids(self) -> list[str]:
        """The test prompts' ids."""
        return [i.id for i in self.items]


def load_test_set(out_dir: str | Path) -> TestSet | None:
    """The frozen test set in ``out_dir``, or ``None`` when none was frozen there."""
    out_dir = Path(out_dir)
    meta = out_dir / "testset.json"
    if not meta.is_file():
        return None
    m = json.loads(meta.read_text(encoding="utf-8"))
    items = read_instructions(out_dir / "testset.jsonl")
    if [i.id for i in items] != m["ids"]:
        raise ValueError(f"{out_dir}: testset.jsonl does not hold the ids testset.json froze")
    return TestSet(items, m["diverse"], m["hard"], m["cluster_sizes"], m["difficulty"], m["dropped_contaminated"])


def _decontaminate(pool: Sequence[Instruction], against: Sequence[str], n: int) -> tuple[list, list[str]]:
    if not against:
        return list(pool), []
    index = Decontaminator(n=n)
    for text in against:
        index.add("train", text)
    keep, dropped = [], []
    for item in pool:
        (dropped.append(item.id) if index.contaminated(item.text()) else keep.append(item))
    return keep, dropped


def _rate(items: Sequence[Instruction], config: TestSetConfig, out_dir: Path,
          lm_override: dspy.BaseLM | None) -> tuple[dict[str, float | None], str | None]:
    accountant = Accountant(config.budget)
    lm, adapter = build_judge(config.judge, config.local, accountant, open_request_cache(config.cache), lm_override)
    ledger = ArenaLedger(out_dir / "ledger.sqlite")
    have = ledger.results("difficulty")
    judge = DifficultyJudge(lm, adapter)
    def task(item: Instruction):
        def run(stop: threading.Event) -> None:
            if stop.is_set():
                return
            uid = f"difficulty/{config.judge.name}/{item.id}"
            ledger.start(uid, "difficulty")
            try:
                with attributed(f"judge:{config.judge.name}"):
                    value = judge(item.request_text())
            except Exception as exc:  # noqa: BLE001 - recorded, retried on resume
                ledger.fail(uid, f"{type(exc).__name__}: {exc}")
                return
            ledger.finish(uid, {"prompt_id": item.id, "difficulty": value})
        return run

    try:
        stopped = run_tasks([task(i) for i in items if f"difficulty/{config.judge.name}/{i.id}" not in have],
                            config.concurrency)
        rated = {r["prompt_id"]: r["difficulty"] for r in ledger.results("difficulty").values()}
    finally:
        ledger.close()
    return {i.id: rated.get(i.id) for i in items}, stopped


def build_test_set(pool: Sequence[Instruction], config: TestSetConfig, out_dir: str | Path, *,
                   train_texts: Sequence[str] = (), lms: Mapping[str, dspy.BaseLM] | None = None) -> TestSet:
    """Choose and freeze the test set in ``out_dir`` (or return the one frozen there)."""
    out_dir = private_dir(Path(out_dir))
    frozen = load_test_set(out_dir)
    if frozen is not None:
        log.info("test set in %s is frozen: %d prompts", out_dir, len(frozen.items))
        return frozen
    clean, dropped = _decontaminate(pool, train_texts, config.ngram)
    if len(clean) < 2:
        raise ValueError(f"a test set needs a pool of two instructions at least ({len(pool)} given, "
                         f"{len(dropped)} dropped as contaminated)")
    n_div = min(round(config.size * config.diverse_share), len(clean))
    picked = diverse_selection([i.id for i in clean], [i.text() for i in clean], n_div, seed=config.seed,
                               num_perm=config.num_perm, shingle=config.shingle)
    rest = [i for i in clean if i.id not in set(picked.chosen)]
    n_hard = min(config.size - len(picked.chosen), len(rest))
    k = min(len(rest), config.hard_candidates or 20 * n_hard)
    candidates = random.Random(config.seed).sample(rest, k) if n_hard else []
    difficulty, stopped = _rate(candidates, config, out_dir, (lms or {}).get(config.judge.name)) \
        if candidates else ({}, None)
    if stopped:
        log.warning("test set not frozen: %s (resume to finish the difficulty ratings)", stopped)
        return TestSet([], picked.chosen, [], picked.sizes, difficulty, dropped, stopped)
    hard = hard_selection(difficulty, n_hard)
    by_id = {i.id: i for i in clean}
    items = [by_id[i] for i in picked.chosen + hard]
    write_instructions(out_dir / "testset.jsonl", items)
    meta = {"ids": [i.id for i in items], "diverse": picked.chosen, "hard": hard, "cluster_sizes": picked.sizes,
            "difficulty": difficulty, "dropped_contaminated": dropped, "config": config.model_dump(mode="json")}
    (out_dir / "testset.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    log.info("froze a test set of %d prompts (%d diverse, %d hard) in %s", len(items), len(picked.chosen),
             len(hard), out_dir)
    return TestSet(items, picked.chosen, hard, picked.sizes, difficulty, dropped)


def split_pool(pool: Sequence[Instruction], test: TestSet, rounds: int, seed: int = 0, ngram: int = 8,
               stages: Sequence[str] = ("sft", "dpo")) -> dict[tuple[int, str], list[Instruction]]:
    """The pool without the test set and its near copies, split disjointly per (round, stage)."""
    test_ids = set(test.ids)
    rest = [i for i in pool if i.id not in test_ids]
    clean, dropped = _decontaminate(rest, [i.text() for i in test.items], ngram)
    if dropped:
        log.info("%d pool prompts share an n-gram with the test set: kept out of training", len(dropped))
    keys = [(r, s) for r in range(1, rounds + 1) for s in stages]
    by_id = {i.id: i for i in clean}
    parts = split_disjoint([i.id for i in clean], keys, seed)
    return {k: [by_id[i] for i in ids] for k, ids in parts.items()}


def as_dict(test: TestSet) -> dict:
    """A JSON-ready summary."""
    d = asdict(test)
    d["items"] = len(test.items)
    return d
