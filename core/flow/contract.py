"""The program/runner contract: what every skill program offers the runners that drive it.

The engine's units, compile's evaluation, the knob study and the evaluation harness all drive a program
through this protocol, so each runs the same execution path (``programs.flow.run_paths``).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from core.flow.outcome import UnitOutcome
from core.flow.plan import UnitPlan
from core.seeds import SeedDoc
from core.taxonomy import SkillSpec


@runtime_checkable
class SkillRunner(Protocol):
    """A skill program: its spec, and the one path that runs a sampled plan on a seed."""

    spec: SkillSpec

    def run_plan(self, plan: UnitPlan, seed: SeedDoc) -> UnitOutcome:
        """Execute ``plan`` on ``seed``: every item, every recorded failure and refusal."""
        ...
