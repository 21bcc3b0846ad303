"""Rendering of run summaries for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from core.summary import RunSummary

console = Console()


def _counts(title: str, counts: dict[str, int]) -> str:
    if not counts:
        return f"{title}: none"
    return f"{title}: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def print_summary(summary: RunSummary) -> None:
    """Print a run summary: where the data went, records, rejects, failures, calls and tokens."""
    console.print(f"[bold]data:[/bold] {summary.data_dir}")
    console.print(f"records written: {summary.records_written} (run total {summary.records_total})"
                  + "".join(f"  {k}={v}" for k, v in sorted(summary.records_by_skill.items())))
    console.print(f"seeds loaded: {summary.seeds_loaded}  rejected: {summary.seeds_rejected}  "
                  f"(see {summary.run_dir}/rejects.jsonl)")
    if summary.rejects_by_reason:
        console.print("  " + _counts("rejects by reason", summary.rejects_by_reason))
    console.print(f"units done: {summary.units_done}  failed: {summary.units_failed}  "
                  f"skipped (already committed): {summary.units_skipped}  incomplete: {summary.units_incomplete}")
    console.print(_counts("failures by reason", summary.failures_by_reason))
    console.print(_counts("records dropped by quality gates", summary.quality_drops))
    console.print(_counts("failures by stage", summary.failures_by_stage))
    if summary.rejections_by_skill:
        console.print(_counts("of which items refused by checks (tests, API schemas, web actions)",
                              summary.rejections_by_skill))
    for title, usage_map in (("model", summary.usage_by_model), ("role", summary.usage_by_role),
                             ("skill", summary.usage_by_skill)):
        if not usage_map:
            continue
        table = Table(title=f"LLM usage by {title}", show_lines=False)
        for col in (title, "calls", "prompt tokens", "completion tokens", "cost $"):
            table.add_column(col, justify="left" if col == title else "right")
        for name, usage in sorted(usage_map.items()):
            table.add_row(name, str(usage.calls), str(usage.prompt_tokens), str(usage.completion_tokens),
                          f"{usage.cost_usd:.4f}")
        console.print(table)
    if summary.unpriced_models:
        console.print(f"no price known for {', '.join(summary.unpriced_models)} (set budget.prices in the config)")
    console.print(f"LLM calls: {summary.llm_calls}  tokens: {summary.tokens}  elapsed: {summary.elapsed_s:.1f}s")
    if summary.torn_lines_repaired or summary.orphan_lines_dropped:
        console.print(f"repaired torn files: {summary.torn_lines_repaired}  "
                      f"dropped lines of uncommitted units: {summary.orphan_lines_dropped}")
    if summary.stopped_early:
        console.print(f"[yellow]stopped early: {summary.stopped_early} - continue with "
                      f"`agentinstruct generate --resume {summary.run_dir}`[/yellow]")
