"""Suggester agent signature of the Instruction Refinement flow."""

import dspy


class Suggest(dspy.Signature):
    """You are a suggester agent. Given a passage and an instruction about it, propose concrete ways to
    change them that serve the refinement goal described below. Each suggestion is one sentence that an
    editor can carry out."""

    passage: str = dspy.InputField(desc="The passage the instruction is about.")
    instruction: str = dspy.InputField(desc="The current instruction.")
    count: int = dspy.InputField(desc="How many suggestions to write.")
    suggestions: list[str] = dspy.OutputField(desc="The suggestions, one string each.")
