"""Multi-turn conversation: an opening request, then alternating assistant replies and simulated user
follow-ups, ``options.turns`` exchanges in all.

The transformed seed is the hidden background of the conversation (a scenario, a persona, facts): the
assistant and the simulated user both see it, the record does not. Format goals attach guidelines to the
opening request, and the first reply is checked against them.
"""

from __future__ import annotations

import dspy

from core.taxonomy import SkillSpec
from programs.base import FlowProgram
from programs.flow import Finished, transcript
from programs.item import EmptyOutputError, PassageItem
from programs.role_lms import RoleLMs
from programs.special.formatted import FormatFollowing
from signatures import ChatReply, SimulateUser, specialize


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise EmptyOutputError(f"{where} produced an empty turn")
    return value.strip()


class ConversationProgram(FormatFollowing, FlowProgram):
    """``program: conversation``."""

    def __init__(self, spec: SkillSpec, lms: RoleLMs | None = None):
        super().__init__(spec, lms)
        self._init_format()
        reply = specialize(ChatReply, spec.system_prompt) if spec.system_prompt else ChatReply
        self.replies = {"assistant": dspy.Predict(reply)}
        self.user_simulators = {
            t.id: dspy.Predict(specialize(SimulateUser, f"Conversation kind: {t.name}. {t.instructions}"))
            for t in spec.instruction_types
        }

    def finish(self, item: PassageItem) -> Finished:
        """The whole conversation, starting from the item's instruction as the opening user turn."""
        messages = [{"role": "system", "content": self.spec.system_prompt}] if self.spec.system_prompt else []
        messages.append({"role": "user", "content": self.user_message(item)})
        turns = self.spec.options.turns
        for turn in range(turns):
            with self.lms.use("responder"):
                out = self.replies["assistant"](background=item.passage, conversation=transcript(messages))
            reply = _text(out.response, f"assistant (turn {turn + 1})")
            if turn == 0:
                self.check_format(item, reply)
            messages.append({"role": "assistant", "content": reply})
            if turn + 1 < turns:
                with self.lms.use("generator"):
                    out = self.user_simulators[item.instruction_type](background=item.passage,
                                                                      conversation=transcript(messages))
                messages.append({"role": "user", "content": _text(out.user_turn, "user simulator")})
        item.response = messages[-1]["content"]
        agents = ["assistant", f"user_simulator:{item.instruction_type}"] if turns > 1 else ["assistant"]
        return Finished(messages, agents=agents, metadata={"turns": str(turns)})
