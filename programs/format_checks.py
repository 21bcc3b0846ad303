"""Mechanical checks of formatting guidelines (paper, section 4.5).

A ``FormatGuideline`` (``signatures.types``) is synthesized by an agent; here it is validated (does it have
the parameters its kind needs?), rendered as one sentence for the user turn, and checked against a
response. Every kind but ``style`` (a free-form guideline) is checked mechanically.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from signatures.types import FormatGuideline

_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_BULLET = re.compile(r"^\s*[-*\u2022]\s+\S")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+\S")
_HIGHLIGHT = re.compile(r"\*[^*\n]+\*")
_LIMIT = 5000
_JSON_COMPATIBLE = {"json_output", "include_keywords", "exclude_keywords", "max_characters", "max_words",
                    "min_words", "all_lowercase", "style"}


def _words(text: str) -> int:
    return len(text.split())


def _sentences(text: str) -> int:
    return len(_SENTENCE_END.findall(text.strip())) or (1 if text.strip() else 0)


def _lines(text: str, pattern: re.Pattern) -> int:
    return sum(1 for line in text.splitlines() if pattern.match(line))


def _paragraphs(text: str) -> int:
    return len([p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()])


def _is_json(text: str) -> bool:
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`").removeprefix("json").strip()
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class _Kind:
    needs: str | None
    """The parameter the kind needs: "number", "text", "keywords" or ``None``."""
    describe: Callable[[FormatGuideline], str]
    check: Callable[[FormatGuideline, str], bool] | None
    """Whether a response follows the guideline; ``None``: not mechanically checkable."""


def _kw(g: FormatGuideline) -> str:
    return ", ".join(f'"{k}"' for k in g.keywords)


KINDS: dict[str, _Kind] = {
    "max_words": _Kind("number", lambda g: f"Answer in at most {g.number} words.",
                       lambda g, t: _words(t) <= g.number),
    "min_words": _Kind("number", lambda g: f"Answer in at least {g.number} words.",
                       lambda g, t: _words(t) >= g.number),
    "max_sentences": _Kind("number", lambda g: f"Use at most {g.number} sentences.",
                           lambda g, t: _sentences(t) <= g.number),
    "max_characters": _Kind("number", lambda g: f"Keep the response within {g.number} characters.",
                            lambda g, t: len(t.strip()) <= g.number),
    "bullet_points": _Kind("number", lambda g: f"Use exactly {g.number} bullet points (lines starting "
                                               "with '- ').", lambda g, t: _lines(t, _BULLET) == g.number),
    "numbered_list": _Kind("number", lambda g: f"Give a numbered list of exactly {g.number} items (1., 2., "
                                               "...).", lambda g, t: _lines(t, _NUMBERED) == g.number),
    "paragraphs": _Kind("number", lambda g: f"Write exactly {g.number} paragraphs separated by blank lines.",
                        lambda g, t: _paragraphs(t) == g.number),
    "json_output": _Kind(None, lambda g: "Answer with valid JSON only, no other text.",
                         lambda g, t: _is_json(t)),
    "all_lowercase": _Kind(None, lambda g: "Write the whole response in lowercase letters.",
                           lambda g, t: t == t.lower() and any(c.isalpha() for c in t)),
    "all_uppercase": _Kind(None, lambda g: "Write the whole response in capital letters.",
                           lambda g, t: t == t.upper() and any(c.isalpha() for c in t)),
    "include_keywords": _Kind("keywords", lambda g: f"Include the keywords {_kw(g)}.",
                              lambda g, t: all(k.lower() in t.lower() for k in g.keywords)),
    "exclude_keywords": _Kind("keywords", lambda g: f"Do not use the words {_kw(g)}.",
                              lambda g, t: not any(k.lower() in t.lower() for k in g.keywords)),
    "start_with": _Kind("text", lambda g: f'Start the response with "{g.text}".',
                        lambda g, t: t.strip().lower().startswith(g.text.strip().lower())),
    "end_with": _Kind("text", lambda g: f'End the response with the exact phrase "{g.text}".',
                      lambda g, t: t.strip().lower().endswith(g.text.strip().lower())),
    "title": _Kind(None, lambda g: "Begin with a title wrapped in double angular brackets, like <<title>>.",
                   lambda g, t: bool(re.match(r"\s*<<[^<>\n]+>>", t))),
    "no_commas": _Kind(None, lambda g: "Do not use any commas.", lambda g, t: "," not in t),
    "highlighted_spans": _Kind("number", lambda g: f"Highlight at least {g.number} parts with markdown, "
                                                   "like *highlighted part*.",
                               lambda g, t: len(_HIGHLIGHT.findall(t)) >= g.number),
    "postscript": _Kind("text", lambda g: f'End with a postscript starting with "{g.text}".',
                        lambda g, t: any(line.strip().startswith(g.text.strip())
                                         for line in t.splitlines())),
    "style": _Kind("text", lambda g: g.text.strip().rstrip(".") + ".", None),
}


def problem(guideline: FormatGuideline) -> str | None:
    """Why a synthesized guideline is unusable (missing or absurd parameters), or ``None``."""
    kind = KINDS[guideline.kind]
    if kind.needs == "number" and (guideline.number is None or not 1 <= guideline.number <= _LIMIT):
        return f"{guideline.kind} needs a number between 1 and {_LIMIT}, got {guideline.number!r}"
    if kind.needs == "text" and not (guideline.text and guideline.text.strip()):
        return f"{guideline.kind} needs a text"
    if kind.needs == "keywords" and not [k for k in guideline.keywords if k.strip()]:
        return f"{guideline.kind} needs keywords"
    return None


def usable(guidelines: Sequence[FormatGuideline]) -> list[FormatGuideline]:
    """The guidelines without a problem, at most one per kind (the first one wins)."""
    seen, kept = set(), []
    for g in guidelines:
        if problem(g) is None and g.kind not in seen:
            seen.add(g.kind)
            kept.append(g.model_copy(update={"keywords": [k.strip() for k in g.keywords if k.strip()]}))
    by_kind = {g.kind: g for g in kept}
    drop = set()
    if "all_lowercase" in by_kind:
        drop.add("all_uppercase")
    if "json_output" in by_kind:
        drop |= seen - _JSON_COMPATIBLE
    if "min_words" in by_kind and "max_words" in by_kind and by_kind["min_words"].number > by_kind[
            "max_words"].number:
        drop.add("min_words")
    return [g for g in kept if g.kind not in drop]


def describe(guidelines: Sequence[FormatGuideline]) -> str:
    """The guidelines as the block appended to an instruction."""
    return "Formatting guidelines:\n" + "\n".join(f"- {KINDS[g.kind].describe(g)}" for g in guidelines)


def violations(guidelines: Sequence[FormatGuideline], response: str) -> list[str]:
    """The mechanically checkable guidelines that ``response`` breaks, described."""
    return [KINDS[g.kind].describe(g) for g in guidelines
            if KINDS[g.kind].check is not None and not KINDS[g.kind].check(g, response)]


def checkable(guidelines: Sequence[FormatGuideline]) -> int:
    """How many of the guidelines are checked mechanically."""
    return sum(1 for g in guidelines if KINDS[g.kind].check is not None)
