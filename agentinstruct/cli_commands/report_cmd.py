"""``agentinstruct report RUN``: what a run produced, and what failed, by stage and reason."""

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


def report(run: Annotated[Path, typer.Argument(help="A run directory.")]) -> None:
    """Show a run's last summary, its units by status, its failures by stage and reason, and its judging
    stage: refusals by skill and criterion, score histograms, agreement, refinement difficulty."""
    if not (run / "ledger.sqlite").is_file():
        raise typer.BadParameter(f"{run}: not a run directory (no ledger.sqlite)")
    summary_path = run / "summary.json"
    if summary_path.is_file():
        summary = RunSummary.model_validate_json(summary_path.read_text(encoding="utf-8"))
        summary.judging = None  # recomputed below from the run's files (all invocations)
        print_summary(summary)
    ledger = Ledger(run / "ledger.sqlite")
    try:
        console.print("units by status: " + ", ".join(f"{k}={v}" for k, v in sorted(ledger.counts().items())))
    finally:
        ledger.close()
    failures = run / "failures.jsonl"
    by = collections.Counter()
    if failures.is_file():
        with open(failures, encoding="utf-8") as fh:
            for line in fh:
                item = json.loads(line)
                by[(item["stage"], item["reason"])] += 1
    console.print("failures by (stage, reason): "
                  + (", ".join(f"{s}/{r}={n}" for (s, r), n in sorted(by.items())) or "none"))
    if (run / "data").is_dir():
        print_judging(judging_summary(run))
