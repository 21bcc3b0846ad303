"""A skill's jury for generated items: the mechanical checks first, then one judge per criterion (each
with every juror), aggregated, compared with the criterion's threshold; and the difficulty judge that rates
a refined item against its parent.

A juror whose answer does not parse casts a failed ballot (``parsed: false``, no score): it is never read as
a 0. A criterion whose every ballot failed has no verdict (``None``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dspy

from core.flow.outcome import Example
from core.records import JudgeBallot, Scores
from core.taxonomy import SkillSpec
from metrics.checks import CheckResult, ChecksConfig, check_item
from metrics.judge_metric import JudgeMetric
from metrics.judges import (
    Difficulty,
    Faithfulness,
    FormatFollowing,
    GeneralCorrectness,
    InstructionQuality,
    ItemQuality,
    SummaryQuality,
)
from metrics.jury import Aggregation, Ballot, Juror, NoVerdict

log = logging.getLogger(__name__)

_JUDGES: dict[str, type[JudgeMetric]] = {
    "quality": ItemQuality, "instruction": InstructionQuality, "faithfulness": Faithfulness,
    "format": FormatFollowing, "correctness": GeneralCorrectness, "summary": SummaryQuality,
}
_RUBRIC = ("quality", "instruction")


@dataclass
class ItemJudgement:
    """One item's checks and judgement, and what (if anything) refuses it."""

    scores: Scores
    checks: list[CheckResult] = field(default_factory=list)
    refused_by: list[str] = field(default_factory=list)
    """Criteria below their threshold (or without a verdict), or ``check:<name>`` for a failed check."""
    detail: str = ""

    @property
    def passed(self) -> bool:
        """Whether the item may be written."""
        return not self.refused_by

    @property
    def by_check(self) -> bool:
        """Whether a mechanical check refused it (no judge was asked)."""
        return any(r.startswith("check:") for r in self.refused_by)


def request_of(example: Example) -> str:
    """The item's request: its first user turn."""
    users = [m["content"] for m in example.messages if m["role"] == "user"]
    return users[0] if users else (example.instruction or "")


def ballots_of(criterion: str, ballots: Sequence[Ballot]) -> list[JudgeBallot]:
    """The jury's ballots as they are stored on a record."""
    return [JudgeBallot(criterion=criterion, judge=b.judge, model=b.model, score=b.score, parsed=b.parsed,
                        rationale=b.rationale[:300], error=b.error) for b in ballots]


def item_agreement(ballots: Sequence[JudgeBallot]) -> float | None:
    """1 minus the mean spread (max - min) of the usable ballots of each criterion rated by two or more
    judges; ``None`` when no criterion was."""
    by: dict[str, list[float]] = {}
    for b in ballots:
        if b.score is not None:
            by.setdefault(b.criterion, []).append(b.score)
    spreads = [max(v) - min(v) for v in by.values() if len(v) >= 2]
    return 1.0 - sum(spreads) / len(spreads) if spreads else None


class SkillJury:
    """Checks and judges for the items of one skill (``judge``), and the difficulty of refined ones."""

    def __init__(self, spec: SkillSpec, criteria: Sequence[str], jurors: Sequence[Juror], *,
                 aggregate: Aggregation = "mean", thresholds: Mapping[str, float | None] | None = None,
                 no_verdict: str = "refuse", checks: Sequence[str] | None = None, difficulty: bool = True,
                 checks_config: ChecksConfig | None = None, guard: Callable[[], None] | None = None):
        self.spec = spec
        self.thresholds = dict(thresholds or {})
        self.no_verdict = no_verdict
        self.checks = list(spec.judging.checks if checks is None else checks)
        self.checks_config = checks_config or ChecksConfig()
        kwargs: dict[str, Any] = {"jurors": list(jurors), "aggregate": aggregate, "guard": guard}
        self.judges: dict[str, JudgeMetric] = {}
        for name in criteria:
            extra = {"rubric": spec.judge_rubric} if name in _RUBRIC else {}
            self.judges[name] = _JUDGES[name](**extra, **kwargs)
        self.difficulty = Difficulty(**kwargs) if difficulty else None

    # -- what each judge reads ---------------------------------------------------------------------
    def applies(self, criterion: str, example: Example) -> bool:
        """Format following needs guidelines, correctness a reference; the others apply to every item."""
        if criterion == "format":
            return bool(example.guidelines)
        if criterion == "correctness":
            return bool(example.metadata.get("reference"))
        return True

    def view(self, example: Example) -> dspy.Example:
        """The fields the judges read, from one example."""
        request = request_of(example)
        passage = example.passage or ""
        source = passage if passage and passage not in request else None
        return dspy.Example(request=request, response=example.response or "", passage=passage,
                            instruction=example.instruction or "", instruction_type=self._type_name(example),
                            goal=example.refinement_goal, source=source,
                            reference=example.metadata.get("reference"))

    # -- judging -----------------------------------------------------------------------------------
    def run_checks(self, example: Example, seed_text: str | None = None) -> list[CheckResult]:
        """The skill's mechanical checks of one item (no model call)."""
        if not self.checks:
            return []
        return check_item(example, self.spec, self.checks_config, seed_text=seed_text, only=self.checks)

    def judge(self, example: Example, seed_text: str | None = None) -> ItemJudgement:
        """Checks first (a failed one refuses the item without a judge call), then every applicable criterion."""
        checks = self.run_checks(example, seed_text)
        failed = [c for c in checks if not c.passed]
        if failed:
            scores = Scores(checks_failed=[c.name for c in failed])
            return ItemJudgement(scores, checks, [f"check:{c.name}" for c in failed],
                                 "; ".join(f"{c.name}: {c.detail}" for c in failed))
        scores = self.rate(example)
        refused, reasons = self._refusals(scores)
        return ItemJudgement(scores, checks, refused, "; ".join(reasons))

    def rate(self, example: Example) -> Scores:
        """Every applicable criterion's ballots and aggregate, the overall score and the agreement (no checks)."""
        view = self.view(example)
        scores = Scores()
        for name, judge in self.judges.items():
            if not self.applies(name, example):
                continue
            try:
                verdict = judge.judge(judge.inputs(view, view), view, view)
                scores.criteria[name] = verdict.score
                scores.ballots += ballots_of(name, verdict.ballots)
            except NoVerdict as exc:
                scores.criteria[name] = None
                scores.ballots += ballots_of(name, exc.ballots)
        defined = scores.numbers()
        scores.overall = sum(defined.values()) / len(defined) if defined else None
        scores.agreement = item_agreement(scores.ballots)
        return scores

    def _refusals(self, scores: Scores) -> tuple[list[str], list[str]]:
        refused, reasons = [], []
        for name, value in scores.criteria.items():
            threshold = self.thresholds.get(name)
            if threshold is None:
                continue
            if value is None:
                if self.no_verdict == "refuse":
                    failed = sum(1 for b in scores.ballots if b.criterion == name and not b.parsed)
                    refused.append(name)
                    reasons.append(f"{name}: no verdict ({failed} failed ballots)")
            elif value < threshold:
                refused.append(name)
                reasons.append(f"{name} {value:.2f} < {threshold:.2f}")
        return refused, reasons

    def harder(self, parent: Example, child: Example) -> tuple[float | None, list[JudgeBallot]]:
        """The share of judges that find ``child`` (refined from ``parent``) harder, and their ballots."""
        if self.difficulty is None:
            return None, []
        ref = dspy.Example(original_passage=parent.passage or "", original_instruction=parent.instruction or "")
        pred = dspy.Example(passage=child.passage or "", instruction=child.instruction or "",
                            goal=child.refinement_goal or "make the instruction harder")
        try:
            verdict = self.difficulty.judge(self.difficulty.inputs(ref, pred), ref, pred)
        except NoVerdict as exc:
            return None, ballots_of("difficulty", exc.ballots)
        return verdict.score, ballots_of("difficulty", verdict.ballots)

    def _type_name(self, example: Example) -> str:
        try:
            itype = self.spec.instruction_type(example.subcategory)
        except KeyError:
            return example.subcategory
        return f"{itype.name}: {itype.instructions}"
