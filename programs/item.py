"""One item moving through a skill's flow, and the checks that refuse a degenerate stage output.

A 135M model (or a careless large one) fills fields with template placeholders, headings, echoes of the
request; these checks turn such outputs into ``validation`` failures that a new sample may fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.safe_text import safe_text


@dataclass
class PassageItem:
    """One (passage, instruction) pair moving through the flow, with its provenance.

    ``key`` names the item within its unit (``path/type/n`` for a generated item, the parent's key plus
    ``>goal.k`` for a refined one); ``parent`` is the key of the item it was refined from.
    """

    passage: str
    instruction: str
    instruction_type: str
    transformation: str
    round: int = 0
    goal: str | None = None
    suggestions: list[str] = field(default_factory=list)
    response: str | None = None
    agents: list[str] = field(default_factory=list)
    key: str = ""
    parent: str | None = None


class EmptyOutputError(ValueError):
    """A model answered in the right format but with nothing usable (validation failure)."""


MIN_INSTRUCTION_WORDS = 3
RETRIED_REASONS = frozenset({"validation", "truncation", "parse", "ambiguous", "refusal", "degenerate", "too_long",
                             "edit_noop", "drift"})
"""Failures a new sample may fix (a degenerate, overlong or malformed output, a refusal, an edit that changed
nothing or drifted); others are not retried here: an output carrying a secret, a planted token or an
unknown URL took it from its input, which a new sample sees again; auth, budget, provider errors and a stop
are not the output's fault (the engine retries transient provider errors itself)."""
MIN_PASSAGE_WORDS = 25
"""A transformed or edited passage shorter than this (or than half its source) is a failed transformation."""


def min_passage_words(source: str) -> int:
    return max(1, min(MIN_PASSAGE_WORDS, len(source.split()) // 2))


_FIELD = r"(task|instruction|passage|question|answer|response|suggestion|modified_\w+)"
_PLACEHOLDER = re.compile(rf"\{{{_FIELD}\}}|^\W*{_FIELD}\W*$", re.IGNORECASE)
_META = re.compile(r"^\W*(please\s+)?(write|create|generate|make|ask|here is)\s+(a|an|one|the|your)\s+(\w+\s+){0,2}"
                   r"(question|task|instruction)s?(\s+(about|on|for|from|of)\s+(the|this)\s+(passage|text))?\W*$",
                   re.IGNORECASE)


def instruction_problem(text: str, passage: str) -> str | None:
    """Why ``text`` is not a usable instruction about ``passage`` (None when it is).

    Small models under a JSON grammar often fill the field with a template placeholder (``{task}``), the
    field's name, or a heading copied from the passage (``Heap Queues``); none of these is an
    instruction, and each is counted as a failed attempt rather than written.
    """
    if len(text.split()) < MIN_INSTRUCTION_WORDS:
        return f"fewer than {MIN_INSTRUCTION_WORDS} words"
    if _PLACEHOLDER.search(text):
        return "a template placeholder"
    if _META.match(text):
        return "a description of an instruction, not an instruction"
    if " ".join(text.casefold().split()) in " ".join(passage.casefold().split()):
        return "copied from the passage"
    return None


def require_text(value: object, where: str, min_words: int = 1) -> str:
    """The stripped text made safe to write (``safe_text``: no lone surrogate, NUL or control character), or
    ``EmptyOutputError`` when it is empty, a bare template placeholder (``{response}``) or shorter than
    ``min_words`` words."""
    if isinstance(value, str):
        value = safe_text(value)
    if not isinstance(value, str) or not value.strip():
        raise EmptyOutputError(f"{where} produced an empty output")
    if _PLACEHOLDER.match(value.strip()):
        raise EmptyOutputError(f"{where} produced a template placeholder ({value.strip()[:60]!r})")
    if len(value.split()) < min_words:
        raise EmptyOutputError(f"{where} produced a degenerate output ({value.strip()[:60]!r})")
    return value.strip()


