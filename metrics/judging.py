"""The judging stage: a ``SkillRunner`` that runs any skill program's plan and then judges every item.

``JudgedRunner.run_plan`` runs the wrapped program (``programs.flow.run_paths``, the one execution path)
and then, for each item: the checks and the jury (``SkillJury``) rate every candidate response; the best
becomes the example, with its ``Scores``; the other candidates make preference pairs with it (at least
``min_margin`` apart, optionally confirmed by a pairwise judge asked in both orders); a refined item is
rated against its parent (harder?); an item below a threshold is refused into the outcome's failures
(reason ``judge``, or ``check`` for a failed mechanical check) with its scores and the hash of its text,
and kept in ``outcome.refused``. Nothing is dropped without a trace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.flow.contract import SkillRunner
from core.flow.failures import FATAL_REASONS, classify, excerpt
from core.flow.outcome import CandidatePair, Example, FatalRunError, UnitOutcome
from core.flow.plan import UnitPlan
from core.records import text_sha256
from core.seeds import SeedDoc
from core.taxonomy import SkillSpec
from metrics.item_jury import ItemJudgement, SkillJury, request_of
from metrics.pairwise import PairwiseComparison

log = logging.getLogger(__name__)


@dataclass
class _Judged:
    example: Example
    verdict: ItemJudgement
    pairs: list[CandidatePair]


def rank_key(verdict: ItemJudgement) -> tuple[bool, float]:
    """Passing candidates first, then by overall score (a candidate without one ranks last)."""
    overall = verdict.scores.overall
    return verdict.passed, -1.0 if overall is None else overall


def _prompt(example: Example) -> list[dict[str, str]]:
    return example.messages[:-1]


class JudgedRunner:
    """Any ``SkillRunner`` with the judging stage after its last stage (same protocol: ``spec``, ``run_plan``)."""

    def __init__(self, runner: SkillRunner, jury: SkillJury, *, min_margin: float = 0.1,
                 pairwise: PairwiseComparison | None = None):
        self.runner = runner
        self.jury = jury
        self.min_margin = min_margin
        self.pairwise = pairwise

    @property
    def spec(self) -> SkillSpec:
        """The wrapped program's skill."""
        return self.runner.spec

    def run_plan(self, plan: UnitPlan, seed: SeedDoc) -> UnitOutcome:
        """Run the program's plan, then judge its items (see the module docstring). A stop, a spent budget
        or a dead judge (fatal reasons) ends the unit uncommitted, as in the flow."""
        outcome = self.runner.run_plan(plan, seed)
        try:
            return self.judge_outcome(outcome, seed.text)
        except Exception as exc:
            reason = classify(exc)
            if reason in FATAL_REASONS:
                raise FatalRunError(reason, f"judging: {excerpt(exc)}") from exc
            raise

    def judge_outcome(self, outcome: UnitOutcome, seed_text: str | None = None) -> UnitOutcome:
        """Judge, rank and gate the examples of one unit's outcome (in place; returned for chaining)."""
        judged = [self._judge_item(example, seed_text) for example in outcome.examples]
        self._rate_refinements(judged)
        outcome.examples = []
        for item in judged:
            outcome.pairs += item.pairs
            if item.verdict.passed:
                outcome.examples.append(item.example)
                continue
            stage = "check" if item.verdict.by_check else "judge"
            outcome.reject(stage, item.example.subcategory, stage, item.verdict.detail,
                           scores=item.example.scores, text_sha256=text_sha256(item.example.messages),
                           key=item.example.key, criteria=item.verdict.refused_by)
            outcome.refused.append(item.example)
        return outcome

    # -- one item ----------------------------------------------------------------------------------
    def _judge_item(self, example: Example, seed_text: str | None) -> _Judged:
        candidates = [example, *example.alternatives]
        verdicts = [self.jury.judge(c, seed_text) for c in candidates]
        for candidate, verdict in zip(candidates, verdicts, strict=True):
            candidate.alternatives = []
            candidate.scores = verdict.scores
            candidate.scores.candidates = len(candidates)
        order = sorted(range(len(candidates)), key=lambda i: rank_key(verdicts[i]), reverse=True)
        best, verdict = candidates[order[0]], verdicts[order[0]]
        pairs = [] if not verdict.passed else [
            pair for i in order[1:] if (pair := self._pair(best, verdict, candidates[i], verdicts[i])) is not None]
        return _Judged(best, verdict, pairs)

    def _pair(self, best: Example, verdict: ItemJudgement, other: Example,
              other_verdict: ItemJudgement) -> CandidatePair | None:
        """A preference pair of the chosen response and a worse one, when they differ enough."""
        if _prompt(best) != _prompt(other) or best.messages[-1] == other.messages[-1]:
            return None  # a conversation re-simulated its user turns, or the samples coincide
        chosen = verdict.scores.overall or 0.0
        worse = other_verdict.scores.overall
        margin = chosen - (0.0 if worse is None else worse)
        if margin < self.min_margin:
            return None
        if self.pairwise is not None and not self._confirmed(best, other):
            return None
        return CandidatePair(best, other, margin, "candidates" if other_verdict.passed else "refused")

    def _confirmed(self, best: Example, other: Example) -> bool:
        """Whether the pairwise jury, asked in both orders, prefers the chosen response (flips counted)."""
        before = self.pairwise.position_bias
        try:
            outcome = self.pairwise(request_of(best), best.response or "", other.response or "",
                                    rubric=self.spec.judge_rubric)
        except Exception as exc:  # noqa: BLE001 - an unreadable pairwise verdict confirms nothing
            log.warning("pairwise judge failed on %s: %s", best.key, exc)
            return False
        finally:
            best.scores.position_flips += self.pairwise.position_bias - before
        return outcome.winner == "first"

    # -- refinement --------------------------------------------------------------------------------
    def _rate_refinements(self, judged: list[_Judged]) -> None:
        """Rate every refined item that passed its checks against its parent (harder?)."""
        by_key = {item.example.key: item.example for item in judged if item.example.key}
        for item in judged:
            child = item.example
            parent = by_key.get(child.parent or "")
            if parent is None or item.verdict.by_check:
                continue
            score, ballots = self.jury.harder(parent, child)
            child.scores.difficulty = score
            child.scores.ballots += ballots
