"""Pairwise judgement: which of two responses to one request is better.

It serves teacher-relative scoring and arena battles; callers ask it in both orders (see
``metrics.pairwise``) because judges favour one position.
"""

from typing import Literal

import dspy


class PairwiseJudge(dspy.Signature):
    """Please act as an impartial judge and compare two responses, A and B, that AI assistants gave to the
    same user request. Judge which response follows the request better and answers it more helpfully,
    accurately and completely, against the rubric if one is given. Do not let the order of the responses,
    their length or the assistants' names influence you. Explain your comparison briefly, then give your
    verdict: A, B, or tie when they are equally good."""

    rubric: str = dspy.InputField(desc="What a good response looks like (may be empty).")
    request: str = dspy.InputField(desc="The user's request.")
    response_a: str = dspy.InputField(desc="Response A.")
    response_b: str = dspy.InputField(desc="Response B.")
    rationale: str = dspy.OutputField(desc="A brief comparison of the two responses.")
    preferred: Literal["A", "B", "tie"] = dspy.OutputField(desc="The better response: A, B, or tie.")
