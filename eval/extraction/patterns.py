"""Regex extractors per answer type, each in two stages: strict (an explicit answer statement) then flexible.

Modelled on lm-evaluation-harness's filters: GSM8K ``#### n`` / "The answer is n" then the last number;
a multiple-choice "answer is (X)" with fallbacks; BBH "the answer is ..." then a per-answer-type pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from eval.benchmarks.base import BenchItem
from eval.extraction.decide import Extraction

Finder = Callable[[str, BenchItem], str | None]

_NUMBER = r"-?\$?\d[\d,]*(?:\.\d+)?"


def _last(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.findall(text)
    if not found:
        return None
    last = found[-1]
    return last if isinstance(last, str) else next((g for g in reversed(last) if g), None)


def two_stage(strict: Finder, flexible: Finder) -> Callable[[str, BenchItem], Extraction]:
    """An extractor trying ``strict`` then ``flexible``; a response neither matches is a recorded miss."""

    def extract(response: str, item: BenchItem) -> Extraction:
        if not response.strip():
            return Extraction(answer=None, extractor=None, miss_reason="empty_response")
        found = strict(response, item)
        if found is not None:
            return Extraction(answer=found, extractor="regex_strict")
        found = flexible(response, item)
        if found is not None:
            return Extraction(answer=found, extractor="regex_flexible")
        return Extraction(answer=None, extractor=None, miss_reason="no_pattern_matched")

    return extract


# --- multiple choice -------------------------------------------------------------------------------

def option_letters(item: BenchItem) -> str:
    """The option labels of an item: A, B, ... one per choice (A-J when the item lists none)."""
    n = len(item.choices) or 10
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:n]


def _letter_patterns(letters: str) -> tuple[re.Pattern[str], ...]:
    cls = f"[{letters}]"
    end = r"(?![A-Za-z0-9])"
    return (
        re.compile(rf"(?i:answer\s+is)\s*:?\s*\**\s*\(?({cls})\)?{end}"),
        re.compile(rf"(?i:answer)\s*:\s*\**\s*\(?({cls})\)?{end}"),
        re.compile(rf"^\s*\**\(?({cls})\)?[.)]?\**\s*$"),
    )


def mcq_strict(response: str, item: BenchItem) -> str | None:
    """"The answer is (B)", "Answer: B", or a response that is a lone letter."""
    for pattern in _letter_patterns(option_letters(item)):
        found = _last(pattern, response)
        if found:
            return found
    return None


def mcq_flexible(response: str, item: BenchItem) -> str | None:
    """The last "(B)" / "option B", else the one option whose text the final line quotes."""
    letters = option_letters(item)
    for pattern in (rf"\(([{letters}])\)", rf"(?i:option|choice)\s+\(?([{letters}])\)?(?![A-Za-z])"):
        found = _last(re.compile(pattern), response)
        if found:
            return found
    lines = [ln for ln in response.strip().splitlines() if ln.strip()]
    final = lines[-1].lower() if lines else ""
    quoted = [letters[i] for i, c in enumerate(item.choices) if c.strip() and c.strip().lower() in final]
    return quoted[0] if len(quoted) == 1 else None


# --- numbers (GSM8K) -------------------------------------------------------------------------------

_HASHES = re.compile(rf"####\s*({_NUMBER})")
_ANSWER_IS_NUMBER = re.compile(rf"(?i:answer\s+is)\s*:?\s*\**\s*({_NUMBER})")
_BOXED = re.compile(rf"\\boxed\{{\s*({_NUMBER})\s*\}}")
_ANY_NUMBER = re.compile(_NUMBER)


def number_strict(response: str, item: BenchItem) -> str | None:
    """"#### 42", "The answer is 42" or ``\\boxed{42}``."""
    for pattern in (_HASHES, _ANSWER_IS_NUMBER, _BOXED):
        found = _last(pattern, response)
        if found:
            return found
    return None


def number_flexible(response: str, item: BenchItem) -> str | None:
    """The last number in the response."""
    return _last(_ANY_NUMBER, response)


# --- free-form short answers (BBH, DROP, reasoning-gym) ---------------------------------------------

_ANSWER_IS_TEXT = re.compile(r"(?i:the\s+answer\s+is|final\s+answer\s*:|answer\s*:)\s*(.+)")
_ANSWER_TAG = re.compile(r"<answer>\s*(.*?)\s*</answer>", re.DOTALL)


def clean_answer(text: str) -> str:
    """Strip markdown emphasis, quotes and a trailing full stop around an extracted answer."""
    text = text.strip().strip("*").strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'`":
        text = text[1:-1]
    return text[:-1].strip() if text.endswith(".") and not re.search(r"\d\.$", text) else text


def answer_statement(response: str, item: BenchItem) -> str | None:
    """What follows the last "the answer is" / "Answer:" on its line."""
    found = _last(_ANSWER_IS_TEXT, response)
    return clean_answer(found) or None if found else None


def answer_tag(response: str, item: BenchItem) -> str | None:
    """The content of the last ``<answer>...</answer>`` tag (reasoning-gym's format)."""
    found = _ANSWER_TAG.findall(response)
    return found[-1].strip() if found and found[-1].strip() else None


def last_line(response: str, item: BenchItem) -> str | None:
    """The last non-empty line."""
    lines = [ln for ln in response.strip().splitlines() if ln.strip()]
    return clean_answer(lines[-1]) if lines else None


def bbh_flexible(response: str, item: BenchItem) -> str | None:
    """A pattern chosen by the reference's answer type: "(X)", True/False, Yes/No, valid/invalid, a number."""
    ref = str(item.reference or "").strip()
    if re.fullmatch(r"\([A-Z]\)", ref):
        found = _last(re.compile(r"\(([A-Z])\)"), response)
        return f"({found})" if found else None
    for words in (("True", "False"), ("Yes", "No"), ("valid", "invalid")):
        if ref.lower() in {w.lower() for w in words}:
            pattern = re.compile(rf"\b({'|'.join(words)})\b", re.IGNORECASE)
            return _last(pattern, response)
    if re.fullmatch(_NUMBER, ref):
        return number_flexible(response, item)
    return last_line(response, item)


def first_of(*finders: Finder) -> Finder:
    """A finder returning the first answer any of ``finders`` finds."""

    def find(response: str, item: BenchItem) -> str | None:
        for finder in finders:
            found = finder(response, item)
            if found is not None:
                return found
        return None

    return find


mcq = two_stage(mcq_strict, mcq_flexible)
number = two_stage(number_strict, number_flexible)
bbh = two_stage(answer_statement, bbh_flexible)
span = two_stage(answer_statement, last_line)
tagged = two_stage(answer_tag, first_of(answer_statement, last_line))
