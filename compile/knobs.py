"""An optuna study over the flow's knobs: refinement rounds, suggestions, temperatures and agent weights.

Each trial generates items from the same few seeds with the sampled knobs (the driver's seeded planner),
scores them with the skill's judge metric, and subtracts a penalty per generation request an item cost.
The study lives in SQLite (``knobs.db``) and the calls in the compile's request cache, so an interrupted
study, rerun, re-runs the interrupted trial with the same knobs from cache and goes on. The best knobs are
written as a ``RunConfig`` YAML that ``agentinstruct generate --config`` accepts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import dspy
import yaml

from compile.config import TuneConfig
from core.config import ModelsConfig, RunConfig
from core.flow.plan import plan_unit, unit_rng
from core.lm.accounting import Accountant, BudgetExhausted
from core.lm.cache import STORE_FILE
from core.lm.request_store import RequestStore
from core.lm.roles import build_role_lms
from core.seeds import SeedDoc, load_seeds
from core.taxonomy import SkillSpec, load_skills
from metrics.jury import Juror
from metrics.skill_metric import SkillMetric
from programs import RoleLMs, build_program

log = logging.getLogger(__name__)


@dataclass
class TuneResult:
    """The best trial's knobs as a run config, where it was written, and the study's numbers."""

    config: RunConfig
    config_path: Path
    best_value: float
    best_params: dict
    trials_complete: int
    stopped: str | None
    usage: dict
    trials: list[dict]
    """Every completed trial: number, knobs, objective, judge score, items and generation requests."""


def _optuna():
    try:
        import optuna
    except ImportError as exc:
        raise ImportError("the knob study needs optuna: pip install -e '.[compile]'") from exc
    return optuna


def apply_knobs(base: RunConfig, spec: SkillSpec, params: Mapping[str, float | int]) -> RunConfig:
    """``base`` with a trial's knobs: generation overrides, agent weights and role temperatures."""
    gen = base.generation.model_copy(update={
        "refinement_rounds": int(params["refinement_rounds"]),
        "refinement_suggestions": int(params["refinement_suggestions"]),
        "agent_weights": {**base.generation.agent_weights,
                          **{f"{spec.name}.{k[len('weight.'):]}": float(v) for k, v in params.items()
                             if k.startswith("weight.")}},
    })
    models = base.models.model_copy()
    for key, value in params.items():
        if key.startswith("temperature."):
            role = key[len("temperature."):]
            models = models.model_copy(update={role: models.for_role(role).model_copy(
                update={"temperature": round(float(value), 3)})})
    return RunConfig.model_validate({**base.model_dump(), "models": models.model_dump(),
                                     "generation": gen.model_dump()})


def _suggest(trial, config: TuneConfig, spec: SkillSpec) -> dict:
    space = config.space
    params = {"refinement_rounds": trial.suggest_int("refinement_rounds", *space.refinement_rounds),
              "refinement_suggestions": trial.suggest_int("refinement_suggestions", *space.refinement_suggestions)}
    for role in space.temperature_roles:
        params[f"temperature.{role}"] = trial.suggest_float(f"temperature.{role}", *space.temperature)
    agents = space.weighted_agents if space.weighted_agents is not None else [t.id for t in spec.transformations]
    for agent in agents:
        params[f"weight.{agent}"] = trial.suggest_float(f"weight.{agent}", *space.weight)
    return params


def _score_trial(spec: SkillSpec, run: RunConfig, seeds: list[SeedDoc], lms: Mapping[str, dspy.BaseLM],
                 temperatures: Mapping[str, float], metric: SkillMetric,
                 meter: Accountant) -> tuple[float, int, int, int]:
    """(mean item score, items, failed steps, generation requests) of one knob setting."""
    trial_lms = {role: lm.copy(temperature=temperatures[role]) if role in temperatures else lm
                 for role, lm in lms.items()}
    program = build_program(spec, RoleLMs(trial_lms))
    start = meter.snapshot()
    runs, failures = [], 0
    for seed in seeds:
        # The unit generation would run for this seed with these knobs: the same plan, the same path.
        plan = plan_unit(spec, seed, unit_rng(run.generation.seed, seed.id, spec.name), run.generation)
        outcome = program.run_plan(plan, seed)
        failures += len(outcome.failures)
        for failure in outcome.failures:
            log.info("trial step %s/%s failed: %s", failure.stage, failure.agent, failure.reason)
        runs.append((dspy.Example(seed_text=seed.text), dspy.Prediction(generated=outcome.examples)))
    end = meter.snapshot()
    requests = sum(end[k] - start[k] for k in ("calls", "failed_calls", "cache_hits"))
    scores = [s.score for example, pred in runs for s in metric.score_items(example, pred)]
    return (sum(scores) / len(scores) if scores else 0.0), len(scores), failures, requests


def tune_knobs(config: TuneConfig, seeds: str | Path | list[SeedDoc], work_dir: str | Path, *,
               base: RunConfig | None = None, lms: Mapping[str, dspy.BaseLM] | dspy.BaseLM | None = None,
               out: str | Path | None = None, skills_dir: str | Path | None = None) -> TuneResult:
    """Run (or resume) the knob study and write the best knobs as a RunConfig YAML (``out``)."""
    optuna = _optuna()
    base = base or RunConfig()
    spec = load_skills(skills_dir or base.generation.skills_dir)[config.skill]
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    docs = seeds if isinstance(seeds, list) else load_seeds(seeds, base.seeds).seeds
    usable = sorted((d for d in docs if spec.transformations_for(d.kind.value)), key=lambda d: d.id)
    tune_seeds = usable[:config.seeds]
    if not tune_seeds:
        raise ValueError(f"skill {config.skill}: no usable seeds in {seeds}")
    store, meter = RequestStore(work / STORE_FILE), Accountant(config.budget)
    role_lms = build_role_lms(base.models or ModelsConfig(), overrides=lms, accountant=meter, store=store)
    metric = SkillMetric(spec, config.metric, [Juror(role, role_lms[role]) for role in config.judge_roles])
    name, storage = config.study_name or f"knobs-{config.skill}", f"sqlite:///{work / 'knobs.db'}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=name, storage=storage, load_if_exists=True, direction="maximize")
    # A resumed study gets a sampler seeded past the trials it already has, so it does not replay them.
    study.sampler = optuna.samplers.TPESampler(seed=config.seed + len(study.trials))
    _requeue_interrupted(study, optuna)

    def objective(trial) -> float:
        params = _suggest(trial, config, spec)
        run = apply_knobs(base, spec, params)
        temperatures = {k.split(".", 1)[1]: float(v) for k, v in params.items() if k.startswith("temperature.")}
        score, items, failures, requests = _score_trial(spec, run, tune_seeds, role_lms, temperatures, metric,
                                                        meter)
        per_item = requests / items if items else float(requests)
        for key, value in {"score": score, "items": items, "failures": failures, "requests": requests}.items():
            trial.set_user_attr(key, value)
        return score - config.cost_penalty * per_item

    stopped = None
    done = sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    try:
        with dspy.context(adapter=dspy.JSONAdapter()):
            study.optimize(objective, n_trials=max(0, config.trials - done))
    except BudgetExhausted as exc:
        stopped = str(exc)
        log.warning("knob study stopped by its budget: %s", exc)
    finally:
        store.close()
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete:
        raise RuntimeError(f"the knob study has no completed trial ({stopped or 'see the log'})")
    best = max(complete, key=lambda t: t.value)
    best_config = apply_knobs(base, spec, best.params)
    path = Path(out) if out else work / "tuned.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# Best flow knobs of optuna study {study.study_name!r} for skill {spec.name}: "
                    f"objective {best.value:.4f} (judge score {best.user_attrs.get('score', 0):.4f}).\n"
                    + yaml.safe_dump(best_config.model_dump(mode="json"), sort_keys=False), encoding="utf-8")
    trials = [{"number": t.number, "params": dict(t.params), "value": t.value, **t.user_attrs} for t in complete]
    return TuneResult(best_config, path, float(best.value), dict(best.params), len(complete), stopped,
                      meter.snapshot(), trials)


def _requeue_interrupted(study, optuna) -> None:
    """Trials an interruption or a budget cut short (FAIL, or RUNNING when the process died) are enqueued
    once more with the same knobs, so their completed calls are served from the request cache."""
    state = optuna.trial.TrialState
    for trial in study.trials:
        if trial.state not in (state.RUNNING, state.FAIL) or not trial.params:
            continue
        if study.user_attrs.get(f"requeued.{trial.number}"):
            continue
        if trial.state == state.RUNNING:
            study.tell(trial.number, state=state.FAIL)
        study.enqueue_trial(trial.params, skip_if_exists=False)
        study.set_user_attr(f"requeued.{trial.number}", True)
        log.info("re-queued interrupted trial %d with its knobs", trial.number)
