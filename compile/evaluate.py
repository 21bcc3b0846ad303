"""Score a program on held-out examples with a skill metric, counting failures and reporting jury agreement."""

from __future__ import annotations

import logging

import dspy
from pydantic import BaseModel, ConfigDict

from metrics.jury import JuryReport
from metrics.skill_metric import SkillMetric

log = logging.getLogger(__name__)


class HeldoutScore(BaseModel):
    """Mean metric score in [0, 1] over the held-out examples (a failed example scores 0), and the juries."""

    model_config = ConfigDict(extra="forbid")

    score: float
    examples: int
    failures: int
    per_example: list[float | None]
    errors: list[str]
    jury: dict[str, JuryReport]


def evaluate_heldout(program: dspy.Module, examples: list[dspy.Example], metric: SkillMetric) -> HeldoutScore:
    """Run the program on every example and judge what it produced (``BudgetExhausted`` propagates)."""
    metric.reset()
    per_example: list[float | None] = []
    errors = []
    for example in examples:
        try:
            pred = program(**example.inputs())
            per_example.append(float(metric(example, pred)))
        except Exception as exc:  # noqa: BLE001 - counted and reported; the example scores 0
            log.warning("held-out example %s failed: %s", example.get("seed_id"), exc)
            per_example.append(None)
            errors.append(f"{example.get('seed_id')}: {type(exc).__name__}: {exc}"[:300])
    score = sum(s or 0.0 for s in per_example) / len(per_example) if per_example else 0.0
    return HeldoutScore(score=score, examples=len(examples), failures=len(errors), per_example=per_example,
                        errors=errors, jury=metric.report())
