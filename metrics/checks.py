"""Cheap deterministic checks of a generated item: length, language, answerability markers, options, schema.

They cost no call; the skill metric uses a failed check to score an item 0 before any judge is asked.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.taxonomy import SkillSpec

UNANSWERABLE_MARKERS = (
    "cannot be answered", "can't be answered", "cannot be determined", "can't be determined",
    "not enough information", "insufficient information", "does not provide", "doesn't provide",
    "does not mention", "doesn't mention", "not mentioned", "not stated", "unanswerable", "no information",
)
_ENGLISH = frozenset({"the", "of", "and", "to", "in", "is", "that", "it", "for", "as", "with", "was", "on",
                      "are", "be", "by", "this", "which", "or", "from", "an", "at", "not", "have", "has",
                      "can", "but", "they", "their", "its", "what", "how", "why", "who"})
_SCRIPTS = {"en": "LATIN", "fr": "LATIN", "de": "LATIN", "es": "LATIN", "it": "LATIN", "pt": "LATIN",
            "ru": "CYRILLIC", "uk": "CYRILLIC", "el": "GREEK", "ar": "ARABIC", "he": "HEBREW",
            "hi": "DEVANAGARI", "zh": "CJK", "ja": "CJK", "ko": "HANGUL"}


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome, with a short reason when it failed."""

    name: str
    passed: bool
    detail: str = ""


class ChecksConfig(BaseModel):
    """Which checks run and their limits."""

    model_config = ConfigDict(extra="forbid")

    min_instruction_words: int = Field(default=3, ge=0)
    min_response_words: int = Field(default=1, ge=0)
    max_response_words: int = Field(default=3000, ge=1)
    language: str | None = "en"
    """Expected language of instruction and response (ISO 639-1); ``None`` skips the check."""
    unanswerable_goals: list[str] = Field(default_factory=lambda: ["make_unanswerable"])
    """Refinement goals whose items must be answered with an unanswerability statement."""
    json_output_types: list[str] = Field(default_factory=lambda: ["structured"])
    """Skill output types whose responses must be JSON."""


def length_check(name: str, text: str, min_words: int = 0, max_words: int | None = None) -> CheckResult:
    """Between ``min_words`` and ``max_words`` words."""
    n = len(text.split())
    if n < min_words:
        return CheckResult(name, False, f"{n} words < {min_words}")
    if max_words is not None and n > max_words:
        return CheckResult(name, False, f"{n} words > {max_words}")
    return CheckResult(name, True)


def dominant_script(text: str) -> str | None:
    """The Unicode script most letters of ``text`` belong to (LATIN, CYRILLIC, CJK, ...), or ``None``."""
    counts: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        script = "CJK" if name.startswith(("CJK", "HIRAGANA", "KATAKANA")) else name.split(" ")[0]
        counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.get) if counts else None


def language_check(name: str, text: str, expected: str) -> CheckResult:
    """Written in the expected script; for English, with enough common English words (>= 8 words)."""
    script = dominant_script(text)
    want = _SCRIPTS.get(expected)
    if want is None:
        raise ValueError(f"no script known for language {expected!r}; known: {sorted(_SCRIPTS)}")
    if script is not None and script != want:
        return CheckResult(name, False, f"script {script}, expected {want}")
    words = re.findall(r"[a-z']+", text.lower())
    if expected == "en" and len(words) >= 8 and sum(w in _ENGLISH for w in words) / len(words) < 0.05:
        return CheckResult(name, False, "too few common English words")
    return CheckResult(name, True)


def says_unanswerable(text: str) -> bool:
    """Whether a response states that the question cannot be answered from the text."""
    low = text.lower()
    return any(marker in low for marker in UNANSWERABLE_MARKERS)


def answerability_check(response: str, expect_unanswerable: bool) -> CheckResult:
    """Unanswerable items must say so; answerable ones must not refuse."""
    said = says_unanswerable(response)
    if said == expect_unanswerable:
        return CheckResult("answerability", True)
    return CheckResult("answerability", False, "missing unanswerability statement" if expect_unanswerable
                       else "answer claims the question is unanswerable")


def options_check(instruction: str, type_prose: str) -> CheckResult:
    """When the type asks for options "(A) to (E)", every option label appears in the instruction."""
    span = re.search(r"\(([A-J])\) to \(([A-J])\)", type_prose)
    if not span:
        return CheckResult("options", True)
    letters = [chr(c) for c in range(ord(span.group(1)), ord(span.group(2)) + 1)]
    missing = [x for x in letters if f"({x})" not in instruction and f"{x})" not in instruction]
    return CheckResult("options", not missing, f"missing options {missing}" if missing else "")


def schema_check(text: str, model: type[BaseModel] | None = None) -> CheckResult:
    """The text is a JSON document (and validates against ``model`` when given)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return CheckResult("schema", False, f"not JSON: {exc.msg}")
    if model is not None:
        try:
            model.model_validate(data)
        except ValidationError as exc:
            return CheckResult("schema", False, f"{exc.error_count()} schema errors")
    return CheckResult("schema", True)


def check_item(item, spec: SkillSpec, config: ChecksConfig | None = None) -> list[CheckResult]:
    """Every configured check of one generated item (a ``programs.PassageItem`` with its response)."""
    config = config or ChecksConfig()
    response = item.response or ""
    results = [
        length_check("instruction_length", item.instruction, config.min_instruction_words),
        length_check("response_length", response, config.min_response_words, config.max_response_words),
    ]
    if config.language:
        results.append(language_check("instruction_language", item.instruction, config.language))
        results.append(language_check("response_language", response, config.language))
    results.append(answerability_check(response, item.goal in config.unanswerable_goals))
    try:
        prose = spec.instruction_type(item.instruction_type).instructions
    except KeyError:
        prose = ""
    if not item.goal:  # a refinement may legitimately rewrite the options
        results.append(options_check(item.instruction, prose))
    if spec.output_type in config.json_output_types:
        results.append(schema_check(response))
    return results
