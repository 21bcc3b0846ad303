"""The dataset card: README.md with a Hub YAML header, statistics tables, and PNG plots next to it."""

from __future__ import annotations

import logging
from pathlib import Path

import yaml

from agentinstruct.export.plots import write_plots
from agentinstruct.export.stats import ExportStats, summarize

log = logging.getLogger(__name__)

_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
          (10_000_000, "1M<n<10M"))

_LAYOUT_TEXT = {
    "skill": "One split per skill. Columns: `id`, `skill`, `subcategory`, `messages` (a list of "
             "`{role, content}`), `refinement_round`; the judgement: `score` (overall, in [0, 1]), `scores` "
             "(a list of `{criterion, score}`), `ballots` (a list of `{criterion, judge, model, score, parsed, "
             "rationale, error}`), `agreement`, `difficulty`; and `lineage`, `metadata` as JSON strings (seed "
             "id and sha256, transformation, instruction type, refinement goal, agents, models, program hash, "
             "skill file hash, parent record id, suggestion).",
    "orca": "The layout of microsoft/orca-agentinstruct-1M-v1: one split per skill category, a single "
            "column `messages` holding a JSON-encoded list of `{role, content}` led by a system turn.",
}


_INTRO = ("Synthetic post-training data generated with the `agentinstruct` package, an implementation of "
          "AgentInstruct (Mitra et al., 2024) as DSPy programs: content transformation, seed instruction "
          "generation and instruction refinement flows over raw seed documents.")
_LICENCE = ("Licence: the data inherits the terms of its seed documents and of the teacher models used (see "
            "the `models` in each record's lineage); set the `license` field accordingly.")
_QUALITY = ("Records dropped before they were written (near-duplicates by MinHash-LSH, contamination by "
            "n-gram overlap with evaluation sets):")


def size_category(n: int) -> str:
    """The Hub's size bucket for ``n`` examples."""
    return next((label for bound, label in _SIZES if n < bound), "n>10M")


def _header(stats: ExportStats, pretty_name: str, license: str, data_files: dict[str, str] | None) -> str:
    meta: dict = {
        "pretty_name": pretty_name,
        "license": license,
        "language": ["en"],
        "task_categories": ["text-generation", "question-answering"],
        "tags": ["synthetic", "agentinstruct", "instruction-tuning"],
        "size_categories": [size_category(stats.records)],
        "dataset_info": {"splits": [{"name": s, "num_examples": n}
                                    for s, n in sorted(stats.by_split.items())]},
    }
    if data_files:
        meta["configs"] = [{"config_name": "default",
                            "data_files": [{"split": s, "path": p} for s, p in data_files.items()]}]
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"


def _table(head: list[str], rows: list[list[object]]) -> list[str]:
    def fmt(v: object) -> str:
        return f"{v:.2f}" if isinstance(v, float) else str(v)

    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *("| " + " | ".join(fmt(v) for v in row) + " |" for row in rows), ""]


def _body(stats: ExportStats, pretty_name: str, plots: dict[str, str],
          quality: dict[str, int] | None) -> list[str]:
    def image(name: str, alt: str) -> list[str]:
        return [f"![{alt}]({plots[name]})", ""] if name in plots else []

    runs = f", from run(s): {', '.join(f'`{r}`' for r in stats.runs)}." if stats.runs else "."
    subcats = [[k, s, n] for (k, s), n in sorted(stats.by_subcategory.items())]
    lines = [f"# {pretty_name}", "", _INTRO, "",
             f"**{stats.records} records** in {len(stats.by_split)} splits{runs}", "", _LICENCE, "",
             "## Layout", "", _LAYOUT_TEXT[stats.layout], "",
             "## Splits", "", *_table(["split", "records"], sorted(stats.by_split.items())),
             "## Skills and subcategories", "",
             *_table(["skill", "records"], sorted(stats.by_skill.items())),
             *image("skills", "records per skill"),
             *_table(["skill", "subcategory", "records"], subcats),
             *image("subcategories", "records per subcategory"),
             "## Lengths (words per record)", ""]
    rows = [[role, *summarize([float(v) for v in vals]).values()] for role, vals in stats.lengths.items()]
    lines += _table(["turns", "n", "mean", "median", "p95", "min", "max"], rows)
    lines += _table(["non-system turns", "records"], sorted(stats.turns.items()))
    lines += image("lengths", "turn lengths")
    lines += ["## Refinement rounds", "", *_table(["round", "records"], sorted(stats.by_round.items()))]
    lines += image("refinement_rounds", "refinement rounds")
    if stats.scores:
        rows = [[name, *summarize(vals).values()] for name, vals in sorted(stats.scores.items())]
        lines += ["## Judge scores", "", *_table(["score", "n", "mean", "median", "p95", "min", "max"], rows)]
        lines += image("scores", "judge scores")
        groups = [[k, s, *summarize(v).values()] for (k, s), v in sorted(stats.overall_by_subcategory.items())]
        if groups:
            lines += ["Overall score by skill and subcategory:", "",
                      *_table(["skill", "subcategory", "n", "mean", "median", "p95", "min", "max"], groups)]
            lines += image("score_by_subcategory", "overall judge score by skill and subcategory")
        jurors = stats.jurors()
        agreement = [[name, jurors[name], "n/a (one juror)" if value is None and jurors[name] < 2
                      else "n/a" if value is None else value] for name, value in stats.agreement().items()]
        lines += ["Inter-judge agreement (Krippendorff's interval alpha between the jurors of each criterion):",
                  "", *_table(["criterion", "jurors", "alpha"], agreement)]
    if quality:
        rows = sorted(quality.items())
        lines += ["## Quality gates", "", _QUALITY, "", *_table(["reason", "records dropped"], rows)]
    return lines


def write_card(stats: ExportStats, out_dir: Path, *, pretty_name: str = "AgentInstruct synthetic data",
               license: str = "other", data_files: dict[str, str] | None = None,
               quality: dict[str, int] | None = None, plots: bool = True) -> Path:
    """Write ``out_dir/README.md`` (and ``out_dir/plots/*.png`` unless ``plots`` is False); returns its path.

    ``data_files`` maps split names to file globs relative to ``out_dir`` (the Hub's ``configs``);
    ``quality`` holds records dropped by the quality gates, by reason.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = write_plots(stats, out_dir) if plots else {}
    body = _body(stats, pretty_name, written, quality)
    text = _header(stats, pretty_name, license, data_files) + "\n" + "\n".join(body)
    path = out_dir / "README.md"
    path.write_text(text, encoding="utf-8")
    log.info("wrote the dataset card %s", path)
    return path
