"""What scoring needs besides the item and the answer: LLM fallbacks, the audit setting, judges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import dspy

from eval.benchmarks.base import LLMFallback
from eval.extraction.decide import AuditConfig, LLMFallbackFn
from eval.extraction.llm import build_fallback
from eval.judges import FoFoJudge, FormatJudge, MTBenchJudge, TurnJudge


class MissingJudgeError(ValueError):
    """A judged benchmark was scored without a judge."""


@dataclass
class ScoringContext:
    """LLM fallbacks by kind (``mcq``/``math``/``general``), the audit setting, and the judges."""

    fallbacks: Mapping[str, LLMFallbackFn] = field(default_factory=dict)
    audit: AuditConfig | None = None
    turn_judge: TurnJudge | None = None
    format_judge: FormatJudge | None = None

    @classmethod
    def from_lms(
        cls,
        judge_lm: dspy.BaseLM | None = None,
        extractor_lm: dspy.BaseLM | None = None,
        audit: AuditConfig | None = None,
        adapter: dspy.Adapter | None = None,
    ) -> ScoringContext:
        """Fallbacks on ``extractor_lm`` and judges on ``judge_lm`` (either may be absent)."""
        fallbacks = (
            {k: build_fallback(k, extractor_lm, adapter) for k in ("mcq", "math", "general")}
            if extractor_lm is not None else {}
        )
        return cls(
            fallbacks=fallbacks,
            audit=audit,
            turn_judge=MTBenchJudge(judge_lm, adapter) if judge_lm is not None else None,
            format_judge=FoFoJudge(judge_lm, adapter) if judge_lm is not None else None,
        )

    def fallback(self, kind: LLMFallback | None) -> LLMFallbackFn | None:
        """The LLM fallback of ``kind``, or ``None`` (regex only)."""
        return self.fallbacks.get(kind) if kind is not None else None

    def require_turn_judge(self, benchmark: str) -> TurnJudge:
        """The MT-Bench judge, or :class:`MissingJudgeError`."""
        if self.turn_judge is None:
            raise MissingJudgeError(f"{benchmark}: needs a judge (pass judge_lm)")
        return self.turn_judge

    def require_format_judge(self, benchmark: str) -> FormatJudge:
        """The format judge, or :class:`MissingJudgeError`."""
        if self.format_judge is None:
            raise MissingJudgeError(f"{benchmark}: needs a judge (pass judge_lm)")
        return self.format_judge
