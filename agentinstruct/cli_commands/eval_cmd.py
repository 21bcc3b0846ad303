"""``agentinstruct eval``: run benchmarks and Orca-Bench on students, build Orca-Bench, write reports.

A thin layer over ``agentinstruct.evaluation``: each command parses its options and calls one function.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentinstruct.cli_commands.render import console

app = typer.Typer(help="Evaluate students: benchmarks, Orca-Bench, reports.", no_args_is_help=True)


def _bench_specs(specs: list[str] | None) -> dict[str, str] | None:
    if not specs:
        return None
    out = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise typer.BadParameter(f"--bench {spec!r}: expected NAME=PATH (e.g. gsm8k=~/data/gsm8k/test.jsonl)")
        out[name.strip()] = path.strip()
    return out


@app.command("run")
def run(
    students: Annotated[list[str], typer.Argument(help="Students: `embedded`, a checkpoint directory, "
                                                  "`role:<role>`, a name under evaluation.students, or a "
                                                  "LiteLLM model; NAME=... names one.")],
    out: Annotated[Path, typer.Option("--out", help="Where results and the report are written.")],
    bench: Annotated[list[str] | None, typer.Option("--bench", help="NAME=PATH of a benchmark file (repeatable); "
                                                    "default: the config's evaluation.benchmarks.")] = None,
    orca_bench: Annotated[Path | None, typer.Option("--orca-bench", help="An Orca-Bench directory "
                                                    "(`agentinstruct eval orca-bench`).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="A RunConfig YAML: models (the judge role), "
                                                "cache, budget, and the evaluation: section.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Items per benchmark.")] = None,
    max_calls: Annotated[int | None, typer.Option("--max-calls", min=0, help="Stop after N LLM calls.")] = None,
    max_cost: Annotated[float | None, typer.Option("--max-cost", min=0, help="Stop after X dollars.")] = None,
    device: Annotated[str, typer.Option("--device", help="cpu, cuda, cuda:N or auto (checkpoints).")] = "auto",
    backend: Annotated[str | None, typer.Option("--backend", help="Where (student, benchmark) pairs run: 'local' "
                                                "(this process) or 'ray' (Ray actors that build the students "
                                                "and the judge from --config).")] = None,
    ray_address: Annotated[str | None, typer.Option("--ray-address", help="The Ray cluster to join with "
                                                    "--backend ray (e.g. 'auto' or 'ray://head:10001'; "
                                                    "default: a local Ray instance).")] = None,
    ray_workers: Annotated[int | None, typer.Option("--ray-workers", min=1, help="Ray actors running pairs "
                                                    "(one pair at a time each).")] = None,
) -> None:
    """Evaluate students on benchmarks (and Orca-Bench); write results, report.json and report.html."""
    from agentinstruct.evaluation import evaluate

    if backend not in (None, "local", "ray"):
        raise typer.BadParameter("--backend is 'local' or 'ray'")
    result = evaluate(students, out, benchmarks=_bench_specs(bench), orca_bench=orca_bench, config=config,
                      limit=limit, max_calls=max_calls, max_cost=max_cost, device=device, backend=backend,
                      ray_address=ray_address, ray_workers=ray_workers)
    print_scores(result.report)
    console.print(f"report: {result.html_path}  (data: {result.json_path})")


@app.command("orca-bench")
def orca_bench(
    runs: Annotated[list[Path], typer.Argument(help="Run directories to draw held-out records from.")],
    out: Annotated[Path, typer.Option("--out", help="Where items.jsonl and heldout.json are written.")],
    per_skill: Annotated[int, typer.Option("--per-skill", min=1, help="Items per skill (ODQA and complex "
                                           "ODQA counted apart).")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Seeds the choice.")] = 0,
    name: Annotated[str, typer.Option("--name", help="The held-out set's name (RUN/heldout/NAME.json).")
                    ] = "orca-bench",
    student: Annotated[list[str] | None, typer.Option("--student", help="Also score this student against the "
                                                      "teacher (repeatable; same forms as `eval run`).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="A RunConfig YAML (the judge model, cache, "
                                                "budget, evaluation settings).")] = None,
) -> None:
    """Build Orca-Bench from generated runs (the chosen ids are recorded so that training refuses them);
    with --student, score students against the teacher's responses into OUT/results."""
    from agentinstruct.evaluation import build_orca_bench, evaluate

    built = build_orca_bench(runs, out, per_skill=per_skill, seed=seed, name=name)
    groups = ", ".join(f"{k}={v}" for k, v in built.heldout.groups.items())
    console.print(f"orca-bench: {len(built.heldout.ids)} items ({groups}) -> {built.items_file}")
    console.print("held out from training: " + ", ".join(built.run_files))
    if student:
        result = evaluate(student, out / "results", benchmarks={}, orca_bench=out, config=config)
        print_scores(result.report)
        console.print(f"report: {result.html_path}")


@app.command("report")
def report(
    dirs: Annotated[list[Path], typer.Argument(help="Evaluation directories (`agentinstruct eval run --out`).")],
    out: Annotated[Path | None, typer.Option("--out", help="Where report.json and report.html go (default: the "
                                             "directory itself when there is one, else ./eval-report).")] = None,
    n_boot: Annotated[int, typer.Option("--n-boot", min=1, help="Bootstrap resamples.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
) -> None:
    """One report over the students of several evaluation directories, side by side."""
    from agentinstruct.evaluation import write_eval_report

    target = out or (dirs[0] if len(dirs) == 1 else Path("eval-report"))
    result, json_path, html_path = write_eval_report(dirs, target, n_boot=n_boot, seed=seed)
    print_scores(result)
    console.print(f"report: {html_path}  (data: {json_path})")


def print_scores(report) -> None:
    """Scores with their intervals, then the paired comparisons, as terminal lines."""
    for row in report.benchmarks:
        for student, cell in row.cells.items():
            s = cell.score
            figure = "n/a" if s is None else f"{s.estimate:.4f} [{s.low:.4f}, {s.high:.4f}]"
            console.print(f"{row.benchmark} {student}: {figure} (n={cell.n_scored}/{cell.n_items}, misses="
                          f"{cell.misses}, judge_parse_failures={cell.judge_parse_failures})")
    for c in report.comparisons:
        d = c.paired.difference
        console.print(f"{c.benchmark} {c.a} - {c.b}: {d.estimate:+.4f} [{d.low:+.4f}, {d.high:+.4f}] "
                      f"p={c.paired.p_value:.3f} n={d.n}")
