"""What a benchmark is: its typed rows, its typed per-item results, and the declaration that ties them.

A benchmark module builds one :class:`Benchmark` and passes it to
:func:`eval.benchmarks.registry.register`; nothing else has to change to add one.

Two ways to score are declared:

- *extractive* (``mcq``, ``math``, ``span``, ``procedural``): ``extract`` pulls an answer out of the
  student's text with regular expressions (strict, then flexible), ``llm_fallback`` names which
  Appendix B judge decides when the regex finds nothing, and ``compare`` scores an extracted answer;
- *graded* (``ifeval``, ``judged``): ``grade`` scores the student's turns directly (a verifier or a judge).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from eval.extraction.decide import Extraction
    from eval.scoring.context import ScoringContext

Kind = Literal["mcq", "math", "span", "ifeval", "judged", "procedural"]
ExtractorName = Literal["regex_strict", "regex_flexible", "llm"]
LLMFallback = Literal["mcq", "math", "general"]
Scale = Literal["unit", "rating10"]


class BenchItem(BaseModel):
    """One benchmark row, whatever file it came from."""

    model_config = ConfigDict(extra="forbid")

    id: str
    prompt: str | None = None
    """The single user turn (already holding passage, question and options where the file has them)."""
    turns: list[str] = Field(default_factory=list)
    """The user turns of a multi-turn item (MT-Bench); empty for single-turn items."""
    reference: str | list[str] | None = None
    """The gold answer: an option letter, a number, a target string, answer spans or per-turn references."""
    choices: list[str] = Field(default_factory=list)
    """Option texts of a multiple-choice item, in label order (A, B, ...)."""
    category: str = "all"
    """Subject, task or skill: results are broken down by it."""
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_prompt(self) -> BenchItem:
        if (self.prompt is None) == (not self.turns):
            raise ValueError(f"item {self.id!r}: give exactly one of prompt or turns")
        return self

    def user_turns(self) -> list[str]:
        """The user turns the student answers, in order."""
        return list(self.turns) if self.turns else [self.prompt or ""]


class ExtractionAudit(BaseModel):
    """Both extractors on one row: what the regex decided, what the LLM decided, and whether they agree."""

    model_config = ConfigDict(extra="forbid")

    regex_answer: str | None
    regex_score: float | None
    llm_answer: str | None
    llm_score: float | None
    llm_parse_failure: bool = False
    agree: bool | None
    """``None`` when the LLM's output could not be parsed."""


class ItemResult(BaseModel):
    """How one item was answered and scored."""

    model_config = ConfigDict(extra="forbid")

    id: str
    category: str
    student_answer: str
    """The student's (last) turn."""
    turn_answers: list[str] = Field(default_factory=list)
    """Every student turn of a multi-turn item."""
    extracted: str | None = None
    extractor: ExtractorName | None = None
    """Which extractor decided: ``None`` for graded kinds and for misses."""
    score: float | None
    """In [0, 1] (``unit``) or 1-10 (``rating10``); ``None`` when a judge's output could not be parsed."""
    turn_scores: list[float | None] = Field(default_factory=list)
    miss_reason: str | None = None
    """Why no answer could be extracted (a miss scores 0, it is not an error)."""
    judge_parse_failure: bool = False
    """A judge or LLM extractor output could not be parsed. A single-turn item is then unscored (``score``
    is ``None``, left out of the mean, never 0); a multi-turn item averages the turns that parsed."""
    audit: ExtractionAudit | None = None
    details: dict[str, Any] = Field(default_factory=dict)


Loader = Callable[[Path], list[BenchItem]]
Renderer = Callable[[BenchItem], list[str]]
RegexExtractor = Callable[[str, BenchItem], "Extraction"]
Comparer = Callable[[str, BenchItem], float]
Grader = Callable[[BenchItem, list[str], "ScoringContext"], ItemResult]
Summarizer = Callable[[list[ItemResult]], dict[str, float]]


@dataclass(frozen=True)
class Benchmark:
    """A benchmark declaration: how to read its file, prompt the student, and score each answer."""

    name: str
    kind: Kind
    load: Loader
    """Reads the real file layout from a local path (a file, or a directory of per-subject files)."""
    render: Renderer
    """The user turn(s) the student sees for an item."""
    description: str = ""
    system_prompt: str | None = None
    extract: RegexExtractor | None = None
    llm_fallback: LLMFallback | None = None
    compare: Comparer | None = None
    grade: Grader | None = None
    scale: Scale = "unit"
    summarize: Summarizer | None = None
    """Extra benchmark-level figures (e.g. IFEval's loose and instruction-level accuracies)."""

    def __post_init__(self) -> None:
        extractive = self.extract is not None and self.compare is not None
        if extractive == (self.grade is not None):
            raise ValueError(f"benchmark {self.name!r}: declare either extract+compare or grade")

    @property
    def extractive(self) -> bool:
        """Whether answers are extracted (regex, then LLM) and compared, rather than graded."""
        return self.grade is None
