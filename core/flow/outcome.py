"""What a program hands back for one work unit: generated examples and recorded step failures."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from core.flow.failures import FATAL_REASONS, classify, excerpt
from core.records import Scores

log = logging.getLogger(__name__)


class FatalRunError(RuntimeError):
    """An error that stops the whole run (e.g. authentication); the run stays resumable."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


REJECTED = "Rejected"
"""The ``error`` of a step failure that is a check's verdict on an item, not an exception."""


@dataclass
class Example:
    """One generated example before it becomes a ``Record``."""

    messages: list[dict[str, str]]
    subcategory: str
    transformation: str | None
    refinement_round: int = 0
    refinement_goal: str | None = None
    agents: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    passage: str | None = None
    """The passage the instruction is about (after transformation and any edit)."""
    instruction: str | None = None
    response: str | None = None
    """The teacher's last answer (a whole conversation or trace keeps its turns in ``messages``)."""
    suggestion: str | None = None
    """The suggester's proposal a refined item was edited from."""
    key: str = ""
    """The item's name within its unit (stable for the same plan); refined items name their parent."""
    parent: str | None = None
    guidelines: list[str] = field(default_factory=list)
    """The formatting guidelines attached to the instruction, one sentence each (format following)."""
    alternatives: list[Example] = field(default_factory=list)
    """Further responses to the same item (``responses_per_item``: distinct rollouts of the last stage),
    for the judging stage to rank; empty once it has chosen."""
    scores: Scores | None = None
    """The judging stage's verdict (``None`` when generation runs without judging)."""

    # The names the metrics read (an ``Example`` is scored as the item it was made from).
    @property
    def instruction_type(self) -> str:
        return self.subcategory

    @property
    def round(self) -> int:
        return self.refinement_round

    @property
    def goal(self) -> str | None:
        return self.refinement_goal


@dataclass
class StepFailure:
    """One failed step of a unit, with its reason code (a refused item also carries its evidence)."""

    stage: str
    agent: str | None
    reason: str
    error: str
    excerpt: str
    scores: Scores | None = None
    text_sha256: str | None = None
    key: str | None = None
    criteria: list[str] = field(default_factory=list)
    """What refused the item: criteria below their threshold, or ``check:<name>`` for a failed check."""


@dataclass
class CandidatePair:
    """Two judged responses to the same item: the chosen one (written) and a worse one, with the margin."""

    chosen: Example
    rejected: Example
    margin: float
    source: str = "candidates"
    """``candidates``: both passed, the jury ranked them; ``refused``: the rejected one was refused."""


@dataclass
class UnitOutcome:
    """Examples and failures of one unit."""

    examples: list[Example] = field(default_factory=list)
    failures: list[StepFailure] = field(default_factory=list)
    refused: list[Example] = field(default_factory=list)
    """Items the judging stage refused, in full (``quality.keep_rejected`` writes them to ``rejected/``)."""
    pairs: list[CandidatePair] = field(default_factory=list)

    def fail(self, stage: str, agent: str | None, exc: BaseException) -> None:
        """Record a failed step; re-raise as ``FatalRunError`` when the whole run must stop."""
        reason = classify(exc)
        log.info("step %s/%s failed (%s): %s", stage, agent, reason, excerpt(exc, 200))
        self.failures.append(StepFailure(stage, agent, reason, type(exc).__name__, excerpt(exc)))
        if reason in FATAL_REASONS:
            raise FatalRunError(reason, f"{stage} ({agent}): {excerpt(exc)}") from exc

    def reject(self, stage: str, agent: str | None, reason: str, detail: str, *, scores: Scores | None = None,
               text_sha256: str | None = None, key: str | None = None, criteria: list[str] | None = None) -> None:
        """Record an item rejected by a check (not an exception): e.g. a failing test or bad API call, or
        the judging stage's refusal with its scores and the hash of the item's text."""
        self.failures.append(StepFailure(stage, agent, reason, REJECTED, detail[:300], scores, text_sha256, key,
                                         list(criteria or [])))
