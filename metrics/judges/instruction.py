"""Instruction quality: is the generated instruction clear, of its stated type, answerable and non-trivial?"""

from __future__ import annotations

from typing import Any

import dspy

from metrics.judge_metric import RubricJudgeMetric, field_of, scale_1_10


class JudgeInstruction(dspy.Signature):
    """You are a strict judge of instructions written for training data. Rate the instruction from 1
    (useless) to 10 (excellent): it must be clear and self-contained given the passage, be of the stated
    instruction type, be answerable from the passage (unless it is meant to be unanswerable), not reveal
    its own answer, and require real reading rather than copying one sentence. Justify the rating briefly."""

    rubric: str = dspy.InputField(desc="What a good item of this skill looks like.")
    instruction_type: str = dspy.InputField(desc="The type of instruction that was asked for.")
    passage: str = dspy.InputField(desc="The passage the instruction is about.")
    instruction: str = dspy.InputField(desc="The instruction being judged.")
    rationale: str = dspy.OutputField(desc="Why the instruction deserves its score.")
    score: int = dspy.OutputField(desc="An integer from 1 to 10.")


class InstructionQuality(RubricJudgeMetric):
    """The jury's rating of an instruction (fields ``passage``, ``instruction``, ``instruction_type``)."""

    signature = JudgeInstruction
    rubric_default = ""

    def inputs(self, example: Any, pred: Any) -> dict[str, Any]:
        return {"rubric": self.rubric_for(example),
                "instruction_type": field_of(example, pred, "instruction_type"),
                "passage": field_of(example, pred, "passage"),
                "instruction": field_of(example, pred, "instruction")}

    def to_score(self, out: dspy.Prediction, example: Any, pred: Any) -> float:
        return scale_1_10(out.score)
