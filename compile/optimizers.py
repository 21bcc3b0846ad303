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
from dspy.teleprompt import GEPA, BootstrapFewShot, MIPROv2

from compile.budget import BudgetExceeded, Meter
from compile.config import CompileConfig

log = logging.getLogger(__name__)


@dataclass
class OptimizerOutcome:
    """The optimizer's program (best so far if it was stopped), why it stopped early, and its trail."""

    program: dspy.Module
    stopped: str | None = None
    trail: list[dict[str, Any]] = field(default_factory=list)


class _BestSoFar:
    def __init__(self):
        self.program: dspy.Module | None = None
        self.score = -math.inf
        self.trail: list[dict[str, Any]] = []

    def offer(self, program: dspy.Module, score: float, kind: str) -> None:
        self.trail.append({"kind": kind, "score": float(score)})
        if score > self.score:
            self.score, self.program = float(score), program.deepcopy()


class BudgetedMIPROv2(MIPROv2):
    """MIPROv2 that remembers its best fully evaluated candidate, and returns it when a budget stops it."""

    def compile(self, student, **kwargs):
        self.best = _BestSoFar()
        self.stopped = None
        try:
            return super().compile(student, **kwargs)
        except BudgetExceeded as exc:
            self.stopped = str(exc)
            log.warning("MIPROv2 stopped: %s; keeping the best program so far (score %s)", exc, self.best.score)
            return self.best.program if self.best.program is not None else student.deepcopy()

    def _log_normal_eval(self, score, best_score, chosen_params, score_data, trial, num_trials, trial_logs,
                         trial_num, valset, batch_size, candidate_program, total_eval_calls):
        super()._log_normal_eval(score, best_score, chosen_params, score_data, trial, num_trials, trial_logs,
                                 trial_num, valset, batch_size, candidate_program, total_eval_calls)
        self.best.offer(candidate_program, score, f"trial {trial_num}")

    def _perform_full_evaluation(self, *args, **kwargs):
        best_score, best_program, total = super()._perform_full_evaluation(*args, **kwargs)
        self.best.offer(best_program, best_score, "full evaluation")
        return best_score, best_program, total


class BudgetedBootstrap(BootstrapFewShot):
    """BootstrapFewShot that, when a budget stops it, keeps the demos bootstrapped so far."""

    def compile(self, student, *, teacher=None, trainset):
        self.stopped = None
        return super().compile(student, teacher=teacher, trainset=trainset)

    def _bootstrap(self, *, max_bootstraps=None):
        try:
            super()._bootstrap(max_bootstraps=max_bootstraps)
        except BudgetExceeded as exc:
            self.stopped = str(exc)
            self.validation = []
            log.warning("bootstrap stopped: %s; keeping %d traces", exc,
                        sum(len(v) for v in self.name2traces.values()))


class _GepaWatch:
    """A GEPA stop condition (budget spent) and callback (best validated candidate so far)."""

    def __init__(self, meter: Meter):
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
                  prompt_lm: dspy.BaseLM, meter: Meter, work_dir: Path) -> OptimizerOutcome:
    """Run the configured optimizer on ``student``; never raises ``BudgetExceeded``."""
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
        except BudgetExceeded as exc:
            log.warning("GEPA stopped: %s; keeping the best candidate so far (score %s)", exc, watch.score)
            best = _apply_instructions(student, watch.best) if watch.best else student.deepcopy()
            return OptimizerOutcome(best, str(exc), watch.trail)
        stopped = "call or cost budget spent" if meter.exhausted else None
        return OptimizerOutcome(program, stopped, watch.trail)
    raise ValueError(f"unknown optimizer {name!r}; use mipro, bootstrap or gepa")
