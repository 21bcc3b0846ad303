"""Programs for the few skills whose control flow differs from the generic one, by name.

A skill file selects one with ``program: <name>``; each is a ``dspy.Module`` with ``.spec`` and
``.run_plan(plan, seed) -> UnitOutcome`` whose predictors live in flat dicts keyed by agent id.
"""

from __future__ import annotations

from programs.special.coding import CodingProgram
from programs.special.conversation import ConversationProgram
from programs.special.formatted import FormattedSkillProgram
from programs.special.tool_use import ToolUseProgram
from programs.special.web_agent import WebAgentProgram

SPECIAL_PROGRAMS: dict[str, type] = {
    "coding": CodingProgram,
    "conversation": ConversationProgram,
    "formatted": FormattedSkillProgram,
    "tool_use": ToolUseProgram,
    "web_agent": WebAgentProgram,
}
