"""GPQA (Rein et al.): graduate-level, "Google-proof" four-option science questions.

Reads the released CSV (``gpqa_diamond.csv`` / ``gpqa_main.csv``, with a header row: ``Question``,
``Correct Answer``, ``Incorrect Answer 1``-``3``, ``Record ID``, ``High-level domain``). The file gives the
correct answer apart from the distractors, so the options are shuffled per question with an RNG seeded
by the record id: the same file always yields the same option order.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from eval.benchmarks.base import BenchItem, Benchmark
from eval.benchmarks.choices import LETTERS, mcq_item, render_mcq
from eval.benchmarks.files import benchmark_files, require
from eval.benchmarks.registry import register
from eval.extraction import patterns
from eval.scoring.exact import exact_choice

_FIELDS = ("Question", "Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3")


def load(path: Path) -> list[BenchItem]:
    """GPQA items from a CSV file or a directory of them."""
    items: list[BenchItem] = []
    for f in benchmark_files(path, (".csv",)):
        with open(f, encoding="utf-8", newline="") as fh:
            for lineno, row in enumerate(csv.DictReader(fh), start=2):
                require(row, _FIELDS, f"{f}:{lineno}")
                rid = row.get("Record ID") or f"{f.stem}-{lineno}"
                options = [row[k].strip() for k in _FIELDS[1:]]
                order = list(range(4))
                random.Random(f"gpqa:{rid}").shuffle(order)
                items.append(mcq_item(rid, row["Question"], [options[i] for i in order],
                                      LETTERS[order.index(0)], row.get("High-level domain") or "all"))
    return items


GPQA = register(Benchmark(
    name="gpqa", kind="mcq", load=load, render=render_mcq, description=__doc__.splitlines()[0],
    extract=patterns.mcq, llm_fallback="mcq", compare=exact_choice,
))
