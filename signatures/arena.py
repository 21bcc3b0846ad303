"""Arena judges: two answers to one request compared with a five-level verdict, or each scored 1-10 (the
Arena Learning paper's judge); and the difficulty of an instruction (WizardArena's hard subset).

Callers ask the pairwise judges in both orders (``eval.arena``): judges favour one position. A caller may
drop the ``explanation`` output (``Signature.delete``) for a judge too small to reason usefully first.
"""

from typing import Literal

import dspy


class ArenaVerdict(dspy.Signature):
    """Please act as an impartial judge and evaluate the quality of the responses provided by two AI
    assistants to the user request displayed below. Judge which response follows the request better and
    answers it more helpfully, accurately and completely. Avoid any position biases: the order in which the
    responses are presented must not influence your decision. Do not let the length of the responses or the
    names of the assistants influence you. Be as objective as possible. Give your final verdict: A>>B if
    assistant A is significantly better, A>B if assistant A is slightly better, A=B for a tie, B>A if
    assistant B is slightly better, B>>A if assistant B is significantly better."""

    request: str = dspy.InputField(desc="The user's request.")
    answer_a: str = dspy.InputField(desc="The answer of assistant A.")
    answer_b: str = dspy.InputField(desc="The answer of assistant B.")
    explanation: str = dspy.OutputField(desc="First, a short comparison of the two answers.")
    label: Literal["A>>B", "A>B", "A=B", "B>A", "B>>A"] = dspy.OutputField(desc="The final verdict.")


class ArenaScores(dspy.Signature):
    """Please act as an impartial judge and evaluate the responses of two AI assistants to the user request
    displayed below. Rate each response on a scale of 1 to 10 for its coherence, factual accuracy,
    context-awareness and overall quality, where 10 is a perfect response. Avoid any position biases: the
    order in which the responses are presented must not influence your ratings, nor may their length or the
    names of the assistants. Be as objective as possible."""

    request: str = dspy.InputField(desc="The user's request.")
    answer_a: str = dspy.InputField(desc="The answer of assistant A.")
    answer_b: str = dspy.InputField(desc="The answer of assistant B.")
    explanation: str = dspy.OutputField(desc="First, a short evaluation of the two answers.")
    score_a: int = dspy.OutputField(desc="The rating of assistant A's answer, an integer from 1 to 10.")
    score_b: int = dspy.OutputField(desc="The rating of assistant B's answer, an integer from 1 to 10.")


class InstructionDifficulty(dspy.Signature):
    """Rate how difficult the user request below is for an AI assistant to answer well, on a scale of 0 to
    10: 0 for a trivial request, 10 for one that needs expert knowledge, many steps of reasoning or strict
    attention to several constraints. Judge the request, not any particular answer to it."""

    request: str = dspy.InputField(desc="The user's request.")
    explanation: str = dspy.OutputField(desc="A short reason for the rating.")
    difficulty: int = dspy.OutputField(desc="The difficulty, an integer from 0 to 10.")
