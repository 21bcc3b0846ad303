"""FoFo (Xia et al.): domain-specific format following (JSON, CSV, XML, YAML, Markdown, ...), judged.

Reads Salesforce's ``data/fofo_test_prompts.json`` (a list of ``id``, ``domain``, ``sub_domain``,
``format``, ``format_type``, ``instruction``) or the same rows as JSONL. A judge decides whether the answer
strictly follows the required format (1) or not (0); the score is the share that do. Categories are the
formats.
"""

from __future__ import annotations

from pathlib import Path

from eval.benchmarks.base import BenchItem, Benchmark, ItemResult
from eval.benchmarks.files import benchmark_files, read_rows, require
from eval.benchmarks.registry import register
from eval.scoring.context import ScoringContext


def load(path: Path) -> list[BenchItem]:
    """FoFo prompts from a JSON list or a JSONL file."""
    items: list[BenchItem] = []
    for f in benchmark_files(path, (".json", ".jsonl")):
        for i, row in read_rows(f):
            require(row, ("instruction",), f"{f}: item {i}")
            items.append(BenchItem(
                id=str(row.get("id", f"{f.stem}-{i}")), prompt=row["instruction"],
                category=str(row.get("format") or "all"),
                metadata={k: row[k] for k in ("domain", "sub_domain", "format_type") if k in row},
            ))
    return items


def render(item: BenchItem) -> list[str]:
    """The instruction as given."""
    return [item.prompt or ""]


def grade(item: BenchItem, answers: list[str], ctx: ScoringContext) -> ItemResult:
    """1.0 when the judge finds the format strictly followed, 0.0 when not, unscored when unparseable."""
    verdict = ctx.require_format_judge("fofo")(item.prompt or "", answers[-1])
    return ItemResult(id=item.id, category=item.category, student_answer=answers[-1], score=verdict.score,
                      judge_parse_failure=verdict.parse_failure, details={"reasons": verdict.explanation})


FOFO = register(Benchmark(
    name="fofo", kind="judged", load=load, render=render, description=__doc__.splitlines()[0],
    grade=grade,
))
