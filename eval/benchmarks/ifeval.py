"""IFEval (Zhou et al.): prompts with verifiable instructions ("answer in under 100 words", "no commas").

Reads the released ``input_data.jsonl`` (``key``, ``prompt``, ``instruction_id_list``, ``kwargs``) and
checks answers with ``if_verifiable``'s IFEval checkers (the authors' code, packaged; no network). The
item score is prompt-level strict accuracy (every instruction followed); loose and instruction-level
figures are in each item's details and the benchmark's extra figures. The sentence-count checker needs
NLTK's ``punkt`` data; without it those items are left unscored with a hint.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from eval.benchmarks.base import BenchItem, Benchmark, ItemResult
from eval.benchmarks.files import BenchmarkFileError, benchmark_files, read_jsonl, require
from eval.benchmarks.registry import register
from eval.optional import require as require_module
from eval.scoring.context import ScoringContext

log = logging.getLogger(__name__)

PUNKT_HINT = "python -m nltk.downloader punkt"


def _known_instructions() -> set[str]:
    registry = require_module("if_verifiable.ifeval.instructions_registry")
    return set(registry.INSTRUCTION_DICT)


def load(path: Path) -> list[BenchItem]:
    """IFEval items from a JSONL file; unknown instruction ids are an error (the checker would skip them)."""
    known = _known_instructions()
    items: list[BenchItem] = []
    for f in benchmark_files(path, (".jsonl",)):
        for lineno, row in read_jsonl(f):
            where = f"{f}:{lineno}"
            require(row, ("key", "prompt", "instruction_id_list", "kwargs"), where)
            ids, kwargs = list(row["instruction_id_list"]), list(row["kwargs"])
            if len(ids) != len(kwargs):
                raise BenchmarkFileError(f"{where}: {len(ids)} instructions but {len(kwargs)} kwargs")
            unknown = [i for i in ids if i not in known]
            if unknown:
                raise BenchmarkFileError(f"{where}: unknown instruction id(s) {', '.join(unknown)}")
            items.append(BenchItem(
                id=str(row["key"]), prompt=row["prompt"], category=ids[0].split(":")[0] if ids else "none",
                metadata={"key": row["key"], "instruction_id_list": ids, "kwargs": kwargs},
            ))
    return items


def render(item: BenchItem) -> list[str]:
    """The prompt as given."""
    return [item.prompt or ""]


def grade(item: BenchItem, answers: list[str], ctx: ScoringContext) -> ItemResult:
    """Strict prompt-level accuracy, with loose and per-instruction results in ``details``."""
    api = require_module("if_verifiable")
    m: dict[str, Any] = item.metadata
    sample = api.IFEvalSample(key=m["key"], prompt=item.prompt or "", instruction_id_list=m["instruction_id_list"],
                              kwargs=m["kwargs"])
    base = {"id": item.id, "category": item.category, "student_answer": answers[-1]}
    try:
        results, scores = api.evaluate_output_for_sample("ifeval", sample, answers[-1])
    except LookupError as exc:
        log.warning("ifeval %s: a checker needs NLTK data (%s); install it with: %s",
                    item.id, str(exc).splitlines()[0] if str(exc) else "LookupError", PUNKT_HINT)
        return ItemResult(**base, score=None, miss_reason=f"checker_unavailable: run {PUNKT_HINT}")
    details = {
        "strict": scores.binary_strict, "loose": scores.binary_loose,
        "instructions": len(m["instruction_id_list"]),
        "instructions_followed_strict": sum(r.strict_pass for r in results),
        "instructions_followed_loose": sum(r.loose_pass for r in results),
        "per_instruction": [{"id": r.instruction_id, "strict": r.strict_pass, "loose": r.loose_pass}
                            for r in results],
    }
    return ItemResult(**base, score=float(scores.binary_strict), details=details)


def summarize(results: list[ItemResult]) -> dict[str, float]:
    """Prompt-level loose accuracy and instruction-level strict/loose accuracy."""
    scored = [r for r in results if r.score is not None]
    if not scored:
        return {}
    n_inst = sum(r.details["instructions"] for r in scored) or 1
    return {
        "prompt_level_strict": sum(r.details["strict"] for r in scored) / len(scored),
        "prompt_level_loose": sum(r.details["loose"] for r in scored) / len(scored),
        "instruction_level_strict": sum(r.details["instructions_followed_strict"] for r in scored) / n_inst,
        "instruction_level_loose": sum(r.details["instructions_followed_loose"] for r in scored) / n_inst,
    }


IFEVAL = register(Benchmark(
    name="ifeval", kind="ifeval", load=load, render=render, description=__doc__.splitlines()[0],
    grade=grade, summarize=summarize,
))
