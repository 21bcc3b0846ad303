"""DROP (Dua et al.): discrete reasoning over paragraphs; answers are numbers, dates or text spans.

Reads the Hugging Face ``ucinlp/drop`` rows as JSONL (``section_id``, ``query_id``, ``passage``,
``question``, ``answers_spans{spans[], types[]}``); an optional ``validated_answers`` list (as in the
original release, each ``{spans[], ...}``) adds alternative gold answers. Scored by DROP's F1; the
category is the answer type (``number``, ``date``, ``span``, ``spans``).
"""

from __future__ import annotations

from pathlib import Path

from eval.benchmarks.base import BenchItem, Benchmark
from eval.benchmarks.files import BenchmarkFileError, benchmark_files, read_jsonl, require
from eval.benchmarks.registry import register
from eval.extraction import patterns
from eval.scoring.drop_f1 import drop_f1

INSTRUCTION = 'Answer the question using the passage. End with "Answer: <answer>".'


def load(path: Path) -> list[BenchItem]:
    """DROP items from a JSONL file (or a directory of them)."""
    items: list[BenchItem] = []
    for f in benchmark_files(path, (".jsonl",)):
        for lineno, row in read_jsonl(f):
            where = f"{f}:{lineno}"
            require(row, ("passage", "question", "answers_spans"), where)
            spans = list(row["answers_spans"].get("spans") or [])
            if not spans:
                raise BenchmarkFileError(f"{where}: answers_spans has no spans")
            types = list(row["answers_spans"].get("types") or [])
            category = "spans" if len(spans) > 1 else (types[0] if types else "span")
            alternatives = [list(v["spans"]) for v in row.get("validated_answers") or [] if v.get("spans")]
            items.append(BenchItem(
                id=str(row.get("query_id", f"{f.stem}-{lineno}")),
                prompt=f"{row['passage'].strip()}\n\nQuestion: {row['question'].strip()}",
                reference=spans, category=category, metadata={"alternatives": alternatives},
            ))
    return items


def render(item: BenchItem) -> list[str]:
    """Passage, question and the answer-format instruction."""
    return [f"{item.prompt}\n\n{INSTRUCTION}"]


DROP = register(Benchmark(
    name="drop", kind="span", load=load, render=render, description=__doc__.splitlines()[0],
    extract=patterns.span, llm_fallback="general", compare=drop_f1,
))
