"""Format following: does the response strictly follow the format its request specifies (FoFo-style 0/1)?"""

from __future__ import annotations

from typing import Any

import dspy

from metrics.judge_metric import JudgeMetric, field_of


class JudgeFormat(dspy.Signature):
    """You are a strict judge of format following. Read the request and identify every formatting
    requirement it states: structure, sections, order, length, casing, markup, data format, fields and
    their types. Then check the response against each requirement. The response follows the format only
    if it meets every requirement exactly; its content does not matter here."""

    request: str = dspy.InputField(desc="The request, with its formatting requirements.")
    response: str = dspy.InputField(desc="The response being judged.")
    rationale: str = dspy.OutputField(desc="Each requirement and whether the response meets it.")
    follows_format: bool = dspy.OutputField(desc="Whether the response meets every formatting requirement.")


class FormatFollowing(JudgeMetric):
    """1.0 when the jury finds every formatting requirement of ``request`` met by ``response``."""

    signature = JudgeFormat

    def inputs(self, example: Any, pred: Any) -> dict[str, Any]:
        return {"request": field_of(example, pred, "request"), "response": field_of(example, pred, "response")}

    def to_score(self, out: dspy.Prediction, example: Any, pred: Any) -> float:
        return 1.0 if out.follows_format else 0.0
