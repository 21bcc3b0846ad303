"""A jury: several judges (models or prompts) rate the same item; their ballots are aggregated and their
agreement is measured over every item they rated."""

from __future__ import annotations

import statistics
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import dspy
from pydantic import BaseModel, ConfigDict, Field

from metrics.agreement import krippendorff_alpha, mean_defined, pairwise_spearman

Aggregation = Literal["mean", "median", "majority", "weighted"]


class NoVerdict(RuntimeError):
    """No judge of the jury returned a usable ballot for an item; ``ballots`` holds the failed ones."""

    def __init__(self, message: str, ballots: Sequence[Ballot] = ()):
        super().__init__(message)
        self.ballots = list(ballots)


@dataclass(frozen=True)
class Juror:
    """One judge: a name, the LM it runs on (``None``: the ambient LM) and optional prompt instructions
    that replace the signature's (a second prompt is a second juror). ``role`` is what its calls are
    accounted under (default: its name)."""

    name: str
    lm: dspy.BaseLM | None = None
    instructions: str | None = None
    weight: float = 1.0
    role: str | None = None


@dataclass
class Ballot:
    """One judge's rating of one item: a score in [0, 1], or the error that prevented it (a failed ballot:
    never read as a 0). ``reason`` is the failure's reason code (``parse`` when the answer did not parse)."""

    judge: str
    score: float | None
    rationale: str = ""
    error: str | None = None
    model: str = ""
    reason: str | None = None

    @property
    def parsed(self) -> bool:
        """Whether the judge's answer was read as a verdict."""
        return self.score is not None


@dataclass
class Verdict:
    """The jury's aggregated score of one item and the ballots behind it."""

    score: float
    ballots: list[Ballot] = field(default_factory=list)

    @property
    def feedback(self) -> str:
        """The judges' rationales, one per line (for reflective optimizers such as GEPA)."""
        return "\n".join(f"{b.judge}: {b.rationale}" for b in self.ballots if b.score is not None and b.rationale)


def aggregate(ballots: Sequence[Ballot], how: Aggregation = "mean", weights: Mapping[str, float] | None = None,
              threshold: float = 0.5) -> float:
    """Combine the usable ballots: mean, median, weighted mean, or majority vote of ``score >= threshold``
    (1.0 when most pass, 0.0 when most fail, 0.5 on a tie). ``NoVerdict`` when none is usable."""
    valid = [b for b in ballots if b.score is not None]
    if not valid:
        errors = "; ".join(f"{b.judge}: {b.error}" for b in ballots)
        raise NoVerdict(f"no judge returned a usable ballot ({errors})", ballots)
    scores = [b.score for b in valid]
    if how == "mean":
        return sum(scores) / len(scores)
    if how == "median":
        return float(statistics.median(scores))
    if how == "weighted":
        w = [float((weights or {}).get(b.judge, 1.0)) for b in valid]
        if sum(w) <= 0:
            raise ValueError("weighted aggregation needs a positive total weight")
        return sum(s * x for s, x in zip(scores, w, strict=False)) / sum(w)
    if how == "majority":
        passed = sum(s >= threshold for s in scores)
        failed = len(scores) - passed
        return 1.0 if passed > failed else 0.0 if failed > passed else 0.5
    raise ValueError(f"unknown aggregation {how!r}; use one of mean, median, majority, weighted")


class JuryReport(BaseModel):
    """How a jury voted over the items it rated, and how much its judges agreed."""

    model_config = ConfigDict(extra="forbid")

    metric: str
    judges: list[str]
    aggregate: str
    items: int
    mean_score: float | None
    mean_by_judge: dict[str, float | None]
    failures_by_judge: dict[str, int]
    krippendorff_alpha: float | None = Field(description="Interval alpha over items; None if undefined.")
    spearman_mean: float | None = Field(description="Mean pairwise Spearman rho; None if undefined.")
    spearman_pairs: dict[str, float | None]


class BallotBook:
    """Every ballot a jury cast, per item (thread-safe), and the agreement report over them."""

    def __init__(self, metric: str, judges: Sequence[str], how: Aggregation):
        self.metric, self.judges, self.how = metric, list(judges), how
        self._rows: list[tuple[dict[str, float | None], float | None]] = []
        self._failures = {j: 0 for j in self.judges}
        self._lock = threading.Lock()

    def record(self, ballots: Sequence[Ballot], score: float | None) -> None:
        """Add one item's ballots and aggregated score (``None`` if the jury gave no verdict)."""
        with self._lock:
            self._rows.append(({b.judge: b.score for b in ballots}, score))
            for b in ballots:
                if b.score is None:
                    self._failures[b.judge] = self._failures.get(b.judge, 0) + 1

    def reset(self) -> None:
        """Forget every ballot (e.g. between a before and an after evaluation)."""
        with self._lock:
            self._rows.clear()
            self._failures = {j: 0 for j in self.judges}

    def report(self) -> JuryReport:
        """Scores by judge, failures, Krippendorff's alpha and pairwise Spearman over the recorded items."""
        with self._lock:
            rows = list(self._rows)
            failures = dict(self._failures)
        table = [[r.get(j) for j in self.judges] for r, _ in rows]
        multi = len(self.judges) > 1
        pairs = pairwise_spearman(table, self.judges) if multi else {}
        return JuryReport(
            metric=self.metric, judges=self.judges, aggregate=self.how, items=len(rows),
            mean_score=mean_defined(s for _, s in rows),
            mean_by_judge={j: mean_defined(r.get(j) for r, _ in rows) for j in self.judges},
            failures_by_judge=failures,
            krippendorff_alpha=krippendorff_alpha(table, "interval") if multi else None,
            spearman_mean=mean_defined(pairs.values()), spearman_pairs=pairs,
        )
