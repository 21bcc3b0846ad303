"""BIG-Bench Hard (Suzgun et al.): 23 hard BIG-Bench tasks, one JSON file per task.

Reads the released ``bbh/<task>.json`` files: ``{"examples": [{"input", "target"}, ...]}``; a directory
of them is one benchmark with the task as category. Answers are short (``(A)``, ``True``, ``valid``,
a number, a word sequence) and scored by exact match after normalisation.
"""

from __future__ import annotations

from pathlib import Path

from eval.benchmarks.base import BenchItem, Benchmark
from eval.benchmarks.files import BenchmarkFileError, benchmark_files, read_json, require
from eval.benchmarks.registry import register
from eval.extraction import patterns
from eval.scoring.exact import exact_text

INSTRUCTION = 'Think step by step, then finish with "So the answer is <answer>."'


def load(path: Path) -> list[BenchItem]:
    """BBH items from a task file or a directory of task files."""
    items: list[BenchItem] = []
    for f in benchmark_files(path, (".json",)):
        doc = read_json(f)
        if not isinstance(doc, dict) or not isinstance(doc.get("examples"), list):
            raise BenchmarkFileError(f"{f}: expected {{\"examples\": [...]}}")
        for i, row in enumerate(doc["examples"]):
            require(row, ("input", "target"), f"{f}: example {i}")
            items.append(BenchItem(id=f"{f.stem}-{i}", prompt=row["input"].strip(),
                                   reference=str(row["target"]).strip(), category=f.stem))
    return items


def render(item: BenchItem) -> list[str]:
    """The task input and the answer-format instruction."""
    return [f"{item.prompt}\n\n{INSTRUCTION}"]


BBH = register(Benchmark(
    name="bbh", kind="span", load=load, render=render, description=__doc__.splitlines()[0],
    extract=patterns.bbh, llm_fallback="general", compare=exact_text,
))
