"""ARC (AI2 Reasoning Challenge): grade-school science questions, Easy and Challenge sets.

Reads AI2's JSONL release (``ARC-Challenge-Test.jsonl``: ``id``, ``question.stem``,
``question.choices[{text, label}]``, ``answerKey``) and the Hugging Face ``allenai/ai2_arc`` rows
(``question`` a string, ``choices{text[], label[]}``). Labels may be digits ("1"-"4"); options are
relabelled A, B, ... in file order. The category is the file name without its split.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.benchmarks.base import BenchItem, Benchmark
from eval.benchmarks.choices import LETTERS, mcq_item, render_mcq
from eval.benchmarks.files import BenchmarkFileError, benchmark_files, read_jsonl, require
from eval.benchmarks.registry import register
from eval.extraction import patterns
from eval.scoring.exact import exact_choice


def _category(path: Path) -> str:
    stem = path.stem
    for split in ("-Test", "-Dev", "-Train", "_test", "_validation", "_train"):
        stem = stem.removesuffix(split)
    return stem


def _choices(row: dict[str, Any], where: str) -> tuple[str, list[str], list[str]]:
    question = row["question"]
    if isinstance(question, dict):
        require(question, ("stem", "choices"), where)
        options = question["choices"]
        return question["stem"], [o["text"] for o in options], [str(o["label"]) for o in options]
    require(row, ("choices",), where)
    return question, list(row["choices"]["text"]), [str(x) for x in row["choices"]["label"]]


def load(path: Path) -> list[BenchItem]:
    """ARC items from a JSONL file or a directory of them."""
    items: list[BenchItem] = []
    for f in benchmark_files(path, (".jsonl",)):
        for lineno, row in read_jsonl(f):
            where = f"{f}:{lineno}"
            require(row, ("question", "answerKey"), where)
            stem, texts, labels = _choices(row, where)
            key = str(row["answerKey"]).strip()
            if key not in labels:
                raise BenchmarkFileError(f"{where}: answerKey {key!r} is not one of the labels {labels}")
            items.append(mcq_item(str(row.get("id", f"{f.stem}-{lineno}")), stem, texts,
                                  LETTERS[labels.index(key)], _category(f), original_labels=labels))
    return items


ARC = register(Benchmark(
    name="arc", kind="mcq", load=load, render=render_mcq, description=__doc__.splitlines()[0],
    extract=patterns.mcq, llm_fallback="mcq", compare=exact_choice,
))
