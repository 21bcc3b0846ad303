"""``agentinstruct report RUN``: what a run produced, and what failed, by stage and reason (or ``--json``)."""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Annotated

import typer

from agentinstruct.cli_commands.render import console, print_judging, print_summary
from agentinstruct.engine.judging_report import judging_summary
from agentinstruct.engine.ledger import Ledger
from core.summary import RunSummary


def run_report(run: Path) -> dict:
    """A run's report as plain data: its last summary, units by status, failures by (stage, reason) and the
    judging stage recomputed from its files (all invocations)."""
    summary_path = run / "summary.json"
    summary = None
    if summary_path.is_file():
        summary = RunSummary.model_validate_json(summary_path.read_text(encoding="utf-8"))
        summary.judging = None  # recomputed below from the run's files (all invocations)
    ledger = Ledger(run / "ledger.sqlite")
    try:
        units = dict(sorted(ledger.counts().items()))
    finally:
        ledger.close()
    by: collections.Counter = collections.Counter()
    failures = run / "failures.jsonl"
    if failures.is_file():
        with open(failures, encoding="utf-8") as fh:
            for line in fh:
                item = json.loads(line)
                by[(item["stage"], item["reason"])] += 1
    judging = judging_summary(run) if (run / "data").is_dir() else None
    return {"summary": summary, "units_by_status": units,
            "failures": [{"stage": s, "reason": r, "count": n} for (s, r), n in sorted(by.items())],
            "judging": judging}


def report(
    run: Annotated[Path, typer.Argument(help="A run directory.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object instead.")] = False,
) -> None:
    """Show a run's last summary, its units by status, its failures by stage and reason, and its judging
    stage: refusals by skill and criterion, score histograms, agreement, refinement difficulty."""
    if not (run / "ledger.sqlite").is_file():
        raise typer.BadParameter(f"{run}: not a run directory (no ledger.sqlite)")
    data = run_report(run)
    if as_json:
        plain = {key: value.model_dump(mode="json") if hasattr(value, "model_dump") else value
                 for key, value in data.items()}
        typer.echo(json.dumps(plain, indent=2))
        return
    if data["summary"] is not None:
        print_summary(data["summary"])
    console.print("units by status: " + ", ".join(f"{k}={v}" for k, v in data["units_by_status"].items()))
    console.print("failures by (stage, reason): "
                  + (", ".join(f"{f['stage']}/{f['reason']}={f['count']}" for f in data["failures"]) or "none"))
    if data["judging"] is not None:
        print_judging(data["judging"])
