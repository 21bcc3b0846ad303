"""Format-following signature (paper, section 4.5): an agent synthesizes formatting guidelines."""

import dspy

from signatures.types import FormatGuideline


class SynthesizeFormatGuidelines(dspy.Signature):
    """You are a format guideline agent. Read the instruction and write formatting guidelines that the
    response to it must follow, suited to its scenario: a word limit for a social media post, a JSON
    object for extracted fields, bullet points for a checklist, required keywords for a product blurb.
    Each guideline is one kind with its parameters: number for limits and counts, text for phrases,
    keywords for keyword rules. The guidelines must not contradict the instruction or each other."""

    passage: str = dspy.InputField(desc="The text the instruction is about.")
    instruction: str = dspy.InputField(desc="The instruction the response answers.")
    count: int = dspy.InputField(desc="How many guidelines to write.")
    guidelines: list[FormatGuideline] = dspy.OutputField(desc="The formatting guidelines.")
