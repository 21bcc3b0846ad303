"""Rendering of run summaries for the terminal (and for a pipe or a file: see ``make_console``)."""

from __future__ import annotations

import os
import sys

from rich.console import Console
from rich.table import Table

from core.judging_summary import HISTOGRAM_BINS, JudgingSummary
from core.summary import RunSummary

PIPED_WIDTH = 1000
"""The width output gets when it is not a terminal: tables as wide as their contents, nothing cut."""


def make_console(stderr: bool = False) -> Console:
    """A console for the CLI: a terminal's own width; piped or redirected (not a terminal, no ``COLUMNS``),
    wide enough that no table cell or line is cut at 80 columns (rich's default off a terminal)."""
    stream = sys.stderr if stderr else sys.stdout
    terminal = bool(getattr(stream, "isatty", lambda: False)())
    width = None if terminal or os.environ.get("COLUMNS") else PIPED_WIDTH
    return Console(stderr=stderr, width=width)


console = make_console()


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
    if summary.judging is not None:
        print_judging(summary.judging)
    if summary.rejections_by_skill:
        console.print(_counts("of which items refused by checks (tests, API schemas, web actions)",
                              summary.rejections_by_skill))
    for title, usage_map in (("model", summary.usage_by_model), ("role", summary.usage_by_role),
                             ("skill", summary.usage_by_skill)):
        if not usage_map:
            continue
        table = Table(title=f"LLM usage by {title}", show_lines=False)
        for col in (title, "calls", "prompt tokens", "completion tokens", "cost $"):
            table.add_column(col, justify="left" if col == title else "right",
                             overflow="fold" if col == title else "ellipsis")
        for name, usage in sorted(usage_map.items()):
            table.add_row(name, str(usage.calls), str(usage.prompt_tokens), str(usage.completion_tokens),
                          f"{usage.cost_usd:.4f}")
        console.print(table)
    if summary.unpriced_models:
        console.print(f"no price known for {', '.join(summary.unpriced_models)} (set budget.prices in the config)")
    if summary.batch:
        b = summary.batch
        console.print(f"batch: {int(b.get('requests_sent', 0))} requests in {int(b.get('batches_sent', 0))} batches "
                      f"({int(b.get('resumed_batches', 0))} resumed), {int(b.get('answers_read', 0))} answers read, "
                      f"{int(b.get('resent', 0))} sent again, {int(b.get('failed', 0))} failed; list price "
                      f"${b.get('list_cost_usd', 0.0):.4f}, batch discount ${b.get('discount_usd', 0.0):.4f}")
    console.print(f"LLM calls: {summary.llm_calls}  tokens: {summary.tokens}  elapsed: {summary.elapsed_s:.1f}s")
    if summary.torn_lines_repaired or summary.orphan_lines_dropped:
        console.print(f"repaired torn files: {summary.torn_lines_repaired}  "
                      f"dropped lines of uncommitted units: {summary.orphan_lines_dropped}")
    if summary.stopped_early:
        console.print(f"[yellow]stopped early: {summary.stopped_early} - continue with "
                      f"`agentinstruct generate --resume {summary.run_dir}`[/yellow]")


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def histogram_line(counts: list[int]) -> str:
    """A score histogram as ``[0.0,0.1)=n ...`` (the last bin includes 1.0)."""
    width = 1 / HISTOGRAM_BINS
    return " ".join(f"{i * width:.1f}-{(i + 1) * width:.1f}:{n}" for i, n in enumerate(counts))


def print_judging(js: JudgingSummary) -> None:
    """Print the judging stage: kept and refused items, refusals by skill and criterion, histograms,
    failed ballots, agreement, refinement difficulty, preference pairs and calibration."""
    console.print(f"judged items: {js.judged}  kept: {js.kept}  refused by judges: {js.refused_by_judges}  "
                  f"refused by checks: {js.refused_by_checks}")
    console.print("  " + _counts("refusals by skill/criterion", js.refusals))
    for name, counts in sorted(js.histogram.items()):
        console.print(f"  score histogram {name}: {histogram_line(counts)}")
    console.print(f"  ballots: {js.ballots}  failed (unparsed or failed calls, never scored): {js.failed_ballots}"
                  + "".join(f"  {k}={v}" for k, v in sorted(js.failed_ballots_by_judge.items())))
    if js.agreement:
        console.print("  inter-judge agreement (alpha): "
                      + ", ".join(f"{k}={_share(v)}" for k, v in sorted(js.agreement.items())))
    for title, stats in (("refinement by skill/goal", js.refinement), ("refinement by round", js.refinement_by_round)):
        for key, st in sorted(stats.items()):
            console.print(f"  {title} {key}: refined={st.refined} answerable={st.answerable} rated={st.rated} "
                          f"harder_share={_share(st.harder_share)} mean_difficulty={_share(st.mean_difficulty)}"
                          + (f" faithful={st.faithful}/{st.faithful_rated}" if st.faithful_rated else ""))
    console.print(f"  preference pairs: {js.preference_pairs}  position flips: {js.position_flips}")
    if js.calibration:
        console.print("  judge accuracy on the calibration file: "
                      + ", ".join(f"{k}={_share(v)}" for k, v in sorted(js.calibration.items())))
