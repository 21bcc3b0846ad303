"""Web agent: the generic flow over a page's elements, with the answer checked as actions.

The transformation agents lay a page out as elements with ids (``[e1] button "Search" y=120``); the
teacher answers in the action language of the skill's system prompt. An answer that gives no action in
those forms, refers to an element id the page does not have, or does not end with ``DONE`` is rejected
with its reason (stage ``verify``): it would teach clicking on things that are not there.
"""

from __future__ import annotations

from programs.flow import Finished, Rejected
from programs.item import PassageItem
from programs.skill import SkillProgram
from programs.special import web_actions


class WebAgentProgram(SkillProgram):
    """``program: web_agent``."""

    def finish(self, item: PassageItem) -> Finished:
        """The teacher's actions for the item's goal, refused unless they are valid on its page."""
        item.response = self.respond(item)
        found = web_actions.problems(item.response, item.passage)
        if found:
            raise Rejected("validation", "; ".join(found))
        actions, _ = web_actions.parse_actions(item.response)
        return Finished(self.messages(item), agents=["respond"], metadata={"actions": str(len(actions))})
