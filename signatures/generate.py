"""Seed Instruction Generation agent signature."""

import dspy


class GenerateInstructions(dspy.Signature):
    """You are an instruction generation agent. Read the passage and write instructions (tasks or
    questions) of the type described below. Each instruction must be self-contained given the passage,
    must not contain its own answer, and must differ from the others."""

    passage: str = dspy.InputField(desc="The text the instructions are about.")
    count: int = dspy.InputField(desc="How many instructions to write.")
    tasks: list[str] = dspy.OutputField(desc="The instructions (tasks or questions), one string each.")
