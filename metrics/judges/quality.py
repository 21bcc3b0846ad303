"""Item quality: the generic rubric judge (``signatures.JudgeQuality``) over a request and its response."""

from __future__ import annotations

from typing import Any

import dspy

from metrics.judge_metric import RubricJudgeMetric, field_of, scale_1_10
from signatures import JudgeQuality


class ItemQuality(RubricJudgeMetric):
    """How well a (request, response) pair meets a rubric, 1-10 scaled to [0, 1].

    Reads ``request`` and ``response`` from the prediction (or the example) and ``rubric`` from the
    example unless one is fixed here.
    """

    signature = JudgeQuality

    def inputs(self, example: Any, pred: Any) -> dict[str, Any]:
        return {"rubric": self.rubric_for(example),
                "request": field_of(example, pred, "request"),
                "response": field_of(example, pred, "response")}

    def to_score(self, out: dspy.Prediction, example: Any, pred: Any) -> float:
        return scale_1_10(out.score)
