"""Format following (paper, section 4.5): synthesized formatting guidelines attached to instructions,
and responses checked against them where the check is mechanical.

A refinement goal with ``attaches_format: true`` is served by a format guideline agent instead of a
suggester/editor pair, so the driver samples it (and its weight) like any other goal. The guidelines ride
on the item through later rounds, are rendered into the user turn, and a response that breaks a
mechanically checkable guideline is refused (``FormatViolation``, reason ``validation``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import dspy

from core.taxonomy import SkillSpec
from programs import format_checks
from programs.item import EmptyOutputError, PassageItem
from programs.role_lms import RoleLMs
from programs.skill import SkillProgram
from signatures import SynthesizeFormatGuidelines, specialize
from signatures.types import FormatGuideline


class FormatViolation(EmptyOutputError):
    """A response broke a formatting guideline of its instruction."""


@dataclass
class FormattedItem(PassageItem):
    """A passage item with the formatting guidelines its response must follow."""

    guidelines: list[FormatGuideline] = field(default_factory=list)


def with_guidelines(item: PassageItem, guidelines: list[FormatGuideline]) -> PassageItem:
    """``item`` carrying ``guidelines`` (unchanged when there are none)."""
    if not guidelines:
        return item
    values = {f.name: getattr(item, f.name) for f in fields(PassageItem)}
    return FormattedItem(**values, guidelines=list(guidelines))


class FormatFollowing:
    """Mixin for ``SkillProgram`` subclasses: call ``_init_format()`` after ``SkillProgram.__init__``."""

    spec: SkillSpec
    lms: RoleLMs

    def edits(self, goal) -> bool:
        """A format goal attaches guidelines through its own agent, not a suggester/editor pair."""
        return not goal.attaches_format

    def _init_format(self) -> None:
        goals = [g for g in self.spec.refinement.goals if g.attaches_format]
        self.formatters = {
            g.id: dspy.Predict(specialize(SynthesizeFormatGuidelines, f"Refinement goal: {g.name}. "
                                                                      f"{g.instructions}"))
            for g in goals
        }

    def refine(self, item: PassageItem, goal: str, suggestions: int) -> list[PassageItem]:
        """A format goal attaches guidelines; any other goal edits and keeps the item's guidelines."""
        if goal in self.formatters:
            return [self.attach_format(item, goal, suggestions)]
        kept = guidelines_of(item)
        return [with_guidelines(new, kept) for new in super().refine(item, goal, suggestions)]

    def attach_format(self, item: PassageItem, goal: str, count: int) -> PassageItem:
        """A new item whose instruction carries up to ``count`` synthesized, usable guidelines."""
        with self.lms.use("suggester"):
            proposed = self.formatters[goal](passage=item.passage, instruction=item.instruction,
                                             count=count).guidelines
        kept = format_checks.usable([*guidelines_of(item), *proposed])
        if len(kept) <= len(guidelines_of(item)):
            problems = [format_checks.problem(g) for g in proposed] or ["none proposed"]
            raise EmptyOutputError(f"format agent {goal} produced no usable guideline: {problems[:3]}")
        values = {f.name: getattr(item, f.name) for f in fields(PassageItem)}
        values.update(round=item.round + 1, goal=goal, suggestions=[], agents=[*item.agents, f"format:{goal}"])
        return FormattedItem(**values, guidelines=kept[: len(guidelines_of(item)) + count])

    def user_message(self, item: PassageItem) -> str:
        """The user turn, with the item's formatting guidelines appended."""
        text = super().user_message(item)
        guidelines = guidelines_of(item)
        return f"{text}\n\n{format_checks.describe(guidelines)}" if guidelines else text

    def check_format(self, item: PassageItem, response: str) -> None:
        """Raise ``FormatViolation`` when ``response`` breaks a checkable guideline of the item."""
        broken = format_checks.violations(guidelines_of(item), response)
        if broken:
            raise FormatViolation(f"response breaks {len(broken)} formatting guideline(s): {'; '.join(broken)}")


def guidelines_of(item: PassageItem) -> list[FormatGuideline]:
    """The formatting guidelines an item carries (none for a plain ``PassageItem``)."""
    return list(getattr(item, "guidelines", []) or [])


class FormattedSkillProgram(FormatFollowing, SkillProgram):
    """The generic flow plus format following: ``program: formatted`` in a skill file."""

    def __init__(self, spec: SkillSpec, lms: RoleLMs | None = None):
        super().__init__(spec, lms)
        self._init_format()

    def respond(self, item: PassageItem) -> str:
        """The teacher's answer, refused when it breaks the item's formatting guidelines."""
        response = super().respond(item)
        self.check_format(item, response)
        return response
