"""Content Transformation agent signature."""

import dspy


class Transform(dspy.Signature):
    """You are a content transformation agent. Rewrite the seed text into a new, self-contained passage of
    the kind described below, so that it becomes good material for teaching a skill. Keep the facts of the
    seed text and do not invent claims that contradict it."""

    seed_text: str = dspy.InputField(desc="The raw seed document.")
    passage: str = dspy.OutputField(desc="The transformed passage.")
