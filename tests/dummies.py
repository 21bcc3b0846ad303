"""Test doubles shared by the test modules (importable because pytest's pythonpath includes tests/)."""

from __future__ import annotations

import dspy
from dspy.utils import DummyLM

ALL_FIELDS = {
    "passage": "Hyperuricemia may raise cardiovascular risk, studies suggest.",
    "tasks": ["Which finding most strengthens the argument?"],
    "suggestions": ["Add a distractor that seems relevant but is not."],
    "modified_passage": "Hyperuricemia may raise cardiovascular risk; the causal link is unproven.",
    "modified_instruction": "Which finding, if true, most strengthens the argument? (A) ... (E) ...",
    "response": "The answer is (D), because it links high uric acid to heart disease.",
    "rationale": "Grounded and correct.",
    "score": 8,
}


def make_dummy(n: int = 500, **overrides) -> DummyLM:
    """A DummyLM that answers every signature of the suite (JSON format), ``n`` times."""
    answer = {**ALL_FIELDS, **overrides}
    return DummyLM([answer] * n, adapter=dspy.JSONAdapter())
