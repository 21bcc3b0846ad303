"""The three optimizers behind ``agentinstruct compile``, each keeping its best program when a budget stops it.

- ``mipro``: ``dspy.MIPROv2`` (optuna TPE over instruction and demo candidates), ``auto=None``.
- ``bootstrap``: ``dspy.BootstrapFewShot`` (demos from traces the metric accepts).
- ``gepa``: ``dspy.GEPA`` (reflective instruction evolution), with a budget stopper and a best-candidate
  tracker, and its own state directory (it resumes from there).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dspy
from dspy.teleprompt import GEPA

from compile.config import CompileConfig
from core.dspy_internals import BudgetedBootstrap, BudgetedMIPROv2
from core.lm.accounting import Accountant, BudgetExhausted

log = logging.getLogger(__name__)


@dataclass
class OptimizerOutcome:
    """The optimizer's program (best so far if it was stopped), why it stopped early, and its trail."""

    program: dspy.Module
    stopped: str | None = None
    trail: list[dict[str, Any]] = field(default_factory=list)


class _GepaWatch:
    """A GEPA stop condition (budget spent) and callback (best validated candidate so far)."""

    def __init__(self, meter: Accountant):
        self.meter = meter
        self.best: dict[str, str] | None = None
        self.score = -math.inf
        self.trail: list[dict[str, Any]] = []

    def __call__(self, gepa_state) -> bool:
        return self.meter.exhausted

    def on_valset_evaluated(self, event) -> None:
        score = float(event["average_score"])
        self.trail.append({"kind": f"candidate {event['candidate_idx']}", "score": score})
        if score > self.score:
            self.score, self.best = score, dict(event["candidate"])


def _apply_instructions(student: dspy.Module, candidate: dict[str, str]) -> dspy.Module:
    program = student.deepcopy()
    for name, predictor in program.named_predictors():
        if name in candidate:
            predictor.signature = predictor.signature.with_instructions(candidate[name])
    return program


def run_optimizer(config: CompileConfig, student: dspy.Module, train: list, val: list, metric,
                  prompt_lm: dspy.BaseLM, meter: Accountant, work_dir: Path) -> OptimizerOutcome:
    """Run the configured optimizer on ``student``; never raises ``BudgetExhausted``."""
    name = config.optimizer
    valset = val or train
    if name == "bootstrap":
        s = config.bootstrap
        opt = BudgetedBootstrap(metric=metric, max_bootstrapped_demos=s.max_bootstrapped_demos,
                                max_labeled_demos=s.max_labeled_demos, max_rounds=s.max_rounds)
        program = opt.compile(student, trainset=train)
        return OptimizerOutcome(program, opt.stopped)
    if name == "mipro":
        s = config.mipro
        opt = BudgetedMIPROv2(metric=metric, prompt_model=prompt_lm, task_model=prompt_lm, auto=None,
                              num_candidates=s.num_candidates, max_bootstrapped_demos=s.max_bootstrapped_demos,
                              max_labeled_demos=s.max_labeled_demos, num_threads=config.num_threads,
                              seed=config.seed, init_temperature=s.init_temperature, verbose=False)
        program = opt.compile(
            student, trainset=train, valset=valset, num_trials=s.num_trials,
            minibatch=len(valset) > s.minibatch_size, minibatch_size=min(s.minibatch_size, len(valset)),
            program_aware_proposer=s.program_aware, data_aware_proposer=s.data_aware,
            tip_aware_proposer=s.tip_aware, fewshot_aware_proposer=s.fewshot_aware,
            view_data_batch_size=s.view_data_batch_size,
        )
        return OptimizerOutcome(program, opt.stopped, opt.best.trail)
    if name == "gepa":
        s = config.gepa
        watch = _GepaWatch(meter)
        opt = GEPA(metric=metric, max_metric_calls=s.max_metric_calls, reflection_lm=prompt_lm,
                   reflection_minibatch_size=s.reflection_minibatch_size, use_merge=s.use_merge,
                   candidate_selection_strategy=s.candidate_selection_strategy, num_threads=config.num_threads,
                   log_dir=str(work_dir / "gepa"), seed=config.seed,
                   gepa_kwargs={"stop_callbacks": [watch], "callbacks": [watch]})
        try:
            program = opt.compile(student, trainset=train, valset=valset)
        except BudgetExhausted as exc:
            log.warning("GEPA stopped: %s; keeping the best candidate so far (score %s)", exc, watch.score)
            best = _apply_instructions(student, watch.best) if watch.best else student.deepcopy()
            return OptimizerOutcome(best, str(exc), watch.trail)
        stopped = "call or cost budget spent" if meter.exhausted else None
        return OptimizerOutcome(program, stopped, watch.trail)
    raise ValueError(f"unknown optimizer {name!r}; use mipro, bootstrap or gepa")
