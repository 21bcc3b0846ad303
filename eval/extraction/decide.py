"""The extraction chain: regex (strict, flexible), then an LLM fallback, with an optional audit of both.

The regex decides when it finds an answer; otherwise the LLM fallback (a callable, so tests pass one
built on ``dspy.utils.DummyLM``) decides. In audit mode the LLM also runs on a seeded sample of the rows
the regex decided; both outcomes are recorded and :func:`agreement` reports how often they agree. A
response nobody can extract from is a recorded miss (score 0), never an exception; an LLM output that
cannot be parsed leaves the item unscored and flagged.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from eval.benchmarks.base import BenchItem, ExtractionAudit, ExtractorName, ItemResult

if TYPE_CHECKING:
    from eval.benchmarks.base import Comparer


class Extraction(BaseModel):
    """What a regex extractor found: an answer and the stage that found it, or a miss and why."""

    model_config = ConfigDict(extra="forbid")

    answer: str | None
    extractor: ExtractorName | None
    miss_reason: str | None = None


class LLMDecision(BaseModel):
    """What an LLM fallback said: an extracted answer (MCQ letters), or a verdict (math, general)."""

    model_config = ConfigDict(extra="forbid")

    answer: str | None = None
    correct: bool | None = None
    parse_failure: bool = False
    rationale: str = ""


LLMFallbackFn = Callable[[BenchItem, str], LLMDecision]
"""``(item, student response) -> LLMDecision``."""


class AuditConfig(BaseModel):
    """Run the LLM fallback also on a seeded share of the rows the regex decided, to measure agreement."""

    model_config = ConfigDict(extra="forbid")

    rate: float = Field(0.0, ge=0.0, le=1.0)
    """Share of regex-decided rows audited (0 = never, 1 = all)."""
    seed: int = 0

    def selects(self, item_id: str) -> bool:
        """Whether the row ``item_id`` is audited (depends only on the seed and the id, not on order)."""
        if self.rate <= 0.0:
            return False
        return self.rate >= 1.0 or random.Random(f"{self.seed}:{item_id}").random() < self.rate


def _llm_score(decision: LLMDecision, item: BenchItem, compare: Comparer) -> float | None:
    if decision.parse_failure:
        return None
    if decision.answer is not None:
        return compare(decision.answer, item)
    if decision.correct is not None:
        return 1.0 if decision.correct else 0.0
    return None


def decide(
    item: BenchItem,
    response: str,
    regex: Callable[[str, BenchItem], Extraction],
    compare: Comparer,
    llm: LLMFallbackFn | None = None,
    audit: AuditConfig | None = None,
) -> ItemResult:
    """Extract and score one response, recording which extractor decided."""
    base = {"id": item.id, "category": item.category, "student_answer": response}
    found = regex(response, item)
    if found.answer is not None:
        score = compare(found.answer, item)
        record = None
        if llm is not None and audit is not None and audit.selects(item.id):
            decision = llm(item, response)
            llm_score = _llm_score(decision, item, compare)
            record = ExtractionAudit(
                regex_answer=found.answer, regex_score=score, llm_answer=decision.answer,
                llm_score=llm_score, llm_parse_failure=decision.parse_failure,
                agree=None if llm_score is None else llm_score == score,
            )
        return ItemResult(**base, extracted=found.answer, extractor=found.extractor, score=score, audit=record)
    if llm is None or found.miss_reason == "empty_response":
        return ItemResult(**base, score=0.0, miss_reason=found.miss_reason)
    decision = llm(item, response)
    if decision.parse_failure:
        return ItemResult(**base, score=None, judge_parse_failure=True,
                          miss_reason=f"{found.miss_reason}; llm_output_unparseable")
    llm_score = _llm_score(decision, item, compare)
    if llm_score is None:
        return ItemResult(**base, score=0.0, miss_reason=f"{found.miss_reason}; llm_found_no_answer")
    return ItemResult(**base, extracted=decision.answer, extractor="llm", score=llm_score,
                      details={"llm_rationale": decision.rationale} if decision.rationale else {})


class Agreement(BaseModel):
    """How often the regex and the LLM reached the same score on the rows where both ran."""

    model_config = ConfigDict(extra="forbid")

    audited: int
    agreed: int
    llm_parse_failures: int
    rate: float | None
    """``agreed / (audited - llm_parse_failures)``; ``None`` when no audited row could be compared."""


def agreement(results: Sequence[ItemResult]) -> Agreement | None:
    """The regex/LLM agreement over the audited rows of ``results``; ``None`` when none was audited."""
    audits = [r.audit for r in results if r.audit is not None]
    if not audits:
        return None
    comparable = [a for a in audits if a.agree is not None]
    agreed = sum(1 for a in comparable if a.agree)
    return Agreement(
        audited=len(audits), agreed=agreed, llm_parse_failures=len(audits) - len(comparable),
        rate=agreed / len(comparable) if comparable else None,
    )
