"""Generated items for the judging tests (importable because pytest's pythonpath includes tests/)."""

from __future__ import annotations

import itertools

from dummies import ScriptedLM, has_fields

from core.flow.outcome import Example
from core.taxonomy import load_skills

SPEC = load_skills()["reading_comprehension"]
PASSAGE = ("Hyperuricemia may raise cardiovascular risk, studies suggest. In a cohort of 4,000 adults, those with "
           "the highest uric acid levels had more heart attacks over ten years, although the authors caution that "
           "diet and kidney function were not fully controlled.")
QUESTION = "Which factor did the authors say was not fully controlled in the cohort study?"
ANSWER = "The authors caution that diet and kidney function were not fully controlled in the study."


def example(response: str = ANSWER, instruction: str = QUESTION, goal: str | None = None,
            key: str = "0/literal_comprehension/0", parent: str | None = None) -> Example:
    """A reading comprehension item about ``PASSAGE`` as the flow hands it to the judging stage."""
    messages = [{"role": "user", "content": f"{PASSAGE}\n\n{instruction}"}, {"role": "assistant", "content": response}]
    return Example(messages=messages, subcategory="literal_comprehension", transformation="identity",
                   refinement_round=1 if goal else 0, refinement_goal=goal, passage=PASSAGE, instruction=instruction,
                   response=response, key=key, parent=parent)


GOOD = "Workers fan their wings and spread water, which cools the hive as it evaporates in the summer heat."
BAD = "BAD ANSWER. Honey is sweet and the weather is nice, and the hive has nothing to do with the question."


def preference_lm() -> ScriptedLM:
    """Answers every role; the responder alternates a good and a bad answer, the judge rates them 9 and 2."""
    answers = itertools.cycle([GOOD, BAD])

    def pick(message: str) -> dict:
        if has_fields(message, "rubric", "request", "response"):
            return {"score": 2 if "BAD ANSWER" in message else 9}
        if has_fields(message, "request") and not has_fields(message, "rubric"):
            return {"response": next(answers)}
        return {}

    return ScriptedLM(pick)
