"""``agentinstruct tune``: an optuna study over the flow's knobs; the best ones become a RunConfig YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentinstruct.cli_commands.compile_cmd import BudgetCalls, BudgetCost, load_settings
from agentinstruct.cli_commands.render import console


def tune(
    skill: Annotated[str, typer.Option("--skill", help="The skill whose flow knobs to tune.")],
    trials: Annotated[int | None, typer.Option("--trials", min=1, help="Completed trials to reach.")] = None,
    seeds: Annotated[Path, typer.Option("--seeds", help="Seed documents the trials generate from.")
                     ] = Path("examples/seeds"),
    config: Annotated[Path | None, typer.Option("--config", help="The base RunConfig YAML (models, seeds, "
                                                "generation); the tuned knobs are written over it.")] = None,
    tune_config: Annotated[Path | None, typer.Option("--tune-config", help="A TuneConfig YAML: search space, "
                                                     "metric, cost penalty.")] = None,
    cost_penalty: Annotated[float | None, typer.Option("--cost-penalty", min=0, help="Score penalty per "
                                                       "generation request per item.")] = None,
    budget_calls: BudgetCalls = None,
    budget_cost: BudgetCost = None,
    out: Annotated[Path | None, typer.Option("--out", help="The tuned RunConfig YAML (default "
                                             "artifacts/tuned/<skill>.yaml).")] = None,
    work_dir: Annotated[Path | None, typer.Option("--work-dir", help="Study database and request cache "
                                                  "(default artifacts/tuned/.work/<skill>); rerun to resume.")
                        ] = None,
) -> None:
    """Search refinement rounds, suggestions, temperatures and agent weights against the judge score."""
    from compile.config import TuneConfig
    from compile.knobs import tune_knobs
    from core.config import load_config

    cfg, _ = load_settings(TuneConfig, tune_config, skill, trials=trials, cost_penalty=cost_penalty,
                           **{"budget.max_calls": budget_calls, "budget.max_cost_usd": budget_cost})
    base = load_config(config)
    result = tune_knobs(cfg, seeds, work_dir or Path("artifacts/tuned/.work") / skill, base=base,
                        out=out or Path("artifacts/tuned") / f"{skill}.yaml")
    console.print(f"[bold]{skill}[/bold]: {result.trials_complete} trials complete, best objective "
                  f"{result.best_value:.4f}" + (f" (stopped: {result.stopped})" if result.stopped else ""))
    for key, value in sorted(result.best_params.items()):
        console.print(f"  {key} = {value:.3f}" if isinstance(value, float) else f"  {key} = {value}")
    console.print(f"LLM calls {result.usage['calls']} (cache hits {result.usage['cache_hits']})  "
                  f"config: {result.config_path}  (use: agentinstruct generate --config {result.config_path})")
    if result.stopped:
        raise typer.Exit(code=3)
