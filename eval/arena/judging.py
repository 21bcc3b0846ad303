"""Arena judges over a DSPy LM: one call compares two answers in one order (a five-level label, or a 1-10
score per answer); another rates an instruction's difficulty (0-10).

The outputs are typed fields (the adapter parses them); an output the adapter cannot parse, or a score
outside its scale, is a typed failure (``parse``, ``out_of_range``) that the caller keeps and counts,
never a default verdict. Errors of the LM itself (network, budget) propagate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import dspy

from eval.arena.verdicts import LABELS, Label
from eval.judge_call import JudgeCall
from signatures.arena import ArenaScores, ArenaVerdict, InstructionDifficulty

Mode = Literal["label", "score"]
SCORE_RANGE = (1, 10)
DIFFICULTY_RANGE = (0, 10)


@dataclass(frozen=True)
class Judgement:
    """One judge call: a ``label`` or ``scores`` (A, B), or a ``failure`` reason; the judge's explanation."""

    label: Label | None = None
    scores: tuple[float, float] | None = None
    failure: str | None = None
    explanation: str = ""


def _in_range(value: object, low: int, high: int) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        return None
    return float(value)


class PairJudge:
    """``ArenaVerdict`` (``mode="label"``) or ``ArenaScores`` (``mode="score"``) on ``lm``."""

    def __init__(self, lm: dspy.BaseLM, mode: Mode = "label", adapter: dspy.Adapter | None = None):
        if mode not in ("label", "score"):
            raise ValueError(f"mode is 'label' or 'score', got {mode!r}")
        self.mode = mode
        self.call = JudgeCall(ArenaVerdict if mode == "label" else ArenaScores, lm, adapter)

    def __call__(self, request: str, answer_a: str, answer_b: str) -> Judgement:
        """Judge ``answer_a`` (position A) against ``answer_b`` (position B)."""
        pred = self.call(request=request, answer_a=answer_a, answer_b=answer_b)
        if pred is None:
            return Judgement(failure="parse")
        explanation = str(getattr(pred, "explanation", "") or "")
        if self.mode == "label":
            label = getattr(pred, "label", None)
            if label not in LABELS:
                return Judgement(failure="no_label", explanation=explanation)
            return Judgement(label=label, explanation=explanation)
        a = _in_range(getattr(pred, "score_a", None), *SCORE_RANGE)
        b = _in_range(getattr(pred, "score_b", None), *SCORE_RANGE)
        if a is None or b is None:
            return Judgement(failure="out_of_range", explanation=explanation)
        return Judgement(scores=(a, b), explanation=explanation)


class DifficultyJudge:
    """``InstructionDifficulty`` on ``lm``: a rating in [0, 10], or ``None`` when unparsed (counted)."""

    def __init__(self, lm: dspy.BaseLM, adapter: dspy.Adapter | None = None):
        self.call = JudgeCall(InstructionDifficulty, lm, adapter)

    def __call__(self, request: str) -> float | None:
        """The difficulty of ``request``."""
        pred = self.call(request=request)
        return None if pred is None else _in_range(getattr(pred, "difficulty", None), *DIFFICULTY_RANGE)
