"""``compile_skill``: build splits from seeds, score the program on held-out seeds, optimise it against the
judge metric, score it again, and save the program (JSON state) with its manifest.

Every LLM call goes through the one LM middleware (``core.lm.metered``): a persistent request cache in the
work directory makes a rerun of an interrupted compile re-spend only the calls that were in flight, and the
accountant stops the compile cleanly when its budget is spent, keeping the best program found so far.
Compiled files carry their skill's provenance (``programs.compiled``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import dspy

from compile.config import CompileConfig
from compile.dataset import build_splits
from compile.evaluate import HeldoutScore, evaluate_heldout
from compile.focus import FocusedProgram, reached_predictors
from compile.manifest import CompileManifest, changed_predictors, manifest_path, versions
from compile.optimizers import OptimizerOutcome, run_optimizer
from core.config import ModelsConfig
from core.lm.accounting import Accountant, BudgetExhausted
from core.lm.cache import STORE_FILE
from core.lm.request_store import RequestStore
from core.lm.roles import build_role_lms, role_model_names, unwrapped
from core.seeds import SeedConfig, SeedDoc
from core.taxonomy import load_skills
from metrics.jury import Juror
from metrics.skill_metric import SkillMetric
from programs import RoleLMs, build_program, program_hash
from programs.compiled import save_compiled

log = logging.getLogger(__name__)

DEFAULT_OUT = Path("artifacts/compiled")


@dataclass
class CompileResult:
    """The compiled (or best-so-far) program, its manifest, and where they were written."""

    program: dspy.Module
    manifest: CompileManifest
    program_path: Path | None
    manifest_path: Path


def default_work_dir(out_dir: str | Path, skill: str) -> Path:
    """The compile's state (request cache, optimizer state): ``<out_dir>/.work/<skill>``."""
    return Path(out_dir) / ".work" / skill


def compile_skill(
    config: CompileConfig,
    seeds: str | Path | list[SeedDoc],
    *,
    models: ModelsConfig | None = None,
    lms: Mapping[str, dspy.BaseLM] | dspy.BaseLM | None = None,
    out_dir: str | Path = DEFAULT_OUT,
    work_dir: str | Path | None = None,
    skills_dir: str | Path | None = None,
    seed_config: SeedConfig | None = None,
) -> CompileResult:
    """Compile one skill's program; see the module docstring. ``lms`` overrides the configured models."""
    started, clock = datetime.now(timezone.utc), time.monotonic()
    specs = load_skills(skills_dir)
    if config.skill not in specs:
        raise ValueError(f"unknown skill {config.skill!r}; known: {sorted(specs)}")
    spec = specs[config.skill]
    work = Path(work_dir) if work_dir else default_work_dir(out_dir, config.skill)
    store = RequestStore(work / STORE_FILE)
    meter = Accountant(config.budget)
    role_lms = build_role_lms(models or ModelsConfig(), overrides=lms, accountant=meter, store=store)
    raw = {role: unwrapped(lm) for role, lm in role_lms.items()}
    program = build_program(spec, RoleLMs(role_lms))
    baseline_state, baseline_hash = program.dump_state(), program_hash(program)
    splits = build_splits(spec, seeds, config.data, config.generation, seed_config)
    metric = SkillMetric(spec, config.metric, [Juror(role, role_lms[role]) for role in config.judge_roles])
    # Only predictors the optimizer can evaluate are optimised: those its train and validation paths reach.
    focus = reached_predictors(program, splits.train + splits.val) if config.focus else \
        [n for n, _ in program.named_predictors()]
    phases: dict[str, dict] = {}
    before = after = None
    outcome = OptimizerOutcome(program)
    try:
        with dspy.context(lm=role_lms[config.prompt_role], adapter=dspy.JSONAdapter()):
            before, phases["before"] = _phase(meter, lambda: evaluate_heldout(program, splits.heldout, metric))
            log.info("held-out score before: %.3f", before.score)
            student = FocusedProgram(program, focus) if config.focus else program
            held = phases["before"]
            with meter.hold_back(held["calls"] + held["failed_calls"], held["cost_usd"]):
                outcome, phases["optimize"] = _phase(meter, lambda: run_optimizer(
                    config, student, splits.train, splits.val, metric, role_lms[config.prompt_role], meter, work))
            compiled = outcome.program.program if isinstance(outcome.program, FocusedProgram) else outcome.program
            outcome.program = compiled
            after, phases["after"] = _phase(meter, lambda: evaluate_heldout(compiled, splits.heldout, metric))
            log.info("held-out score after: %.3f", after.score)
    except BudgetExhausted as exc:
        outcome.stopped = outcome.stopped or str(exc)
        log.warning("compile of %s stopped by its budget: %s", config.skill, exc)
    finally:
        store.close()
    final = outcome.program
    changed = changed_predictors(baseline_state, final.dump_state())
    out_dir = Path(out_dir)
    program_path = out_dir / f"{config.skill}.json" if changed else None
    if program_path is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        save_compiled(final, spec, program_path)
    manifest = CompileManifest(
        skill=config.skill, optimizer=config.optimizer,
        status="budget_exhausted" if outcome.stopped else "completed", stopped=outcome.stopped,
        settings=config.optimizer_settings().model_dump(mode="json"), config=config.model_dump(mode="json"),
        models=role_model_names(models or ModelsConfig(), raw), judges=list(config.judge_roles),
        program_path=str(program_path) if program_path else None, saved=program_path is not None,
        program_hash=program_hash(final), baseline_hash=baseline_hash, changed_predictors=changed,
        optimized_predictors=focus, seeds=splits.seed_ids,
        examples={"train": len(splits.train), "val": len(splits.val), "heldout": len(splits.heldout)},
        before=before, after=after,
        improvement=(after.score - before.score) if before is not None and after is not None else None,
        regressed=before is not None and after is not None and after.score < before.score,
        trail=outcome.trail, usage={"total": meter.snapshot(), "phases": phases},
        started=started.isoformat(), finished=datetime.now(timezone.utc).isoformat(),
        elapsed_s=round(time.monotonic() - clock, 2), versions=versions(),
    )
    if manifest.regressed:
        log.warning("compiled %s scores lower on held-out seeds than the baseline (%.3f < %.3f)",
                    config.skill, after.score, before.score)
    path = manifest.write(manifest_path(out_dir, config.skill))
    return CompileResult(final, manifest, program_path, path)


def _phase(meter: Accountant, work):
    """Run ``work`` and return (its result, the usage it added)."""
    start = meter.snapshot()
    try:
        result = work()
    finally:
        end = meter.snapshot()
    return result, _delta(start, end)


def _delta(start: dict, end: dict) -> dict:
    out = {}
    for key, value in end.items():
        if isinstance(value, dict):
            before = start.get(key, {})
            out[key] = {k: v - before.get(k, 0) for k, v in value.items() if v != before.get(k, 0)}
        else:
            out[key] = round(value - start.get(key, 0), 6) if isinstance(value, float) else value - start.get(key, 0)
    return out


__all__ = ["CompileResult", "HeldoutScore", "compile_skill", "default_work_dir"]
