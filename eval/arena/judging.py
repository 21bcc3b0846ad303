"""Arena judges over a DSPy LM: one call compares two answers in one order (a five-level label, or a 1-10
score per answer); another rates an instruction's difficulty (0-10).

The outputs are typed fields (the adapter parses them); an output the adapter cannot parse, one the LM
middleware found malformed in every sample (``malformed_<reason>``), or a score outside its scale is a
typed failure that the caller keeps and counts, never a default verdict. Errors of the LM itself
(network, budget) propagate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import dspy

from core.lm.compact_adapter import CompactJSONAdapter, wants_compact_prompts
from core.lm.metered import MalformedAnswer
from eval.arena.verdicts import LABELS, Label
from eval.judge_call import JudgeCall
from signatures.arena import ArenaScores, ArenaVerdict, InstructionDifficulty

Mode = Literal["label", "score"]
SCORE_RANGE = (1, 10)
DIFFICULTY_RANGE = (0, 10)
EXPLANATION_PATTERN = r'^[^"\\\x00-\x1F]{1,300}$'
"""The embedded judge's explanation under its grammar: one line of at most 300 characters, without quotes,
backslashes or control characters. Uncapped, a 135M model often wrote until ``max_tokens`` (a cut answer is
asked again: one judgement cost 3 x 512 tokens); and llama-cpp-python's grammar for JSON strings admits raw
control characters (its ``char`` rule), which strict JSON refuses (a malformed answer, asked again)."""


_CAPPED: dict[type, type] = {}


class CompactJudgeAdapter(CompactJSONAdapter):
    """The compact adapter with the judges' explanation held to ``EXPLANATION_PATTERN`` in the schema (the
    verdict fields after it still fit in ``max_tokens``)."""

    def adjust_response_format(self, lm_kwargs: dict) -> None:
        super().adjust_response_format(lm_kwargs)
        fmt = lm_kwargs.get("response_format")
        if not callable(getattr(fmt, "model_json_schema", None)):
            return
        capped = _CAPPED.get(fmt)
        if capped is None:
            schema = fmt.model_json_schema()
            props = dict(schema.get("properties", {}))
            if (props.get("explanation") or {}).get("type") == "string":
                props["explanation"] = {"type": "string", "pattern": EXPLANATION_PATTERN}
            schema = {**schema, "properties": props}
            capped = type(fmt.__name__, (fmt,), {})  # a subclass of its own: DSPy's model is never mutated
            capped.model_json_schema = lambda *args, **kwargs: schema
            _CAPPED[fmt] = capped
        lm_kwargs["response_format"] = capped


def malformed_reason(exc: BaseException) -> str | None:
    """The reason code when ``exc`` (or an exception it was raised from) is the middleware's
    ``MalformedAnswer``: every sample of the structured answer was unusable (cut, not JSON, ...)."""
    link: BaseException | None = exc
    while link is not None:
        if isinstance(link, MalformedAnswer):
            return f"malformed_{link.reason_code}"
        link = link.__cause__ or link.__context__
    return None


def _ask(call: JudgeCall, **inputs) -> tuple[dspy.Prediction | None, str | None]:
    """The prediction, or ``None`` and why: unparsed by the adapter, or malformed every time it was asked."""
    try:
        pred = call(**inputs)
    except Exception as exc:  # only a malformed answer is a verdict's failure; others propagate
        reason = malformed_reason(exc)
        if reason is None:
            raise
        return None, reason
    return pred, None if pred is not None else "parse"


def judge_adapter(lm: dspy.BaseLM) -> dspy.Adapter:
    """The adapter a judge on ``lm`` gets: the capped compact one for the embedded model, else JSON."""
    return CompactJudgeAdapter() if wants_compact_prompts(lm) else dspy.JSONAdapter()


@dataclass(frozen=True)
class Judgement:
    """One judge call: a ``label`` or ``scores`` (A, B), or a ``failure`` reason; the judge's explanation."""

    label: Label | None = None
    scores: tuple[float, float] | None = None
    failure: str | None = None
    explanation: str = ""


def _in_range(value: object, low: int, high: int) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        return None
    return float(value)


_BARE: dict[type, type] = {}


def _without_explanation(signature: type[dspy.Signature]) -> type[dspy.Signature]:
    if signature not in _BARE:
        _BARE[signature] = signature.delete("explanation")
    return _BARE[signature]


class PairJudge:
    """``ArenaVerdict`` (``mode="label"``) or ``ArenaScores`` (``mode="score"``) on ``lm``; ``explain=False``
    asks for the verdict alone (no explanation first)."""

    def __init__(self, lm: dspy.BaseLM, mode: Mode = "label", adapter: dspy.Adapter | None = None,
                 explain: bool = True):
        if mode not in ("label", "score"):
            raise ValueError(f"mode is 'label' or 'score', got {mode!r}")
        self.mode = mode
        signature = ArenaVerdict if mode == "label" else ArenaScores
        self.call = JudgeCall(signature if explain else _without_explanation(signature), lm, adapter)

    def __call__(self, request: str, answer_a: str, answer_b: str) -> Judgement:
        """Judge ``answer_a`` (position A) against ``answer_b`` (position B)."""
        pred, failure = _ask(self.call, request=request, answer_a=answer_a, answer_b=answer_b)
        if pred is None:
            return Judgement(failure=failure)
        explanation = str(getattr(pred, "explanation", "") or "")
        if self.mode == "label":
            label = getattr(pred, "label", None)
            if label not in LABELS:
                return Judgement(failure="no_label", explanation=explanation)
            return Judgement(label=label, explanation=explanation)
        a = _in_range(getattr(pred, "score_a", None), *SCORE_RANGE)
        b = _in_range(getattr(pred, "score_b", None), *SCORE_RANGE)
        if a is None or b is None:
            return Judgement(failure="out_of_range", explanation=explanation)
        return Judgement(scores=(a, b), explanation=explanation)


class DifficultyJudge:
    """``InstructionDifficulty`` on ``lm``: a rating in [0, 10], or ``None`` when unparsed (counted)."""

    def __init__(self, lm: dspy.BaseLM, adapter: dspy.Adapter | None = None):
        self.call = JudgeCall(InstructionDifficulty, lm, adapter)

    def __call__(self, request: str) -> float | None:
        """The difficulty of ``request``."""
        pred, _ = _ask(self.call, request=request)
        return None if pred is None else _in_range(getattr(pred, "difficulty", None), *DIFFICULTY_RANGE)
