"""Test doubles shared by the test modules (importable because pytest's pythonpath includes tests/)."""

from __future__ import annotations

import dspy
from dspy.utils import DummyLM

ALL_FIELDS = {
    "passage": ("Hyperuricemia may raise cardiovascular risk, studies suggest. In a cohort of 4,000 adults, those "
                "with the highest uric acid levels had more heart attacks over ten years, although the authors "
                "caution that diet and kidney function were not fully controlled."),
    "task": "Which finding most strengthens the argument?",
    "suggestions": ["Add a distractor that seems relevant but is not."],
    "modified_passage": ("Hyperuricemia may raise cardiovascular risk; the causal link is unproven. In a cohort of "
                         "adults, those with high uric acid levels had more heart attacks, but diet and kidney "
                         "function were not controlled, so the finding may reflect other causes."),
    "modified_instruction": "Which finding, if true, most strengthens the argument? (A) ... (E) ...",
    "response": "The answer is (D), because it links high uric acid to heart disease.",
    "rationale": "Grounded and correct.",
    "score": 8,
    # special programs and format following
    "apis": [{"name": "get_pollen_count", "description": "Daily pollen count for a city.",
              "parameters": [{"name": "city", "type": "string", "description": "City name.", "required": True},
                             {"name": "days", "type": "integer", "description": "1 to 10.", "required": False}]}],
    "message": "I cannot call the API yet: it needs the city.",
    "action": {"action_type": "STOP", "name": "FAILED", "arguments": {},
               "value": "The required parameter city was not provided."},
    "result": {"status": "ok", "forecast": [{"day": 1, "high_c": 21}]},
    "code": "def add(a, b):\n    return a + b",
    "tests": "assert add(2, 3) == 5\nassert add(-1, 1) == 0",
    "user_turn": "Thanks! Could you also explain why that happens?",
    "guidelines": [{"kind": "max_words", "number": 60}],
}


# Judges (metrics/, signatures/appendix_b.py, signatures/pairwise.py) and DSPy's optimizers (MIPROv2's
# instruction proposer); extra keys are ignored by signatures that do not have them.
ALL_FIELDS.update({
    "parsed_answer": ["D"],
    "error_analysis": "The student's final answer matches the correct answer.",
    "verdict": "Correct",
    "analysis": "Section 1 is supported by the article.",
    "hallucination_detected": False,
    "hallucinated_spans": [],
    "explanation": "Follows the instruction and stays grounded.",
    "rating": 7,
    "preferred": "A",
    "harder": True,
    "follows_format": True,
    "observations": "Each example is a seed text with a transformation and an instruction type.",
    "summary": "Seed documents to turn into reading comprehension items.",
    "program_description": "Turns a seed text into instructions and answers.",
    "module_description": "Writes instructions about a passage.",
    "proposed_instruction": "Write clear, self-contained questions grounded in the passage.",
    "new_instruction": "Write clear, self-contained questions grounded in the passage.",
})


def make_dummy(n: int = 500, **overrides) -> DummyLM:
    """A DummyLM that answers every signature of the suite (JSON format), ``n`` times."""
    answer = {**ALL_FIELDS, **overrides}
    return DummyLM([answer] * n, adapter=dspy.JSONAdapter())


class ScriptedLM(DummyLM):
    """A DummyLM whose answer is chosen by ``pick(last user message) -> fields`` (JSON format).

    Field headers in the message (``[[ ## rubric ## ]]``) tell the signatures apart; state in ``pick`` (a
    counter) can make the n-th sample of one prompt differ from the first.
    """

    def __init__(self, pick):
        super().__init__([], follow_examples=True, adapter=dspy.JSONAdapter())
        self.pick = pick

    def _use_example(self, messages):
        return self._format_answer_fields({**ALL_FIELDS, **self.pick(messages[-1]["content"])})


def has_fields(message: str, *names: str) -> bool:
    """Whether a prompt's last message carries every named input field."""
    return all(f"[[ ## {name} ## ]]" in message for name in names)
