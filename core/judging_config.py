"""Run-level judging settings: who sits on the jury, what overrides the skills' defaults, and the score
thresholds below which an item is refused (``quality.min_score``, resolved by ``min_score_for``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.judging_spec import Aggregation, Criterion, JudgingSpec

if TYPE_CHECKING:
    from core.config import ModelSpec  # resolved by core.config (model_rebuild) once ModelSpec exists


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JurorConfig(_Strict):
    """One seat of the jury: a role's model or a model of its own, with an optional prompt of its own (a
    second prompt on one model is a second juror). Every juror's calls are accounted under ``judge``."""

    name: str = Field(default="judge", pattern=r"^[A-Za-z0-9_.:-]+$")
    role: Literal["transformer", "generator", "suggester", "editor", "responder", "judge"] = "judge"
    """The role whose configured model this juror runs on (unless ``model`` is given)."""
    model: ModelSpec | None = None
    """A model of this juror's own (e.g. a second provider on the jury)."""
    instructions: str | None = None
    """Replaces each judge signature's instructions for this juror (``None``: the shipped prompts)."""
    weight: float = Field(default=1.0, gt=0)
    """The juror's weight under ``aggregate: weighted``."""


class JudgingConfig(_Strict):
    """The judging stage after every flow (see docs/judging.md)."""

    enabled: bool = True
    jurors: list[JurorConfig] = Field(default_factory=lambda: [JurorConfig()])
    """Who sits on every criterion's jury; each juror's calls are accounted under the ``judge`` role."""
    criteria: dict[str, list[Criterion]] = Field(default_factory=dict)
    """Per skill (or ``"*"`` for all): the criteria to judge, replacing the skill file's ``judging.criteria``."""
    aggregate: Aggregation | None = None
    """How ballots combine (``None``: each skill's ``judging.aggregate``)."""
    checks: bool = True
    """Run the skill's mechanical checks before any judge call."""
    difficulty: bool = True
    """Rate each refined item against its parent (harder?); reported, never a reason to refuse."""
    no_verdict: Literal["refuse", "keep"] = "refuse"
    """An item whose jury returned no usable ballot on a criterion with a threshold: refused (reason
    ``judge``, ``no verdict``) or written with that criterion unscored."""
    pairwise: bool = False
    """Confirm each preference pair with a pairwise judge asked in both orders (position flips counted);
    a pair the pairwise jury does not confirm is not written."""
    min_margin: float = Field(default=0.1, ge=0.0, le=1.0)
    """Overall-score difference a preference pair needs between its chosen and rejected reply."""
    calibration: str | None = None
    """A JSONL file of items labelled good/bad; each juror's accuracy on it goes to the summary."""

    @field_validator("jurors")
    @classmethod
    def _unique(cls, value: list[JurorConfig]) -> list[JurorConfig]:
        names = [j.name for j in value]
        if not value or len(set(names)) != len(names):
            raise ValueError(f"needs at least one juror, each name once (got {names})")
        return value

    def criteria_for(self, skill: str, spec: JudgingSpec) -> list[str]:
        """The criteria a skill's items are judged on: this config's, else the skill file's."""
        return list(self.criteria.get(skill) or self.criteria.get("*") or spec.criteria)

    def aggregate_for(self, spec: JudgingSpec) -> str:
        """How ballots combine for a skill."""
        return self.aggregate or spec.aggregate


def min_score_for(setting: float | Mapping[str, float] | None, skill: str, criterion: str,
                  spec: JudgingSpec) -> float | None:
    """The score ``criterion`` must reach for an item of ``skill`` to be written (``None``: no threshold).

    ``setting`` is ``quality.min_score``: one number for every criterion of every skill, or a mapping whose
    most specific key wins: ``"<skill>.<criterion>"``, ``"<skill>"``, ``"<criterion>"``, ``"*"``. Without a
    matching key the skill file's ``judging.min_score`` applies.
    """
    if isinstance(setting, (int, float)):
        return float(setting)
    for key in (f"{skill}.{criterion}", skill, criterion, "*"):
        if setting and key in setting:
            return float(setting[key])
    value = spec.min_score.get(criterion)  # type: ignore[call-overload]
    return None if value is None else float(value)
