"""Response correctness against a reference (the teacher's answer): the paper's extraction judges."""

from __future__ import annotations

from typing import Any

import dspy

from metrics.judge_metric import JudgeMetric, field_of
from signatures.appendix_b import GeneralVerdict, MathVerdict, MCQExtraction


class GeneralCorrectness(JudgeMetric):
    """Exact-match/span answers: 1.0 when the general extraction judge says ``Correct``.

    Fields: ``reference`` (the correct or teacher answer) and ``response`` (the student's).
    """

    signature = GeneralVerdict
    rationale_field = "error_analysis"

    def inputs(self, example: Any, pred: Any) -> dict[str, Any]:
        return {"correct_answer": field_of(example, None, "reference"),
                "student_response": field_of(None, pred, "response")}

    def to_score(self, out: dspy.Prediction, example: Any, pred: Any) -> float:
        return 1.0 if out.verdict == "Correct" else 0.0


class MathCorrectness(JudgeMetric):
    """Math word problems: 1.0 when the math judge says the final answers match.

    Fields: ``request`` (the problem), ``reference`` (the setter's solution), ``response`` (the student's).
    """

    signature = MathVerdict
    rationale_field = "error_analysis"

    def inputs(self, example: Any, pred: Any) -> dict[str, Any]:
        return {"problem": field_of(example, None, "request"),
                "reference_solution": field_of(example, None, "reference"),
                "student_answer": field_of(None, pred, "response")}

    def to_score(self, out: dspy.Prediction, example: Any, pred: Any) -> float:
        return 1.0 if out.verdict == "Correct" else 0.0


def option_letters(value: Any) -> frozenset[str]:
    """Option ids as a set of upper-case letters: ``"B"``, ``["b", "C"]``, ``"[B, C]"`` -> {"B", "C"}."""
    items = value if isinstance(value, (list, tuple, set, frozenset)) else str(value).split(",")
    return frozenset(s.strip(" []()'\"").upper() for s in items if s.strip(" []()'\""))


class MCQCorrectness(JudgeMetric):
    """Multiple choice: the MCQ extraction judge parses the chosen option(s); 1.0 when they equal the key.

    Fields: ``request`` (the question), ``options``, ``answer`` (the key, e.g. ``"B"`` or ``["B", "C"]``,
    taken from the example) and ``response`` (the student's).
    """

    signature = MCQExtraction
    rationale_field = "parsed_answer"

    def inputs(self, example: Any, pred: Any) -> dict[str, Any]:
        return {"question": field_of(example, None, "request"), "options": field_of(example, None, "options"),
                "student_response": field_of(None, pred, "response")}

    def to_score(self, out: dspy.Prediction, example: Any, pred: Any) -> float:
        return 1.0 if option_letters(out.parsed_answer) == option_letters(field_of(example, None, "answer")) else 0.0
