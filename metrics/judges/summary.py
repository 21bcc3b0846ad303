"""Summary quality: the paper's quality judge (Appendix B.1), 1-10 scaled to [0, 1]."""

from __future__ import annotations

from typing import Any

import dspy

from metrics.judge_metric import JudgeMetric, field_of, scale_1_10
from signatures.appendix_b import SummaryQualityJudge


class SummaryQuality(JudgeMetric):
    """Instruction adherence, content grounding and overall quality of ``response`` to ``request``."""

    signature = SummaryQualityJudge
    rationale_field = "explanation"

    def inputs(self, example: Any, pred: Any) -> dict[str, Any]:
        return {"instruction": field_of(example, pred, "request"), "response": field_of(example, pred, "response")}

    def to_score(self, out: dspy.Prediction, example: Any, pred: Any) -> float:
        return scale_1_10(out.rating)
