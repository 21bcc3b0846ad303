"""The style of one answer: its length and its markdown (headers, list items, bold spans), as counts.

These are the features of arena-hard v2 and FastChat's style control; length is counted in whitespace
words (no tokenizer offline). Counting is by line-anchored patterns, so markdown inside code fences is
excluded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_HEADER = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)
_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S", re.MULTILINE)
_BOLD = re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")

STYLE_FEATURES: tuple[str, ...] = ("length", "headers", "lists", "bold")


@dataclass(frozen=True)
class AnswerStyle:
    """Style counts of one answer: ``length`` in words, and markdown ``headers``, ``lists``, ``bold``."""

    length: int
    headers: int = 0
    lists: int = 0
    bold: int = 0

    def value(self, feature: str) -> float:
        """The count named ``feature`` (one of :data:`STYLE_FEATURES`)."""
        if feature not in STYLE_FEATURES:
            raise ValueError(f"unknown style feature {feature!r}; known: {', '.join(STYLE_FEATURES)}")
        return float(getattr(self, feature))


def answer_style(text: str) -> AnswerStyle:
    """Count the style features of ``text`` (code fences count toward length but not toward markdown)."""
    prose = _FENCE.sub("", text)
    return AnswerStyle(
        length=len(text.split()),
        headers=len(_HEADER.findall(prose)),
        lists=len(_LIST.findall(prose)),
        bold=len(_BOLD.findall(prose)),
    )
