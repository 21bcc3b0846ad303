"""Judges over a DSPy LM: MT-Bench single grading (1-10), FoFo format correctness (0/1), and the Orca-Bench
teacher-relative rating (two answers, 0-10 each).

An output that cannot be parsed, or a rating outside its scale, is a *parse failure*: the score is
``None`` and the caller counts it; it is never scored 0. Anything with the same call shape (a plain
function in tests) can stand in for these classes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import dspy
from pydantic import BaseModel, ConfigDict

from eval.benchmarks.base import BenchItem
from eval.judge_call import JudgeCall
from signatures.eval_judges import (
    FormatCorrectness,
    MTBenchMultiTurnGrade,
    MTBenchMultiTurnReferenceGrade,
    MTBenchReferenceGrade,
    MTBenchSingleGrade,
    TeacherRelativeRating,
)

REFERENCE_CATEGORIES = frozenset({"math", "reasoning", "coding"})
"""MT-Bench categories graded against a reference answer."""


class JudgeScore(BaseModel):
    """One judge verdict: a score, or a parse failure (score ``None``)."""

    model_config = ConfigDict(extra="forbid")

    score: float | None
    parse_failure: bool = False
    explanation: str = ""


class PairScore(BaseModel):
    """Ratings of two answers shown together, in the order shown; ``None`` scores on a parse failure."""

    model_config = ConfigDict(extra="forbid")

    first: float | None
    second: float | None
    parse_failure: bool = False
    explanation: str = ""


TurnJudge = Callable[[BenchItem, int, Sequence[str]], JudgeScore]
"""``(item, turn index, the student's answers so far) -> JudgeScore`` (MT-Bench)."""
FormatJudge = Callable[[str, str], JudgeScore]
"""``(instruction, answer) -> JudgeScore`` with score 1.0 or 0.0 (FoFo)."""
PairJudge = Callable[[str, str, str], PairScore]
"""``(conversation, first answer, second answer) -> PairScore`` (Orca-Bench)."""

FAILED = JudgeScore(score=None, parse_failure=True)


def _rating(pred: dspy.Prediction | None, field: str, low: int, high: int) -> float | None:
    if pred is None:
        return None
    value = getattr(pred, field, None)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        return None
    return float(value)


def transcript(questions: Sequence[str], answers: Sequence[str], answer_label: str = "Assistant") -> str:
    """FastChat's multi-turn layout: ``### User:`` / ``### Assistant:`` blocks, in order."""
    blocks = []
    for q, a in zip(questions, answers, strict=False):
        blocks += [f"### User:\n{q}", f"### {answer_label}:\n{a}"]
    return "\n\n".join(blocks)


class MTBenchJudge:
    """MT-Bench single-answer grading; reference-guided for math, reasoning and coding items that carry
    per-turn references; turn 2 (and later) judged with the whole conversation."""

    def __init__(self, lm: dspy.BaseLM, adapter: dspy.Adapter | None = None):
        self.single = JudgeCall(MTBenchSingleGrade, lm, adapter)
        self.reference = JudgeCall(MTBenchReferenceGrade, lm, adapter)
        self.multi = JudgeCall(MTBenchMultiTurnGrade, lm, adapter)
        self.multi_reference = JudgeCall(MTBenchMultiTurnReferenceGrade, lm, adapter)

    def __call__(self, item: BenchItem, turn: int, answers: Sequence[str]) -> JudgeScore:
        """Grade the student's answer to user turn ``turn`` (0-based) of ``item``."""
        questions = item.user_turns()[: turn + 1]
        refs = item.reference if isinstance(item.reference, list) else []
        guided = item.category in REFERENCE_CATEGORIES and len(refs) > turn
        if turn == 0 and guided:
            pred = self.reference(question=questions[0], reference_answer=refs[0], answer=answers[0])
        elif turn == 0:
            pred = self.single(question=questions[0], answer=answers[0])
        elif guided:
            pred = self.multi_reference(
                reference_conversation=transcript(questions, refs, "Reference answer"),
                conversation=transcript(questions, answers[: turn + 1]),
            )
        else:
            pred = self.multi(conversation=transcript(questions, answers[: turn + 1]))
        score = _rating(pred, "rating", 1, 10)
        if score is None:
            return FAILED
        return JudgeScore(score=score, explanation=pred.explanation)


class FoFoJudge:
    """FoFo's format-correctness judge: 1.0 when the answer strictly follows the prompt's format, else 0.0."""

    def __init__(self, lm: dspy.BaseLM, adapter: dspy.Adapter | None = None):
        self.call = JudgeCall(FormatCorrectness, lm, adapter)

    def __call__(self, instruction: str, answer: str) -> JudgeScore:
        """Judge one answer."""
        pred = self.call(instruction=instruction, answer=answer)
        if pred is None or not isinstance(pred.format_correct, bool):
            return FAILED
        return JudgeScore(score=1.0 if pred.format_correct else 0.0, explanation=pred.reasons)


class TeacherRelativeJudge:
    """Orca-Bench's judge: two answers to the same final user turn, each rated 0-10."""

    def __init__(self, lm: dspy.BaseLM, adapter: dspy.Adapter | None = None):
        self.call = JudgeCall(TeacherRelativeRating, lm, adapter)

    def __call__(self, conversation: str, first: str, second: str) -> PairScore:
        """Rate ``first`` and ``second`` (in that presentation order)."""
        pred = self.call(conversation=conversation, answer_1=first, answer_2=second)
        s1, s2 = _rating(pred, "score_1", 0, 10), _rating(pred, "score_2", 0, 10)
        if s1 is None or s2 is None:
            return PairScore(first=None, second=None, parse_failure=True)
        return PairScore(first=s1, second=s2, explanation=pred.explanation)
