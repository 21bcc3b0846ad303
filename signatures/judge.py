"""Generic LLM-judge signature: rate one generated item against a skill's rubric."""

import dspy


class JudgeQuality(dspy.Signature):
    """You are a strict, unbiased judge of training data. Rate how well the request and its response meet
    the rubric, from 1 (useless) to 10 (excellent), and justify the rating briefly."""

    rubric: str = dspy.InputField(desc="What a good item of this skill looks like.")
    request: str = dspy.InputField(desc="The user's request.")
    response: str = dspy.InputField(desc="The response being judged.")
    rationale: str = dspy.OutputField(desc="Why the item deserves its score.")
    score: int = dspy.OutputField(desc="An integer from 1 to 10.")
