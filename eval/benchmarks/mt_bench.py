"""MT-Bench (Zheng et al.): 80 two-turn questions in 8 categories, graded 1-10 by a judge.

Reads FastChat's ``data/mt_bench/question.jsonl`` (``question_id``, ``category``, ``turns``, and for
some items ``reference``). When the questions carry no references, a sibling
``reference_answer/gpt-4.jsonl`` (``question_id``, ``choices[0].turns``) supplies them. The student
answers turn 2 after its own turn-1 answer; each turn is graded (reference-guided for math, reasoning
and coding; turn 2 with the whole conversation). An item scores the mean of its parsed turn ratings.
"""

from __future__ import annotations

from pathlib import Path

from eval.benchmarks.base import BenchItem, Benchmark, ItemResult
from eval.benchmarks.files import benchmark_files, read_jsonl, require
from eval.benchmarks.registry import register
from eval.scoring.context import ScoringContext


def _references(question_file: Path) -> dict[str, list[str]]:
    ref_file = question_file.parent / "reference_answer" / "gpt-4.jsonl"
    if not ref_file.is_file():
        return {}
    refs = {}
    for lineno, row in read_jsonl(ref_file):
        require(row, ("question_id", "choices"), f"{ref_file}:{lineno}")
        refs[str(row["question_id"])] = list(row["choices"][0]["turns"])
    return refs


def load(path: Path) -> list[BenchItem]:
    """MT-Bench questions from ``question.jsonl`` (or a directory holding it), with references."""
    path = Path(path)
    items: list[BenchItem] = []
    for f in benchmark_files(path / "question.jsonl" if path.is_dir() else path, (".jsonl",)):
        refs = _references(f)
        for lineno, row in read_jsonl(f):
            require(row, ("question_id", "category", "turns"), f"{f}:{lineno}")
            qid = str(row["question_id"])
            reference = row.get("reference") or refs.get(qid)
            items.append(BenchItem(id=qid, turns=list(row["turns"]), category=row["category"],
                                   reference=list(reference) if reference else None))
    return items


def render(item: BenchItem) -> list[str]:
    """The user turns as given."""
    return item.user_turns()


def grade(item: BenchItem, answers: list[str], ctx: ScoringContext) -> ItemResult:
    """Judge every turn; the item's score is the mean of the turns whose rating parsed."""
    judge = ctx.require_turn_judge("mt_bench")
    verdicts = [judge(item, t, answers) for t in range(len(answers))]
    scores = [v.score for v in verdicts]
    parsed = [s for s in scores if s is not None]
    return ItemResult(
        id=item.id, category=item.category, student_answer=answers[-1], turn_answers=list(answers),
        score=sum(parsed) / len(parsed) if parsed else None, turn_scores=scores,
        judge_parse_failure=len(parsed) < len(scores),
        details={"explanations": [v.explanation for v in verdicts]},
    )


def summarize(results: list[ItemResult]) -> dict[str, float]:
    """Mean rating per turn over the ratings that parsed (FastChat's per-turn table)."""
    out = {}
    n_turns = max((len(r.turn_scores) for r in results), default=0)
    for t in range(n_turns):
        vals = [r.turn_scores[t] for r in results if len(r.turn_scores) > t and r.turn_scores[t] is not None]
        if vals:
            out[f"turn_{t + 1}"] = sum(vals) / len(vals)
    return out


MT_BENCH = register(Benchmark(
    name="mt_bench", kind="judged", load=load, render=render, description=__doc__.splitlines()[0],
    grade=grade, scale="rating10", summarize=summarize,
))
