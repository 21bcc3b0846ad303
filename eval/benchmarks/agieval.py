"""AGIEval (Zhong et al.): standardised-exam questions (LSAT, SAT, Gaokao, ...), one JSONL file per task.

Rows: ``passage`` (or null), ``question``, ``options`` as ``"(A)text"`` strings, ``label`` (a letter, or a
list of letters for multi-answer tasks), ``answer``. The category is the file name (``lsat-rc``, ...).
Cloze tasks (no options: ``math``, ``gaokao-mathcloze``) are not multiple choice; their rows are skipped
and counted in the log.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from eval.benchmarks.base import BenchItem, Benchmark
from eval.benchmarks.choices import letter, mcq_item, render_mcq
from eval.benchmarks.files import benchmark_files, read_jsonl, require
from eval.benchmarks.registry import register
from eval.extraction import patterns
from eval.scoring.exact import exact_choice

log = logging.getLogger(__name__)

_LABEL_PREFIX = re.compile(r"^\s*\(?[A-J]\)\s*|^\s*[A-J][.:]\s+")


def load(path: Path) -> list[BenchItem]:
    """AGIEval multiple-choice items from a JSONL file or a directory of per-task files."""
    items: list[BenchItem] = []
    skipped = 0
    for f in benchmark_files(path, (".jsonl",)):
        for lineno, row in read_jsonl(f):
            where = f"{f}:{lineno}"
            require(row, ("question",), where)
            options = row.get("options") or []
            if not options or row.get("label") in (None, "", []):
                skipped += 1
                continue
            texts = [_LABEL_PREFIX.sub("", str(o), count=1) for o in options]
            labels = row["label"] if isinstance(row["label"], list) else [row["label"]]
            answer = "".join(sorted(letter(x, len(texts), where) for x in labels))
            passage = (row.get("passage") or "").strip()
            question = f"{passage}\n\n{row['question']}" if passage else row["question"]
            items.append(mcq_item(f"{f.stem}-{lineno}", question, texts, answer, f.stem))
    if skipped:
        log.info("agieval: skipped %d rows without options (cloze tasks)", skipped)
    return items


AGIEVAL = register(Benchmark(
    name="agieval", kind="mcq", load=load, render=render_mcq, description=__doc__.splitlines()[0],
    extract=patterns.mcq, llm_fallback="mcq", compare=exact_choice,
))
