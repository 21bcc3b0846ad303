"""Generated items for the judging tests (importable because pytest's pythonpath includes tests/)."""

from __future__ import annotations

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
