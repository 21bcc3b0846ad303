"""``loop``: Arena Learning's rounds, and with ``generate`` the ArenaInstruct loop that closes on generation.

Per round k (``LOOP/round-0k/``)::

    generation/       (with generate) a generation run made with this round's RunConfig; its instructions,
                      answers stripped, are the round's battle split
    battle/           the current target against the competitors on split k (an arena directory)
    mined/            sft.jsonl and dpo.jsonl from the SFT and DPO halves of split k (disjoint)
    sft/, dpo/        the trained checkpoints (steps with no mined data are skipped)
    ratings.json, diagnostics.json, report.html
                      the re-rating of every model version so far on the frozen test set
    feedback/         nodes.json, decisions.jsonl, generation.yaml: the next round's RunConfig
    state.json        the steps done and their results (a rerun skips them: the loop resumes where it stopped)

``LOOP/testset/`` holds the frozen test set, ``LOOP/rerate/`` the one growing arena on it (a new version
battles only the pairs it is in: earlier verdicts are kept). Without ``generate`` the pool
(``instructions``) minus the test set is split into disjoint (round, stage) parts up front.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dspy
from pydantic import BaseModel, ConfigDict, Field, model_validator

from agentinstruct.arena.battle import battle
from agentinstruct.arena.config import BattleConfig, CompetitorSpec
from agentinstruct.arena.feedback import reweight, write_run_config
from agentinstruct.arena.instructions import Instruction, load_instructions
from agentinstruct.arena.mine import mine, read_games
from agentinstruct.arena.testset import TestSet, TestSetConfig, build_test_set, split_pool
from agentinstruct.arena.trainer import SFTTrainerSteps, Trainer
from core.config import RunConfig
from core.lm.cache import private_dir
from eval.arena.battles import battles_from_games
from eval.arena.mining import MiningConfig
from eval.arena.nodes import FeedbackConfig

log = logging.getLogger(__name__)


class LoopConfig(BaseModel):
    """The rounds: the arena (its ``target`` is trained), the pool or the generation, the test set, the
    mining thresholds and the feedback rules."""

    model_config = ConfigDict(extra="forbid")

    battle: BattleConfig
    rounds: int = Field(2, ge=1, le=100)
    instructions: str | None = None
    """The pool of instructions (without ``generate``): a run directory, a JSONL file or a saved dataset."""
    generate: bool = False
    seeds: str | None = None
    """``generate``: the seed documents each round's generation run reads."""
    generation: RunConfig = Field(default_factory=RunConfig)
    """``generate``: the first round's RunConfig (later rounds use the feedback's)."""
    test_set: TestSetConfig = Field(default_factory=TestSetConfig)
    sft_threshold: float | None = None
    """None: the paper's (3 in round 1, then 1)."""
    dpo_gap: float = 2.0
    train: bool = True
    """Run the SFT and DPO steps (off: battle, mine, re-rate and reweight only)."""
    feedback: FeedbackConfig = Field(default_factory=FeedbackConfig)
    seed: int = 0

    @model_validator(mode="after")
    def _sources(self) -> LoopConfig:
        if self.battle.target is None:
            raise ValueError("a loop needs battle.target: the competitor it trains")
        if self.generate and not self.seeds:
            raise ValueError("generate needs seeds")
        if not self.generate and not self.instructions:
            raise ValueError("a loop needs instructions (a pool), or generate with seeds")
        return self


@dataclass
class RoundResult:
    """One round: its directory, the model it ended with and what each step produced."""

    round: int
    dir: Path
    model: CompetitorSpec
    steps: dict = field(default_factory=dict)


@dataclass
class LoopResult:
    """Every round, and the last re-rating's leaderboard rows."""

    out_dir: Path
    rounds: list[RoundResult]
    leaderboard: list[dict]


def _state(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"steps": {}}


def _save(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)


def _names(lms: Mapping[str, dspy.BaseLM] | None, config: BattleConfig) -> dict[str, dspy.BaseLM]:
    known = {c.name for c in config.competitors} | {j.name for j in config.judges}
    return {k: v for k, v in (lms or {}).items() if k in known}


class _Round:
    """The steps of one round, each run once (``state.json`` records it)."""

    def __init__(self, loop: _Loop, k: int):
        self.loop, self.k = loop, k
        self.dir = private_dir(loop.out / f"round-{k:02d}")
        self.path = self.dir / "state.json"
        self.state = _state(self.path)

    def step(self, name: str, fn):
        if name not in self.state["steps"]:
            self.state["steps"][name] = fn()
            _save(self.path, self.state)
        return self.state["steps"][name]


class _Loop:
    def __init__(self, config: LoopConfig, out: Path, lms, gen_lms, trainer: Trainer | None):
        self.config, self.out = config, out
        self.lms, self.gen_lms = lms, gen_lms
        self.trainer = trainer or SFTTrainerSteps()
        self.target = config.battle.target
        self.others = [c for c in config.battle.competitors if c.name != self.target]
        self.versions = [config.battle.competitor(self.target)]

    def arena(self, competitors: list[CompetitorSpec], pairs: str, target: str | None) -> BattleConfig:
        return self.config.battle.model_copy(update={"competitors": competitors, "pairs": pairs, "target": target})

    def run_round(self, r: _Round, sft_split: list[Instruction], dpo_split: list[Instruction], test: TestSet,
                  run_config: RunConfig) -> tuple[RoundResult, RunConfig]:
        """Battle on the round's split, mine, train, re-rate on the test set, reweight; each step once."""
        config, k = self.config, r.k
        current = self.versions[-1]
        items = sft_split + dpo_split
        cfg = self.arena([*self.others, current], "all", current.name)
        r.step("battle", lambda: self.battle(items, cfg, r.dir / "battle"))
        mc = MiningConfig(target=current.name, round=k, sft_threshold=config.sft_threshold, dpo_gap=config.dpo_gap)
        mined = r.step("mine", lambda: mine(r.dir / "battle", mc, r.dir / "mined",
                                           sft_prompts={i.id for i in sft_split},
                                           dpo_prompts={i.id for i in dpo_split}).to_dict())
        model, name = current, f"{self.target}-r{k}"
        if config.train and mined["n_sft"]:
            base = model
            model = CompetitorSpec.model_validate(r.step("sft", lambda: self.trainer.sft(
                Path(mined["sft_path"]), base, r.dir / "sft", f"{name}-sft").model_dump(mode="json")))
        if config.train and mined["n_dpo"]:
            base = model
            model = CompetitorSpec.model_validate(r.step("dpo", lambda: self.trainer.dpo(
                Path(mined["dpo_path"]), base, r.dir / "dpo", name).model_dump(mode="json")))
        if model is not current:
            model = model.model_copy(update={"name": name})
            self.versions.append(model)
        r.step("rerate", lambda: self.rerate(r, test, model.name))
        if any(i.skill for i in items):
            fb = r.step("feedback", lambda: _feedback(r, items, current.name, run_config, config))
            run_config = RunConfig.model_validate(fb["config"])
        r.state["model"] = model.model_dump(mode="json")
        _save(r.path, r.state)
        log.info("round %d done: model %s", k, model.name)
        return RoundResult(k, r.dir, model, r.state["steps"]), run_config

    def battle(self, items: list[Instruction], cfg: BattleConfig, arena_dir: Path) -> dict:
        """One arena to completion, its summary (a battle stopped by the budget is not a finished step)."""
        summary = battle(items, cfg, arena_dir, lms=_names(self.lms, cfg)).summary()
        if summary["stopped_early"]:
            raise RuntimeError(f"{arena_dir}: stopped early ({summary['stopped_early']}); run the loop again")
        return summary

    def rerate(self, r: _Round, test: TestSet, target: str) -> dict:
        """Every version so far and the competitors on the frozen test set; the round keeps a copy of the
        ratings, diagnostics and report as they were after it."""
        cfg = self.arena([*self.others, *self.versions], "all", target)
        summary = self.battle(test.items, cfg, self.out / "rerate")
        for f in ("ratings.json", "diagnostics.json", "report.html"):
            if (self.out / "rerate" / f).is_file():
                shutil.copyfile(self.out / "rerate" / f, r.dir / f)
        return summary

    def pool(self, r: _Round, run_config: RunConfig) -> list[Instruction]:
        from agentinstruct.api import generate

        run_dir = r.dir / "generation"

        def gen():
            resume = (run_dir / "ledger.sqlite").is_file()
            summary = generate(None if resume else self.config.seeds, run_dir, config=run_config, resume=resume,
                               lms=self.gen_lms, compiled_dir=None)
            if summary.stopped_early:
                raise RuntimeError(f"round {r.k}: generation stopped early ({run_dir}); run the loop again")
            return {"run_dir": str(run_dir), "records": summary.records_written}

        r.step("generate", gen)
        return load_instructions(run_dir)


def _feedback(r: _Round, items: list[Instruction], target: str, run_config: RunConfig, config: LoopConfig) -> dict:
    battles = battles_from_games(read_games(r.dir / "battle"), config.battle.reconcile)
    fb = reweight(battles, items, target, run_config, r.dir / "feedback", config.feedback, r.k,
                  origin=config.generation)
    return {"config_path": str(fb.config_path), "decisions": len(fb.decisions), "changed": len(fb.changed),
            "config": fb.config.model_dump(mode="json")}


def loop(config: LoopConfig, out_dir: str | Path, *, lms: Mapping[str, dspy.BaseLM] | None = None,
         gen_lms: Mapping[str, dspy.BaseLM] | dspy.BaseLM | None = None,
         trainer: Trainer | None = None) -> LoopResult:
    """Run (or resume) the rounds in ``out_dir``. ``lms`` overrides arena models by name (competitors,
    judges, the difficulty judge, and trained versions ``<target>-r<k>``); ``gen_lms`` the generation's
    models by role; ``trainer`` the SFT/DPO steps (default: ``sft/`` on this machine)."""
    out = private_dir(Path(out_dir))
    (out / "loop.json").write_text(config.model_dump_json(indent=2), encoding="utf-8")
    lp = _Loop(config, out, lms, gen_lms, trainer)
    splits: dict = {}
    test = None
    if not config.generate:
        pool = load_instructions(config.instructions)
        test = build_test_set(pool, config.test_set, out / "testset", lms=lms)
        splits = split_pool(pool, test, config.rounds, config.seed, config.test_set.ngram)
    run_config = config.generation
    results = []
    for k in range(1, config.rounds + 1):
        r = _Round(lp, k)
        if config.generate:
            write_run_config(run_config, r.dir / "generation.yaml")
            pool = lp.pool(r, run_config)
            if test is None:
                test = build_test_set(pool, config.test_set, out / "testset", lms=lms)
            rest = split_pool(pool, test, 1, config.seed + k, config.test_set.ngram)
            splits[(k, "sft")], splits[(k, "dpo")] = rest[(1, "sft")], rest[(1, "dpo")]
        if test is None or not test.items:
            raise RuntimeError(f"{out / 'testset'}: the test set is not frozen (stopped early?); run the loop again")
        result, run_config = lp.run_round(r, splits[(k, "sft")], splits[(k, "dpo")], test, run_config)
        results.append(result)
    ratings = out / "rerate" / "ratings.json"
    board = json.loads(ratings.read_text(encoding="utf-8"))["rows"] if ratings.is_file() else []
    return LoopResult(out, results, board)
