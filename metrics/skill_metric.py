"""The metric a skill program is compiled against: judge scores of the items its ``forward`` produces.

Reference-free: each generated item (instruction + teacher response) is checked deterministically and then
rated by juries (rubric quality by default; instruction quality, faithfulness and difficulty of refined
items on request). The program's score is the mean item score in [0, 1].
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import dspy
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.taxonomy import SkillSpec
from metrics.checks import CheckResult, ChecksConfig, check_item
from metrics.judges import Difficulty, Faithfulness, InstructionQuality, ItemQuality
from metrics.jury import Aggregation, Juror, JuryReport, NoVerdict

log = logging.getLogger(__name__)

Component = Literal["quality", "instruction", "faithfulness", "difficulty"]
_JUDGES = {"quality": ItemQuality, "instruction": InstructionQuality, "faithfulness": Faithfulness,
           "difficulty": Difficulty}


class SkillMetricConfig(BaseModel):
    """Which judges score an item, how they are weighted, and how checks count."""

    model_config = ConfigDict(extra="forbid")

    weights: dict[Component, float] = Field(default_factory=lambda: {"quality": 1.0})
    """Judged components and their weights (``difficulty`` applies to refined items only)."""
    aggregate: Aggregation = "mean"
    """How each component's jury combines its judges."""
    threshold: float = Field(default=0.5, ge=0, le=1)
    """Score an item set must reach to count as a success when DSPy bootstraps with a trace."""
    check_mode: Literal["gate", "score", "off"] = "gate"
    """gate: an item failing a check scores 0 without a judge call; score: the share of passed checks is
    one more component (weight ``check_weight``); off: no checks."""
    check_weight: float = Field(default=1.0, ge=0)
    checks: ChecksConfig = Field(default_factory=ChecksConfig)

    @field_validator("weights")
    @classmethod
    def _positive(cls, value: dict) -> dict:
        if not value or any(w < 0 for w in value.values()) or sum(value.values()) <= 0:
            raise ValueError("needs at least one component with a positive weight and no negative weight")
        return value


@dataclass
class ItemScore:
    """One item's score, its components, its checks and the judges' feedback."""

    score: float
    parts: dict[str, float] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)


class SkillMetric(dspy.Module):
    """``metric(example, pred, trace=None)`` for a skill program (``pred.generated``: the items of ``forward``).

    Returns the mean item score in [0, 1]; with ``trace`` set, whether it reaches ``threshold``; called by
    GEPA (with ``pred_name``), a ``dspy.Prediction(score, feedback)``.
    """

    def __init__(self, spec: SkillSpec, config: SkillMetricConfig | None = None,
                 jurors: Sequence[Juror] | None = None):
        super().__init__()
        self.spec = spec
        self.config = config or SkillMetricConfig()
        kwargs = {"jurors": jurors, "aggregate": self.config.aggregate}
        self.components = {}
        for name in self.config.weights:
            extra = {"rubric": spec.judge_rubric} if name in ("quality", "instruction") else {}
            self.components[name] = _JUDGES[name](**extra, **kwargs)

    def score_item(self, item: Any, parent: Any = None, seed_text: str | None = None) -> ItemScore:
        """Checks first, then every applicable judged component, weighted."""
        result = ItemScore(0.0)
        if self.config.check_mode != "off":
            result.checks = check_item(item, self.spec, self.config.checks)
            failed = [c for c in result.checks if not c.passed]
            result.feedback += [f"check {c.name} failed: {c.detail}" for c in failed]
            if failed and self.config.check_mode == "gate":
                return result
            if self.config.check_mode == "score":
                result.parts["checks"] = 1 - len(failed) / len(result.checks)
        users = [m["content"] for m in getattr(item, "messages", None) or [] if m["role"] == "user"]
        request = users[0] if users else self.spec.user_template.format(passage=item.passage,
                                                                          instruction=item.instruction)
        view = dspy.Example(request=request, response=item.response or "", passage=item.passage,
                            instruction=item.instruction, instruction_type=self._type_name(item),
                            goal=item.goal, source=seed_text)
        for name, judge in self.components.items():
            if name == "difficulty" and parent is None:
                continue
            ref = view if name != "difficulty" else dspy.Example(original_passage=parent.passage,
                                                                  original_instruction=parent.instruction)
            try:
                verdict = judge.judge(judge.inputs(ref, view), ref, view)
            except NoVerdict as exc:
                # No judge could rate the item: it earns no credit. The jury report counts the failed ballots.
                result.parts[name] = 0.0
                result.feedback.append(f"[{name}] {exc}")
                continue
            result.parts[name] = verdict.score
            if verdict.feedback:
                result.feedback.append(f"[{name}] {verdict.feedback}")
        weights = {**self.config.weights, "checks": self.config.check_weight}
        total = sum(weights[k] for k in result.parts)
        result.score = sum(weights[k] * v for k, v in result.parts.items()) / total if total else 0.0
        return result

    def score_items(self, example: Any, pred: Any) -> list[ItemScore]:
        """Scores of every generated item (``pred.generated``: the unit's ``Example``s, or ``PassageItem``s),
        refined items compared with the item they were refined from (its ``parent`` key)."""
        items = list(getattr(pred, "generated", None) or [])
        by_key = {item.key: item for item in items if getattr(item, "key", "")}
        seed_text = getattr(example, "seed_text", None)
        return [self.score_item(item, by_key.get(getattr(item, "parent", None) or ""), seed_text)
                for item in items]

    def forward(self, example: Any, pred: Any, trace: Any = None, pred_name: str | None = None,
                pred_trace: Any = None) -> float | bool | dspy.Prediction:
        scores = self.score_items(example, pred)
        score = sum(s.score for s in scores) / len(scores) if scores else 0.0
        if pred_name is not None:
            feedback = "\n".join(f for s in scores for f in s.feedback) or f"score {score:.2f}"
            return dspy.Prediction(score=score, feedback=feedback)
        return score >= self.config.threshold if trace is not None else score

    def report(self) -> dict[str, JuryReport]:
        """The jury report of every judged component."""
        return {name: judge.report() for name, judge in self.components.items()}

    def reset(self) -> None:
        """Forget the ballots recorded so far."""
        for judge in self.components.values():
            judge.book.reset()

    def _type_name(self, item: Any) -> str:
        try:
            itype = self.spec.instruction_type(item.instruction_type)
        except KeyError:
            return item.instruction_type
        return f"{itype.name}: {itype.instructions}"
