"""A skill's default jury, as data in its YAML file (``judging:``): which judges, how they combine, which
mechanical checks run first and the score an item must reach on each criterion.

The run config (``core.judging_config.JudgingConfig``, ``quality.min_score``) may override every part.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Criterion = Literal["quality", "instruction", "faithfulness", "format", "correctness", "summary"]
"""A judged criterion: rubric quality (the skill's ``judge_rubric``), instruction quality, the paper's
hallucination judge (faithfulness to the passage), format following (items with formatting guidelines),
correctness against a reference (items that carry one) and the paper's summary quality judge."""
CRITERIA: tuple[str, ...] = ("quality", "instruction", "faithfulness", "format", "correctness", "summary")
Aggregation = Literal["mean", "median", "majority", "weighted"]
CheckName = Literal["instruction_length", "response_length", "instruction_language", "response_language",
                    "answerability", "options", "schema", "placeholder", "heading", "echo"]
CHECKS: tuple[str, ...] = ("instruction_length", "response_length", "instruction_language", "response_language",
                           "answerability", "options", "schema", "placeholder", "heading", "echo")


class JudgingSpec(BaseModel):
    """The jury a skill's items meet after their last stage (the defaults of ``judging:`` in a skill file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    criteria: list[Criterion] = Field(default_factory=lambda: ["quality"])
    """The judges, one call per juror each (``format`` and ``correctness`` only where they apply)."""
    aggregate: Aggregation = "mean"
    """How each criterion's ballots combine when several jurors sit."""
    min_score: dict[Criterion, float] = Field(default_factory=lambda: {"quality": 0.5})
    """The aggregate an item must reach per criterion to be written (``quality.min_score`` overrides)."""
    checks: list[CheckName] = Field(default_factory=lambda: list(CHECKS))
    """The mechanical checks run before any judge call (a failed one refuses the item, reason ``check``)."""

    @field_validator("criteria")
    @classmethod
    def _some(cls, value: list[str]) -> list[str]:
        if not value or len(set(value)) != len(value):
            raise ValueError("must list at least one criterion, each once")
        return value

    @field_validator("min_score")
    @classmethod
    def _unit(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if not 0.0 <= v <= 1.0}
        if bad:
            raise ValueError(f"scores are in [0, 1], got {bad}")
        return value
