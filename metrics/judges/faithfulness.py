"""Faithfulness to the source: the paper's hallucination judge (Appendix B) over a request and response."""

from __future__ import annotations

from typing import Any

import dspy

from metrics.judge_metric import JudgeMetric, field_of
from signatures.appendix_b import HallucinationJudge


class Faithfulness(JudgeMetric):
    """1.0 when the jury finds no hallucination in the response, 0.0 when it finds one.

    The source text travels in the request (``request``: the user message with its passage or article;
    or ``source`` plus ``request``); the judged text is ``response``.
    """

    signature = HallucinationJudge
    rationale_field = "analysis"

    def inputs(self, example: Any, pred: Any) -> dict[str, Any]:
        request = field_of(example, pred, "request")
        source = field_of(example, None, "source", None)
        task = f"Article:\n{source}\n\n{request}" if source else request
        return {"summary_task": task, "generated_summary": field_of(example, pred, "response")}

    def to_score(self, out: dspy.Prediction, example: Any, pred: Any) -> float:
        return 0.0 if out.hallucination_detected else 1.0
