"""Editor agent signature of the Instruction Refinement flow."""

import dspy


class Edit(dspy.Signature):
    """You are an editor agent. Carry out the suggestion on the passage and the instruction, serving the
    refinement goal described below. Return the full modified passage (unchanged if the goal only concerns
    the instruction) and the full modified instruction."""

    passage: str = dspy.InputField(desc="The passage before editing.")
    instruction: str = dspy.InputField(desc="The instruction before editing.")
    suggestion: str = dspy.InputField(desc="The change to make.")
    modified_passage: str = dspy.OutputField(desc="The passage after editing.")
    modified_instruction: str = dspy.OutputField(desc="The full instruction after editing, written out.")


class EditInstruction(dspy.Signature):
    """You are an editor agent. Carry out the suggestion on the instruction, serving the refinement goal
    described below. The passage stays as it is. Return the full modified instruction."""

    passage: str = dspy.InputField(desc="The passage the instruction is about (not to be changed).")
    instruction: str = dspy.InputField(desc="The instruction before editing.")
    suggestion: str = dspy.InputField(desc="The change to make.")
    modified_instruction: str = dspy.OutputField(desc="The full instruction after editing, written out.")
