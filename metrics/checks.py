"""Cheap deterministic checks of a generated item: length, language, answerability markers, options, schema.

They cost no call; the skill metric uses a failed check to score an item 0 before any judge is asked.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Collection
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
_SLOT = re.compile(r"\{\s*[\[<]?\s*[A-Za-z_][\w\- ]{0,40}[>\]]?\s*\}")
"""A template slot: ``{response}``, ``{ request_text }``, ``{[<new-description>}``."""
_SLOT_OR_TAG = re.compile(_SLOT.pattern + r"|<[a-z][a-z0-9_]*-[a-z0-9_-]+>")
"""A slot, or a hyphenated angle-bracket tag (``<new-description>``) in an instruction."""
_REQUEST_WORDS = frozenset({
    "what", "which", "who", "whom", "whose", "why", "how", "when", "where", "whether", "is", "are", "does", "do",
    "did", "can", "could", "should", "would", "will", "explain", "describe", "identify", "list", "summarize",
    "summarise", "write", "rewrite", "choose", "select", "determine", "calculate", "compute", "compare",
    "classify", "extract", "find", "give", "provide", "name", "state", "estimate", "translate", "convert",
    "create", "generate", "evaluate", "assess", "analyze", "analyse", "discuss", "suggest", "propose", "tell",
    "show", "answer", "solve", "prove", "infer", "predict", "outline", "define", "paraphrase", "simplify",
    "expand", "shorten", "fix", "implement", "call", "use", "book", "check", "please",
})
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


def placeholder_check(instruction: str, response: str) -> CheckResult:
    """No template placeholder left in the item: ``{ response }``, ``{request_text}``, ``<new-description>``
    (a weak model copies its prompt's slots instead of filling them)."""
    for name, text, pattern in (("instruction", instruction, _SLOT_OR_TAG), ("response", response, _SLOT)):
        found = pattern.search(text)
        if found:
            return CheckResult("placeholder", False, f"{name} holds a template placeholder {found.group(0)[:40]!r}")
    return CheckResult("placeholder", True)


def _normal(text: str) -> str:
    text = re.sub(r"^\W*(\d+[.)]\s*)?", "", text.casefold())  # list numbering and leading markup
    return " ".join(re.sub(r"[\W_]+$", "", text).split())


def heading_check(instruction: str, sources: list[str]) -> CheckResult:
    """The instruction is a request, not a heading or a sentence lifted from the seed or passage: it is not
    contained in them (numbering and end punctuation aside), and a short line without a question mark or
    final stop must contain a request word."""
    body = _normal(instruction)
    for source in sources:
        if len(body.split()) >= 4 and body in " ".join(source.casefold().split()):
            return CheckResult("heading", False, "the instruction is copied from the seed or passage")
    words = re.findall(r"[a-z']+", instruction.lower())
    stripped = instruction.strip()
    if (len(words) <= 12 and "?" not in stripped and not stripped.endswith((".", "!", ":"))
            and not set(words) & _REQUEST_WORDS):
        return CheckResult("heading", False, "the instruction reads as a heading, not a request")
    return CheckResult("heading", True)


def echo_check(instruction: str, type_prose: str, run: int = 7) -> CheckResult:
    """The instruction does not restate its instruction type's description (``run`` consecutive words of it)."""
    prose = re.findall(r"[a-z0-9']+", type_prose.lower())
    grams = {tuple(prose[i:i + run]) for i in range(len(prose) - run + 1)}
    words = re.findall(r"[a-z0-9']+", instruction.lower())
    if any(tuple(words[i:i + run]) in grams for i in range(len(words) - run + 1)):
        return CheckResult("echo", False, "the instruction restates its instruction type's description")
    return CheckResult("echo", True)


def check_item(item, spec: SkillSpec, config: ChecksConfig | None = None, *, seed_text: str | None = None,
               only: Collection[str] | None = None) -> list[CheckResult]:
    """Every configured check of one generated item (a ``programs.PassageItem`` with its response).

    ``only`` names the checks to run (default: all); ``seed_text`` lets the heading check see the seed.
    """
    config = config or ChecksConfig()
    run = (lambda name: True) if only is None else (lambda name: name in only)
    response = item.response or ""
    results = []
    if run("instruction_length"):
        results.append(length_check("instruction_length", item.instruction, config.min_instruction_words))
    if run("response_length"):
        results.append(length_check("response_length", response, config.min_response_words,
                                    config.max_response_words))
    if config.language and run("instruction_language"):
        results.append(language_check("instruction_language", item.instruction, config.language))
    if config.language and run("response_language"):
        results.append(language_check("response_language", response, config.language))
    if run("answerability"):
        results.append(answerability_check(response, item.goal in config.unanswerable_goals))
    try:
        prose = spec.instruction_type(item.instruction_type).instructions
    except KeyError:
        prose = ""
    if not item.goal and run("options"):  # a refinement may legitimately rewrite the options
        results.append(options_check(item.instruction, prose))
    if spec.output_type in config.json_output_types and run("schema"):
        results.append(schema_check(response))
    if only is not None:  # the generation-time checks (compile keeps its original set)
        if run("placeholder"):
            results.append(placeholder_check(item.instruction, response))
        if run("heading"):
            results.append(heading_check(item.instruction, [s for s in (seed_text, item.passage) if s]))
        if run("echo") and prose:
            results.append(echo_check(item.instruction, prose))
    return results
