"""MMLU (Hendrycks et al.): 57 subjects of four-option questions.

Reads the original release (``data/test/<subject>_test.csv``: headerless rows ``question, A, B, C, D,
answer letter``; a directory of them is one benchmark, the subject taken from the file name) or the
Hugging Face ``cais/mmlu`` rows as JSONL (``question``, ``subject``, ``choices``, ``answer`` as 0-3).
"""

from __future__ import annotations

from pathlib import Path

from eval.benchmarks.base import BenchItem, Benchmark
from eval.benchmarks.choices import letter, mcq_item, render_mcq
from eval.benchmarks.files import BenchmarkFileError, benchmark_files, read_csv, read_jsonl, require
from eval.benchmarks.registry import register
from eval.extraction import patterns
from eval.scoring.exact import exact_choice


def _subject(path: Path) -> str:
    stem = path.stem
    for suffix in ("_test", "_val", "_dev"):
        stem = stem.removesuffix(suffix)
    return stem


def load(path: Path) -> list[BenchItem]:
    """MMLU items from a CSV file, a JSONL file, or a directory of either."""
    items: list[BenchItem] = []
    for f in benchmark_files(path, (".csv", ".jsonl")):
        if f.suffix == ".csv":
            for lineno, cells in read_csv(f):
                where = f"{f}:{lineno}"
                if len(cells) != 6:
                    raise BenchmarkFileError(f"{where}: expected 6 columns (question, A-D, answer)")
                items.append(mcq_item(f"{_subject(f)}-{lineno}", cells[0], cells[1:5],
                                      letter(cells[5], 4, where), _subject(f)))
        else:
            for lineno, row in read_jsonl(f):
                where = f"{f}:{lineno}"
                require(row, ("question", "choices", "answer"), where)
                subject = str(row.get("subject") or _subject(f))
                items.append(mcq_item(str(row.get("id", f"{subject}-{lineno}")), row["question"],
                                      row["choices"], letter(row["answer"], len(row["choices"]), where),
                                      subject))
    return items


MMLU = register(Benchmark(
    name="mmlu", kind="mcq", load=load, render=render_mcq, description=__doc__.splitlines()[0],
    extract=patterns.mcq, llm_fallback="mcq", compare=exact_choice,
))
