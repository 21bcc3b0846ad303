"""GSM8K (Cobbe et al.): grade-school math word problems with a numeric answer.

Reads the released JSONL (``test.jsonl``: ``question``, ``answer`` = worked solution ending
``#### <number>``). The reference is the number after ``####``; the full solution goes to the math
judge when the regex finds no number.
"""

from __future__ import annotations

import re
from pathlib import Path

from eval.benchmarks.base import BenchItem, Benchmark
from eval.benchmarks.files import BenchmarkFileError, benchmark_files, read_jsonl, require
from eval.benchmarks.registry import register
from eval.extraction import patterns
from eval.scoring.exact import exact_number, normalize_number

INSTRUCTION = 'Solve the problem step by step. End your answer with "The answer is N", N being a number.'

_FINAL = re.compile(r"####\s*(.+?)\s*$")


def load(path: Path) -> list[BenchItem]:
    """GSM8K items from a JSONL file (or a directory of them)."""
    items: list[BenchItem] = []
    for f in benchmark_files(path, (".jsonl",)):
        for lineno, row in read_jsonl(f):
            where = f"{f}:{lineno}"
            require(row, ("question", "answer"), where)
            found = _FINAL.search(row["answer"])
            number = normalize_number(found.group(1)) if found else None
            if number is None:
                raise BenchmarkFileError(f"{where}: answer does not end with '#### <number>'")
            items.append(BenchItem(id=str(row.get("id", f"{f.stem}-{lineno}")), prompt=row["question"].strip(),
                                   reference=number, category="all", metadata={"solution": row["answer"]}))
    return items


def render(item: BenchItem) -> list[str]:
    """The problem and the answer-format instruction."""
    return [f"{item.prompt}\n\n{INSTRUCTION}"]


GSM8K = register(Benchmark(
    name="gsm8k", kind="math", load=load, render=render, description=__doc__.splitlines()[0],
    extract=patterns.number, llm_fallback="math", compare=exact_number,
))
