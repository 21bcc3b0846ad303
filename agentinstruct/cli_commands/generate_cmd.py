"""``agentinstruct generate``: run the generation flows over seeds into a run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from agentinstruct.cli_commands.errors import run_exit_code
from agentinstruct.cli_commands.render import print_summary

console = Console(stderr=True)


def generate(
    seeds: Annotated[Path | None, typer.Option("--seeds", help="A file, a directory (recursive), a JSONL file or "
                                               "a saved HF dataset of seed documents (with --resume: default "
                                               "the run's own).")] = None,
    skills: Annotated[str | None, typer.Option("--skills", help="Comma-separated skill names, or 'all' "
                                               "(default: the config's, reading_comprehension).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Run directory to create (must be new or empty); "
                                             "with --resume, the run to continue.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Stop after N seed documents.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Run seed for agent sampling (default: config's, "
                                             "0).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="A RunConfig YAML/JSON: models per role, "
                                                "seed loading, generation knobs.")] = None,
    resume: Annotated[Path | None, typer.Option("--resume", help="Continue the run in this directory "
                                                "(exactly once: committed units are skipped).")] = None,
    max_calls: Annotated[int | None, typer.Option("--max-calls", min=1, help="Stop (resumably) after this "
                                                  "many LLM calls in this invocation.")] = None,
    max_cost: Annotated[float | None, typer.Option("--max-cost", min=0, help="Stop (resumably) once this "
                                                   "invocation has spent this many USD.")] = None,
    compiled_dir: Annotated[Path, typer.Option("--compiled-dir", help="Where compiled programs "
                                               "(<skill>.json) are looked up.")] = Path("artifacts/compiled"),
    backend: Annotated[str | None, typer.Option("--backend", help="Where units run: 'local' (threads) or "
                                                "'ray' (Ray actors; default: the config's, local).")] = None,
    ray_address: Annotated[str | None, typer.Option("--ray-address", help="The Ray cluster to join with "
                                                    "--backend ray (e.g. 'auto' or 'ray://head:10001'; "
                                                    "default: a local Ray instance).")] = None,
    force: Annotated[bool, typer.Option("--force", help="With --resume: continue even though the skills, "
                                        "programs or models differ from the run's manifest.")] = False,
    max_failure_rate: Annotated[float, typer.Option("--max-failure-rate", min=0.0, max=1.0, help="Exit 4 when "
                                                    "more than this share of the units run failed.")] = 0.5,
) -> None:
    """Generate instruction data with the AgentInstruct flows and print a summary.

    Exit codes:
    0 finished, failed units within --max-failure-rate;
    1 internal error (--verbose shows the traceback);
    2 usage, config or input error before any LLM call (bad option, invalid config or compiled file,
    unusable --out, no usable seed);
    3 stopped by a budget (--max-calls, --max-cost), resumable;
    4 finished, more failed units than --max-failure-rate;
    5 stopped by the provider (auth, quota, unreachable, the same 400/404 in unit after unit), resumable;
    130 SIGINT, 143 SIGTERM: stopped, resumable.
    """
    from agentinstruct.api import generate as run_generate

    if (out is None) == (resume is None):
        raise typer.BadParameter("give exactly one of --out (new run) or --resume (existing run)")
    if seeds is None and resume is None:
        raise typer.BadParameter("a new run needs --seeds")
    if backend not in (None, "local", "ray"):
        raise typer.BadParameter("--backend is 'local' or 'ray'")
    skill_list = [s.strip() for s in skills.split(",") if s.strip()] if skills else None
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("records {task.fields[records]} failures {task.fields[failures]}"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task("units", total=None, records=0, failures=0)
        counts = {"seed": 0, "unit": 0, "record": 0, "failure": 0}

        def hook(event: str, amount: int) -> None:
            counts[event] += amount
            bar.update(task, completed=counts["unit"], records=counts["record"], failures=counts["failure"])

        summary = run_generate(seeds, resume or out, skills=skill_list, config=config, limit=limit, seed=seed,
                               resume=resume is not None, compiled_dir=compiled_dir, progress=hook,
                               max_calls=max_calls, max_cost=max_cost, backend=backend,
                               ray_address=ray_address, force=force)
    print_summary(summary)
    code, why = run_exit_code(summary, max_failure_rate, seeds)
    if code:
        console.print(f"[bold yellow]{why}[/bold yellow]", highlight=False)
        raise typer.Exit(code=code)
