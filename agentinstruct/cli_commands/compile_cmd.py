"""``agentinstruct compile``: optimise one skill's prompts against the judge metric (MIPROv2, bootstrap, GEPA)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, TypeVar

import typer
import yaml
from pydantic import BaseModel

from agentinstruct.cli_commands.render import console

T = TypeVar("T", bound=BaseModel)


def load_settings(model: type[T], path: Path | None, skill: str, **overrides) -> tuple[T, set[str]]:
    """A settings model (``CompileConfig``, ``TuneConfig``) from an optional YAML file with command-line
    overrides (``None`` = keep the file's; ``section.name`` sets a key inside a section), and the top-level
    keys the file itself set."""
    raw = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path else {}
    if not isinstance(raw, dict):
        raise typer.BadParameter(f"{path}: a {model.__name__} file must be a mapping")
    given = set(raw)
    raw["skill"] = skill
    for key, value in overrides.items():
        if value is None:
            continue
        section, _, name = key.partition(".")
        if name:
            raw.setdefault(section, {})[name] = value
        else:
            raw[key] = value
    return model.model_validate(raw), given


def load_compile_config(path: Path | None, skill: str, **overrides):
    """A ``CompileConfig`` from an optional YAML file with overrides, and whether the file set ``generation``."""
    from compile.config import CompileConfig

    cfg, given = load_settings(CompileConfig, path, skill, **overrides)
    return cfg, "generation" in given


BudgetCalls = Annotated[int | None, typer.Option("--budget-calls", min=0, help="Stop after N LLM calls (cache "
                                                 "hits are free); the best result so far is kept.")]
BudgetCost = Annotated[float | None, typer.Option("--budget-cost", min=0, help="Stop after X dollars.")]


def compile(
    skill: Annotated[str, typer.Option("--skill", help="The skill whose program to compile.")],
    optimizer: Annotated[str, typer.Option("--optimizer", help="mipro, bootstrap or gepa.")] = "mipro",
    budget_calls: BudgetCalls = None,
    budget_cost: BudgetCost = None,
    seeds: Annotated[Path, typer.Option("--seeds", help="Seed documents for the train and held-out sets.")
                     ] = Path("examples/seeds"),
    config: Annotated[Path | None, typer.Option("--config", help="A RunConfig YAML: models per role, seed "
                                                "loading, and the planner knobs the examples follow.")] = None,
    compile_config: Annotated[Path | None, typer.Option("--compile-config", help="A CompileConfig YAML: "
                                                        "optimizer settings, data split, metric, juries.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where <skill>.json and its manifest are written.")
                   ] = Path("artifacts/compiled"),
    work_dir: Annotated[Path | None, typer.Option("--work-dir", help="Request cache and optimizer state "
                                                  "(default <out>/.work/<skill>); rerun to resume.")] = None,
    train: Annotated[int | None, typer.Option("--train", min=1, help="Train seeds.")] = None,
    heldout: Annotated[int | None, typer.Option("--heldout", min=1, help="Held-out seeds.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Optimizer seed.")] = None,
) -> None:
    """Compile a skill's prompts against the LLM-judge metric and report before/after held-out scores."""
    from compile.driver import compile_skill
    from core.config import load_config

    run = load_config(config)
    cfg, has_generation = load_compile_config(
        compile_config, skill, optimizer=optimizer, seed=seed, **{"budget.max_calls": budget_calls,
        "budget.max_cost_usd": budget_cost, "data.train": train, "data.heldout": heldout})
    if not has_generation:
        cfg = cfg.model_copy(update={"generation": run.generation})
    result = compile_skill(cfg, seeds, models=run.models, out_dir=out, work_dir=work_dir,
                           skills_dir=run.generation.skills_dir, seed_config=run.seeds)
    m = result.manifest
    console.print(f"[bold]{m.skill}[/bold] {m.optimizer}: {m.status}" + (f" ({m.stopped})" if m.stopped else ""))
    before = f"{m.before.score:.3f}" if m.before else "n/a"
    after = f"{m.after.score:.3f}" if m.after else "n/a"
    console.print(f"held-out judge score: before {before}  after {after}  ({m.examples['heldout']} examples)")
    for name, report in (m.after or m.before).jury.items() if (m.after or m.before) else []:
        alpha = "n/a" if report.krippendorff_alpha is None else f"{report.krippendorff_alpha:.2f}"
        console.print(f"  jury {name}: {len(report.judges)} judges, alpha {alpha}, "
                      f"failures {sum(report.failures_by_judge.values())}")
    usage = m.usage["total"]
    console.print(f"LLM calls {usage['calls']} (cache hits {usage['cache_hits']}, failed {usage['failed_calls']})"
                  f"  tokens {usage['tokens']}  cost ${usage['cost_usd']:.4f}")
    console.print(f"program: {result.program_path or 'unchanged, not saved'}  manifest: {result.manifest_path}")
    if m.status != "completed":
        raise typer.Exit(code=3)
