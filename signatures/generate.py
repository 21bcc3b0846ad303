"""Seed Instruction Generation agent signature."""

import dspy


class GenerateInstruction(dspy.Signature):
    """You are an instruction generation agent. Read the passage and write one instruction (a task or a
    question) of the type described below. It must be self-contained given the passage and must not
    contain its own answer."""

    passage: str = dspy.InputField(desc="The text the instruction is about.")
    task: str = dspy.OutputField(desc="The instruction itself, written out in full as a user would ask it.")
