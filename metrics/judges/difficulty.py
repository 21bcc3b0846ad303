"""Difficulty: did a refinement round make the instruction harder than the one it refined?"""

from __future__ import annotations

from typing import Any

import dspy

from metrics.judge_metric import JudgeMetric, field_of


class JudgeDifficulty(dspy.Signature):
    """You compare two versions of an instruction about a passage: the original, and a version refined
    towards a goal. Decide whether the refined version is harder to answer correctly than the original:
    it needs more steps of reasoning, has more plausible distractors, or its answer is less directly
    stated. Rewording alone does not make an instruction harder. Justify your decision briefly."""

    goal: str = dspy.InputField(desc="What the refinement tried to achieve.")
    original_passage: str = dspy.InputField(desc="The passage of the original instruction.")
    original_instruction: str = dspy.InputField(desc="The original instruction.")
    refined_passage: str = dspy.InputField(desc="The passage of the refined instruction.")
    refined_instruction: str = dspy.InputField(desc="The refined instruction.")
    rationale: str = dspy.OutputField(desc="Why the refined version is or is not harder.")
    harder: bool = dspy.OutputField(desc="Whether the refined version is harder than the original.")


class Difficulty(JudgeMetric):
    """1.0 when the jury finds the refined instruction harder, 0.0 when not (the mean is the share).

    Fields: ``original_passage``, ``original_instruction`` (the example) and ``passage``, ``instruction``,
    ``goal`` (the refined item, usually the prediction).
    """

    signature = JudgeDifficulty

    def inputs(self, example: Any, pred: Any) -> dict[str, Any]:
        return {"goal": field_of(example, pred, "goal", "make the instruction harder"),
                "original_passage": field_of(example, None, "original_passage"),
                "original_instruction": field_of(example, None, "original_instruction"),
                "refined_passage": field_of(None, pred, "passage"),
                "refined_instruction": field_of(None, pred, "instruction")}

    def to_score(self, out: dspy.Prediction, example: Any, pred: Any) -> float:
        return 1.0 if out.harder else 0.0
