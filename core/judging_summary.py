"""What the judging stage did over a whole run: refusals by skill and criterion, score histograms, failed
ballots, inter-judge agreement, the difficulty gained by refinement, preference pairs, calibration."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

HISTOGRAM_BINS = 10
"""Score histograms have this many equal bins over [0, 1] (the last one includes 1.0)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RefinementStat(_Strict):
    """Refined items of one skill and goal (or round), rated against their parents."""

    refined: int = 0
    """Refined items that reached the judging stage."""
    answerable: int = 0
    """Of those, the ones that passed the mechanical checks (answerable, or deliberately unanswerable)."""
    rated: int = 0
    """Of those, the ones the difficulty jury gave a verdict on."""
    harder: int = 0
    """Of the rated, the ones judged harder than their parent (difficulty >= 0.5)."""
    difficulty_sum: float = 0.0
    faithful: int = 0
    """Of the answerable ones judged on faithfulness, the ones that reached its threshold (0.5)."""
    faithful_rated: int = 0

    @property
    def harder_share(self) -> float | None:
        """The share of rated refined items judged harder."""
        return self.harder / self.rated if self.rated else None

    @property
    def mean_difficulty(self) -> float | None:
        """The mean difficulty verdict (the share of judges that found an item harder, averaged)."""
        return self.difficulty_sum / self.rated if self.rated else None


class JudgingSummary(_Strict):
    """The judging stage over every item of a run (kept, refused by the judges, refused by the checks)."""

    judged: int = 0
    """Items that met the judging stage (candidates ranked per item count once)."""
    kept: int = 0
    refused_by_judges: int = 0
    refused_by_checks: int = 0
    refusals: dict[str, int] = Field(default_factory=dict)
    """``<skill>/<criterion>`` (or ``<skill>/check:<name>``) -> items it refused (an item may count twice)."""
    histogram: dict[str, list[int]] = Field(default_factory=dict)
    """``<criterion>`` (and ``overall``) -> item counts in ``HISTOGRAM_BINS`` bins over [0, 1]."""
    ballots: int = 0
    failed_ballots: int = 0
    """Ballots that did not parse or whose call failed (never counted as a score)."""
    failed_ballots_by_judge: dict[str, int] = Field(default_factory=dict)
    agreement: dict[str, float | None] = Field(default_factory=dict)
    """``<criterion>`` -> Krippendorff's interval alpha between the jurors (``None``: one juror, or too few)."""
    refinement: dict[str, RefinementStat] = Field(default_factory=dict)
    """``<skill>/<goal>`` -> refined items rated against their parents."""
    refinement_by_round: dict[str, RefinementStat] = Field(default_factory=dict)
    """``<skill>/round <n>`` -> the same, per refinement round."""
    preference_pairs: int = 0
    position_flips: int = 0
    """Pairwise judges that changed their verdict when the two responses swapped places."""
    calibration: dict[str, float | None] = Field(default_factory=dict)
    """``<criterion>/<juror>`` -> accuracy on the calibration file's good/bad labels."""

    @property
    def harder_share(self) -> float | None:
        """The share of rated refined items judged harder, over every skill and goal."""
        rated = sum(s.rated for s in self.refinement.values())
        return sum(s.harder for s in self.refinement.values()) / rated if rated else None
