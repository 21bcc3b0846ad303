"""The generic skill program: transformation -> instruction generation -> refinement -> response.

One ``SkillProgram`` serves every skill whose control flow is the paper's standard one: the flow of
``FlowProgram`` with the teacher's response as the last stage.
"""

from __future__ import annotations

import hashlib
import json

import dspy

from core.taxonomy import SkillSpec
from programs.base import FlowProgram
from programs.flow import Finished
from programs.item import PassageItem, require_text
from programs.output_checks import check_output, refused_not_cached
from programs.role_lms import RoleLMs
from signatures import Respond, specialize


class SkillProgram(FlowProgram):
    """The AgentInstruct flow for one skill; the last stage is the teacher's response."""

    def __init__(self, spec: SkillSpec, lms: RoleLMs | None = None):
        super().__init__(spec, lms)
        self.responder = dspy.Predict(specialize(Respond, spec.system_prompt) if spec.system_prompt else Respond)

    def respond(self, item: PassageItem) -> str:
        """The teacher's answer to the item's user message."""
        request = self.user_message(item)
        with refused_not_cached(), self.lms.use("responder"):
            response = self.responder(request=request).response
            return check_output(require_text(response, "responder"), "responder", request, "response")

    def finish(self, item: PassageItem) -> Finished:
        """The teacher's response as the assistant turn."""
        item.response = self.respond(item)
        return Finished(messages=self.messages(item), agents=["respond"])


def program_hash(program: dspy.Module) -> str:
    """A short hash of the program's state (instructions and demos of every predictor)."""
    state = program.dump_state()
    blob = json.dumps(state, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]
