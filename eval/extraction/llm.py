"""LLM fallbacks built on the paper's Appendix B judges: MCQ extraction, math verdict, general verdict.

Each builder takes a DSPy LM and returns an :data:`~eval.extraction.decide.LLMFallbackFn`; tests pass
LMs built on ``dspy.utils.DummyLM``.
"""

from __future__ import annotations

import dspy

from eval.benchmarks.base import BenchItem, LLMFallback
from eval.extraction.decide import LLMDecision, LLMFallbackFn
from eval.judge_call import JudgeCall
from signatures.appendix_b import GeneralVerdict, MathVerdict, MCQExtraction


def _question(item: BenchItem) -> str:
    return str(item.metadata.get("question") or item.user_turns()[-1])


def _reference_text(item: BenchItem) -> str:
    ref = item.reference
    return " | ".join(ref) if isinstance(ref, list) else str(ref or "")


def options_text(item: BenchItem) -> str:
    """The options as the paper's extraction prompt shows them: ``[(A) 0, (B) 1, ...]``."""
    labels = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "[" + ", ".join(f"({labels[i]}) {c}" for i, c in enumerate(item.choices)) + "]"


def mcq_extractor(lm: dspy.BaseLM, adapter: dspy.Adapter | None = None) -> LLMFallbackFn:
    """The option letter(s) the student chose, parsed by :class:`MCQExtraction`."""
    call = JudgeCall(MCQExtraction, lm, adapter)

    def fallback(item: BenchItem, response: str) -> LLMDecision:
        pred = call(question=_question(item), options=options_text(item), student_response=response)
        if pred is None:
            return LLMDecision(parse_failure=True)
        letters = sorted({str(x).strip().strip("()").upper() for x in pred.parsed_answer if str(x).strip()})
        return LLMDecision(answer="".join(letters) or None)

    return fallback


def math_verdict(lm: dspy.BaseLM, adapter: dspy.Adapter | None = None) -> LLMFallbackFn:
    """Correct/Incorrect against the problem setter's solution, by :class:`MathVerdict`."""
    call = JudgeCall(MathVerdict, lm, adapter)

    def fallback(item: BenchItem, response: str) -> LLMDecision:
        solution = str(item.metadata.get("solution") or _reference_text(item))
        pred = call(problem=_question(item), reference_solution=solution, student_answer=response)
        if pred is None:
            return LLMDecision(parse_failure=True)
        return LLMDecision(correct=pred.verdict == "Correct", rationale=pred.error_analysis)

    return fallback


def general_verdict(lm: dspy.BaseLM, adapter: dspy.Adapter | None = None) -> LLMFallbackFn:
    """Correct/Incorrect against the correct answer, by :class:`GeneralVerdict`."""
    call = JudgeCall(GeneralVerdict, lm, adapter)

    def fallback(item: BenchItem, response: str) -> LLMDecision:
        pred = call(correct_answer=_reference_text(item), student_response=response)
        if pred is None:
            return LLMDecision(parse_failure=True)
        return LLMDecision(correct=pred.verdict == "Correct", rationale=pred.error_analysis)

    return fallback


BUILDERS = {"mcq": mcq_extractor, "math": math_verdict, "general": general_verdict}


def build_fallback(kind: LLMFallback, lm: dspy.BaseLM, adapter: dspy.Adapter | None = None) -> LLMFallbackFn:
    """The fallback of ``kind`` (``mcq``, ``math`` or ``general``) on ``lm``."""
    return BUILDERS[kind](lm, adapter)
