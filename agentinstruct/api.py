"""The public Python API: ``generate`` (the same job as ``agentinstruct generate``) and friends."""

from __future__ import annotations

import json
import logging
import platform
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

import dspy

from agentinstruct.engine.driver import Driver, ProgressHook, StopFlag
from agentinstruct.engine.judging_report import judging_summary
from agentinstruct.engine.jury_setup import judged_suite, run_calibration
from agentinstruct.engine.resume import check_resumable, merge_usage
from agentinstruct.engine.rundir import RunDir, check_run_dir
from agentinstruct.quality.gate import QualityGate
from core.config import ROLES, RunConfig, load_config
from core.lm.accounting import Accountant
from core.lm.batch.setup import BatchSetup
from core.lm.cache import open_request_cache
from core.lm.roles import build_role_lms, role_model_names, role_structured_modes
from core.summary import RunSummary
from programs import RoleLMs, load_suite, program_hash

log = logging.getLogger(__name__)


def resolve_config(
    config: RunConfig | str | Path | None = None,
    *,
    skills: list[str] | None = None,
    limit: int | None = None,
    seed: int | None = None,
    max_calls: int | None = None,
    max_cost: float | None = None,
    backend: str | None = None,
    ray_address: str | None = None,
) -> RunConfig:
    """A ``RunConfig`` from an object or a file, with command-line style overrides applied."""
    cfg = config if isinstance(config, RunConfig) else load_config(config)
    updates = {k: v for k, v in (("backend", backend), ("ray_address", ray_address)) if v is not None}
    if skills:
        updates["skills"] = skills
    if limit is not None:
        updates["limit"] = limit
    if seed is not None:
        updates["seed"] = seed
    budget = {k: v for k, v in (("max_calls", max_calls), ("max_cost_usd", max_cost)) if v is not None}
    if updates or budget:
        data = cfg.model_dump()
        data["generation"].update(updates)
        data["budget"].update(budget)
        cfg = RunConfig.model_validate(data)  # re-validates the overrides
    return cfg


def generate(
    seeds: str | Path | None,
    out: str | Path,
    *,
    skills: list[str] | None = None,
    config: RunConfig | str | Path | None = None,
    limit: int | None = None,
    seed: int | None = None,
    max_calls: int | None = None,
    max_cost: float | None = None,
    resume: bool = False,
    lms: Mapping[str, dspy.BaseLM] | dspy.BaseLM | None = None,
    compiled_dir: str | Path | None = "artifacts/compiled",
    progress: ProgressHook | None = None,
    backend: str | None = None,
    ray_address: str | None = None,
    force: bool = False,
) -> RunSummary:
    """Generate records from ``seeds`` into the run directory ``out``; returns the run's summary.

    ``seeds`` may be ``None`` when resuming: the run's manifest names them.
    ``lms`` overrides the configured models: one LM for every role, or a mapping role -> LM (roles left
    out use the configured model). Records go to ``out/data/*.jsonl``; rejected seeds to
    ``out/rejects.jsonl``; failed steps to ``out/failures.jsonl``. With ``resume=True`` an interrupted
    run continues where it stopped, with the config it was started with unless ``config`` is given.
    ``backend="ray"`` (or ``generation.backend: ray``) runs the units on Ray actors, joining the cluster at
    ``ray_address`` (default: a local Ray instance); records are the same as the local backend's.
    A resume refuses a run whose skills, program hashes or models differ from its manifest
    (``ResumeMismatch``) unless ``force``; usage and cost in ``summary.json`` add up over the invocations.
    Every item is judged after its last stage unless ``judging.enabled`` is false (docs/judging.md):
    records carry ``scores``, refused items go to ``failures.jsonl`` (reason ``judge`` or ``check``), ranked
    responses (``generation.responses_per_item``) to ``preferences.jsonl``; ``summary.judging`` tallies it.
    """
    out = check_run_dir(out, resume=resume)  # before any model is built or called
    if resume and config is None and (out / "config.json").is_file():
        config = load_config(out / "config.json")  # an error names the file and the field, never a value
        # Limits belong to one invocation: a resumed run starts with a fresh budget (prices are kept).
        config.budget = config.budget.model_copy(update={"max_calls": None, "max_cost_usd": None})
    if seeds is None:
        manifest = out / "manifest.json"
        if not (resume and manifest.is_file()):
            raise ValueError("a new run needs a seeds path (only --resume can take it from the run's manifest)")
        seeds = json.loads(manifest.read_text(encoding="utf-8"))["seeds"]
    cfg = resolve_config(config, skills=skills, limit=limit, seed=seed, max_calls=max_calls, max_cost=max_cost,
                         backend=backend, ray_address=ray_address)
    if cfg.generation.backend == "ray" and lms is not None:
        raise ValueError("the Ray backend builds its models from the config on each worker; lms= is local only")
    seeds = Path(seeds)
    if not seeds.exists():
        raise FileNotFoundError(f"{seeds}: seeds path does not exist")
    store = open_request_cache(cfg.cache)
    accountant = Accountant(cfg.budget)
    stop = StopFlag()
    batch = None
    if cfg.generation.batch is not None:  # the batch provider's models answer from provider batches
        if cfg.generation.backend == "ray":
            raise ValueError("generation.batch runs on the local backend only")
        batch = BatchSetup(cfg.generation.batch, out / "ledger.sqlite", stop.event)
    role_lms = build_role_lms(cfg.models, overrides=lms, accountant=accountant, store=store, interrupt=stop.event,
                              batch=batch)

    def guard() -> None:  # before every LLM call: a requested stop, then the budget
        stop.check()
        accountant.check()

    suite = load_suite(cfg.generation.skills, cfg.generation.skills_dir, compiled_dir,
                       RoleLMs(role_lms, guard=guard))
    runners = judged_suite(suite, cfg, role_lms, accountant=accountant, store=store, guard=guard)
    hashes = {name: program_hash(program) for name, program in suite.items()}
    models = role_model_names(cfg.models, role_lms)
    if resume:
        check_resumable(out, list(suite), hashes, models, force=force)
    run = RunDir(out, resume=resume)
    try:
        run.write_json("config.json", cfg)
        run.write_json("manifest.json", {
            "seeds": str(seeds.resolve()),
            "skills": list(suite),
            "program_hashes": hashes,
            "models": models,
            "structured_output": role_structured_modes(role_lms),
            "roles": list(ROLES),
            "started": datetime.now(timezone.utc).isoformat(),
            "resumed": resume,
            "versions": {"agentinstruct": _version(), "dspy": dspy.__version__,
                         "python": platform.python_version()},
        })
        gate = (QualityGate(cfg.quality, run.root, cfg.evaluation)
                if (cfg.quality.dedup or cfg.quality.decontaminate) else None)
        unit_backend = None
        if cfg.generation.backend == "ray":
            from agentinstruct.engine.ray_backend import RayBackend

            unit_backend = RayBackend(cfg, suite, accountant)
        driver = Driver(cfg, runners, models, hashes, concurrency=cfg.generation.concurrency, progress=progress,
                        gate=gate, backend=unit_backend, stop=stop)
        with dspy.context(adapter=dspy.JSONAdapter()):
            if cfg.judging.enabled and cfg.judging.calibration:
                run.write_json("calibration.json", run_calibration(cfg.judging.calibration, runners))
            summary = driver.run(seeds, run)
        summary.usage_by_model = dict(accountant.by_model)
        summary.usage_by_role = dict(accountant.by_role)
        summary.usage_by_skill = dict(accountant.by_skill)
        summary.unpriced_models = sorted(accountant.unpriced)
        summary.cache_hits = accountant.cache_hits
        summary.failed_calls = accountant.failed_calls
        summary.malformed_answers = accountant.malformed
        if batch is not None:
            summary.batch = batch.summary()
        summary = merge_usage(summary, run.root / "summary.json")
        if cfg.judging.enabled:
            summary.judging = judging_summary(run.root)
        run.write_json("summary.json", summary)
    finally:
        if batch is not None:
            batch.close()
        run.close()
        if store is not None:
            store.close()
    return summary


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("agentinstruct")
    except PackageNotFoundError:
        return "0+unknown"
