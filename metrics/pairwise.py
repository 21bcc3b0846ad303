"""Pairwise judgement with position swapping: every judge is asked in both orders.

A judge that prefers the same *position* both times (A, then A again once the responses are swapped) shows
position bias, and its vote counts as a tie. The jury's verdict is the majority of its judges' votes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import dspy

from metrics.judge_metric import accounted_as
from metrics.jury import Ballot, BallotBook, Juror, JuryReport
from programs.role_lms import RoleLMs
from signatures.pairwise import PairwiseJudge

log = logging.getLogger(__name__)

Winner = Literal["first", "second", "tie"]
_SCORE = {"first": 1.0, "tie": 0.5, "second": 0.0}


@dataclass
class PairVote:
    """One judge's two answers (original order, swapped order) and the vote they make together."""

    judge: str
    original: str
    swapped: str
    vote: Winner
    consistent: bool
    rationales: list[str] = field(default_factory=list)


@dataclass
class PairwiseVerdict:
    """The jury's verdict on (first, second), and each judge's vote."""

    winner: Winner
    votes: list[PairVote]

    @property
    def score(self) -> float:
        """The first response's score: 1 win, 0.5 tie, 0 loss."""
        return _SCORE[self.winner]

    @property
    def consistent(self) -> bool:
        """Whether every judge gave the same answer in both orders."""
        return all(v.consistent for v in self.votes)


def _combine(original: str, swapped: str) -> tuple[Winner, bool]:
    first = {"A": "first", "B": "second"}.get(original, "tie")
    second = {"A": "second", "B": "first"}.get(swapped, "tie")  # in the swapped order A is the second response
    if first == second:
        return first, True
    return "tie", False


class PairwiseComparison(dspy.Module):
    """Compare two responses to one request with a jury of pairwise judges, each asked in both orders."""

    def __init__(self, jurors: Sequence[Juror] | None = None, rubric: str = "",
                 guard: Callable[[], None] | None = None):
        super().__init__()
        jurors = list(jurors or [Juror("judge")])
        self.judges = {j.name: dspy.Predict(PairwiseJudge.with_instructions(j.instructions) if j.instructions
                                            else PairwiseJudge) for j in jurors}
        self.juror_lms = RoleLMs({j.name: j.lm for j in jurors if j.lm is not None}, guard=guard)
        self.roles = {j.name: j.role or j.name for j in jurors}
        self.rubric = rubric
        self.book = BallotBook("PairwiseComparison", list(self.judges), "majority")
        self.position_bias = 0

    def forward(self, request: str, first: str, second: str, rubric: str | None = None) -> PairwiseVerdict:
        """Ask every judge (first=A, second=B) and then (second=A, first=B); majority of the votes wins."""
        rubric = self.rubric if rubric is None else rubric
        votes = []
        for name, predictor in self.judges.items():
            with self.juror_lms.use(name), accounted_as(self.roles[name]), dspy.context(trace=None):
                a = predictor(rubric=rubric, request=request, response_a=first, response_b=second)
                b = predictor(rubric=rubric, request=request, response_a=second, response_b=first)
            vote, consistent = _combine(a.preferred, b.preferred)
            if not consistent:
                self.position_bias += 1
                log.info("judge %s changed its verdict with the order (%s, then %s)", name, a.preferred,
                         b.preferred)
            votes.append(PairVote(name, a.preferred, b.preferred, vote, consistent, [a.rationale, b.rationale]))
        tally = {w: sum(v.vote == w for v in votes) for w in ("first", "second")}
        winner: Winner = ("first" if tally["first"] > tally["second"]
                          else "second" if tally["second"] > tally["first"] else "tie")
        self.book.record([Ballot(v.judge, _SCORE[v.vote]) for v in votes], _SCORE[winner])
        return PairwiseVerdict(winner, votes)

    def report(self) -> JuryReport:
        """Agreement of the judges' votes (1 first, 0.5 tie, 0 second) over every comparison so far."""
        return self.book.report()
