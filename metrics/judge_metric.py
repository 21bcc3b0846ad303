"""The base of every LLM-judge metric: a jury of one or more judges behind the DSPy metric protocol.

``metric(example, pred, trace=None)`` returns the jury's score in [0, 1]; with ``trace`` set (DSPy's
bootstrapping asks that way) it returns whether the score reaches ``threshold``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dspy

from core.flow.failures import FATAL_REASONS, classify
from core.lm.accounting import current_role
from metrics.jury import Aggregation, Ballot, BallotBook, Juror, JuryReport, Verdict, aggregate
from programs.role_lms import RoleLMs

log = logging.getLogger(__name__)

_MISSING = object()


class MetricInputError(ValueError):
    """The example or prediction lacks a field the judge needs."""


def field_of(example: Any, pred: Any, name: str, default: Any = _MISSING) -> Any:
    """``name`` from the prediction, else from the example, else ``default`` (or ``MetricInputError``)."""
    for source in (pred, example):
        value = getattr(source, name, None) if source is not None else None
        if value is None and isinstance(source, dict):
            value = source.get(name)
        if value is not None:
            return value
    if default is _MISSING:
        raise MetricInputError(f"neither the prediction nor the example has a {name!r} field")
    return default


class JudgeMetric(dspy.Module):
    """A metric judged by a jury. Subclasses set ``signature`` and implement ``inputs`` and ``to_score``."""

    signature: type[dspy.Signature]
    rationale_field = "rationale"

    def __init__(self, jurors: Sequence[Juror] | None = None, aggregate: Aggregation = "mean",
                 threshold: float = 0.5, guard: Callable[[], None] | None = None):
        super().__init__()
        jurors = list(jurors or [Juror("judge")])
        names = [j.name for j in jurors]
        if len(set(names)) != len(names):
            raise ValueError(f"juror names must be unique, got {names}")
        self.judges = {
            j.name: dspy.Predict(self.signature.with_instructions(j.instructions) if j.instructions
                                 else self.signature)
            for j in jurors
        }
        self.juror_lms = RoleLMs({j.name: j.lm for j in jurors if j.lm is not None}, guard=guard)
        self.roles = {j.name: j.role or j.name for j in jurors}
        self.weights = {j.name: j.weight for j in jurors}
        self.how = aggregate
        self.threshold = threshold
        self.book = BallotBook(type(self).__name__, names, aggregate)

    # -- to implement -------------------------------------------------------------------------------
    def inputs(self, example: Any, pred: Any) -> dict[str, Any]:
        """The judge signature's inputs for one (example, prediction)."""
        raise NotImplementedError

    def to_score(self, out: dspy.Prediction, example: Any, pred: Any) -> float:
        """A judge's output as a score in [0, 1] (``example`` and ``pred`` may hold a key or reference)."""
        raise NotImplementedError

    # -- judging ------------------------------------------------------------------------------------
    def judge(self, inputs: dict[str, Any], example: Any = None, pred: Any = None) -> Verdict:
        """Ask every juror, aggregate the usable ballots and record them for the agreement report."""
        ballots = []
        for name, predictor in self.judges.items():
            model = ""
            try:
                # A judge's calls are not part of the judged program's trace (DSPy bootstraps demos from it).
                with self.juror_lms.use(name), accounted_as(self.roles[name]), dspy.context(trace=None):
                    model = str(getattr(dspy.settings.lm, "model", "") or "")
                    out = predictor(**inputs)
                score = min(1.0, max(0.0, float(self.to_score(out, example, pred))))
                ballots.append(Ballot(name, score, str(getattr(out, self.rationale_field, "") or ""), model=model))
            except Exception as exc:  # one juror's failure is a recorded, counted ballot (fatal ones re-raised)
                reason = classify(exc)
                if reason in FATAL_REASONS:  # a dead or unpaid judge stops the run; it never votes 0
                    raise
                log.warning("%s: juror %s failed (%s): %s", type(self).__name__, name, reason, exc)
                ballots.append(Ballot(name, None, error=f"{type(exc).__name__}: {exc}"[:300], model=model,
                                      reason=reason))
        try:
            score = aggregate(ballots, self.how, self.weights, self.threshold)
        except Exception:
            self.book.record(ballots, None)
            raise
        self.book.record(ballots, score)
        return Verdict(score, ballots)

    def forward(self, example: Any, pred: Any, trace: Any = None) -> float | bool:
        """The jury's score in [0, 1]; with ``trace`` set, whether it reaches ``threshold``."""
        score = self.judge(self.inputs(example, pred), example, pred).score
        return score >= self.threshold if trace is not None else score

    def report(self) -> JuryReport:
        """Ballots, failures and inter-judge agreement over every item judged so far."""
        return self.book.report()


@contextlib.contextmanager
def accounted_as(role: str) -> Iterator[None]:
    """Account the enclosed calls under ``role`` (e.g. every juror under ``judge``)."""
    token = current_role.set(role)
    try:
        yield
    finally:
        current_role.reset(token)


class RubricJudgeMetric(JudgeMetric):
    """A judge metric whose prompt carries a rubric: the one fixed here, else the example's ``rubric``."""

    rubric_default: Any = _MISSING
    """The rubric of an example that has none (``_MISSING``: a ``MetricInputError``)."""

    def __init__(self, rubric: str | None = None, **jury: Any):
        super().__init__(**jury)
        self.rubric = rubric

    def rubric_for(self, example: Any) -> str:
        """The rubric the judges are given for ``example``."""
        return self.rubric or field_of(example, None, "rubric", self.rubric_default)


def scale_1_10(value: Any) -> float:
    """A 1-10 rating as a score in [0, 1] (clamped)."""
    return (min(10.0, max(1.0, float(value))) - 1.0) / 9.0
