"""Tool use (paper, section 2.3): library reconstruction -> tasks of the four families -> refinement ->
a multi-turn trace in the paper's protocol, every call checked against the API schemas.

- Transform: an API description is read as it is (identity agent); a reconstruction agent adds the
  other APIs such a library plausibly has, or synthesizes the whole library from a code snippet. The
  library, rendered as JSON, is the passage of the item.
- Generate / refine: the generic agents, shown the library and, for families 3 and 4, which of its APIs
  the assistant will not get (chosen by a stable hash of the library, never by random state).
- Respond: the assistant agent takes one step at a time (an API call or a STOP); each call is checked
  (unknown API, missing required or unknown parameters, wrong types) before an API simulator answers it as
  a user turn. A trace that breaks the schemas or the protocol, or ends the wrong way for its family, is
  rejected with a reason.
"""

from __future__ import annotations

import json
from dataclasses import replace

import dspy

from core.taxonomy import SkillSpec
from programs.base import FlowProgram
from programs.flow import Finished, Rejected, transcript
from programs.item import EmptyOutputError, PassageItem
from programs.role_lms import RoleLMs
from programs.special import api_schema
from programs.special.trace import TraceError, render_step, validate_trace
from signatures import ReconstructLibrary, SimulateApiResult, ToolAgentStep
from signatures.tool_use import with_action_names
from signatures.types import ApiSpec


class ToolUseProgram(FlowProgram):
    """``program: tool_use``."""

    transform_signature = ReconstructLibrary
    """A transformation agent reconstructs an API library from the seed."""

    def __init__(self, spec: SkillSpec, lms: RoleLMs | None = None):
        super().__init__(spec, lms)
        if any(g.edits_passage for g in spec.refinement.goals):
            raise ValueError(f"skill {spec.name}: tool-use goals edit tasks, not the API library")
        self.steps = {"assistant": dspy.Predict(ToolAgentStep)}  # the protocol arrives as its input
        self.simulators = {"api_simulator": dspy.Predict(SimulateApiResult)}

    # -- stages -------------------------------------------------------------------------------------
    def transform_once(self, seed_text: str, transformation: str, config: dict) -> str:
        """The library as a JSON passage: the seed's own APIs, plus the reconstruction agent's."""
        try:
            known = api_schema.parse_apis(seed_text)
        except api_schema.ApiSeedError:
            known = []
        if self.spec.transformation(transformation).identity:
            if not known:
                raise Rejected("seed", "the seed is not an API description this program can read", "transform")
            return api_schema.render(known)
        with self.lms.use("transformer"):
            generated = self.transformers[transformation](seed_text=seed_text, config=config).apis
        library = api_schema.clean([*known, *generated])
        if len(library) <= len(known):
            raise EmptyOutputError(f"transformation {transformation} added no well-formed API")
        return api_schema.render(library)

    def task_context(self, passage: str, instruction_type: str) -> str:
        """What the generator and the refiners see: the available APIs and the withheld ones."""
        visible, hidden = self._split(passage, instruction_type)
        text = f"APIs available to the assistant:\n{api_schema.render(visible)}"
        if hidden:
            text += ("\n\nAPIs the task needs but the assistant does NOT have:\n" + api_schema.render(hidden))
        return text

    def generate(self, passage: str, instruction_type: str, count: int = 1, attempts: int | None = None) -> list[str]:
        return super().generate(self.task_context(passage, instruction_type), instruction_type, count, attempts)

    def refine(self, item: PassageItem, goal: str, suggestions: int) -> list[PassageItem]:
        shown = replace(item, passage=self.task_context(item.passage, item.instruction_type))
        return [replace(new, passage=item.passage) for new in super().refine(shown, goal, suggestions)]

    def system_message(self, visible: list[ApiSpec]) -> str:
        """The system turn of a trace: the protocol (skill file) and the available APIs."""
        head = (self.spec.system_prompt or "").strip()
        return f"{head}\n\nBelow is a list of APIs that you have access to:\n{api_schema.render(visible)}".strip()

    def finish(self, item: PassageItem) -> Finished:
        """Run the assistant and the API simulator until STOP; validate the trace."""
        task = self.spec.instruction_type(item.instruction_type).tool_task
        visible, _ = self._split(item.passage, item.instruction_type)
        messages = [{"role": "system", "content": self.system_message(visible)},
                    {"role": "user", "content": self.user_message(item)}]
        step_signature = with_action_names(self.steps["assistant"].signature, [a.name for a in visible])
        calls = 0
        for _ in range(self.spec.options.max_steps):
            with self.lms.use("responder"):
                out = self.steps["assistant"](signature=step_signature, system_message=messages[0]["content"],
                                              conversation=transcript(messages))
            try:
                messages.append({"role": "assistant", "content": render_step(out.message, out.action)})
            except TraceError as exc:
                raise Rejected(exc.reason, str(exc), "respond") from exc
            if out.action.action_type == "STOP":
                break
            problems = api_schema.call_problems(visible, out.action.name, out.action.kwargs)
            if problems:
                raise Rejected("validation", f"step {calls + 1}: " + "; ".join(problems), "respond")
            messages.append({"role": "user", "content": self._simulate(visible, out.action, item)})
            calls += 1
        else:
            raise Rejected("validation", f"no STOP within {self.spec.options.max_steps} steps", "respond")
        try:
            summary = validate_trace(messages, visible, task.expected_stop, task.min_calls)
        except TraceError as exc:
            raise Rejected(exc.reason, str(exc), "respond") from exc
        return Finished(messages, agents=["assistant", "api_simulator"] if calls else ["assistant"],
                        metadata={"api_calls": str(len(summary.calls)), "stop": summary.stop.kind})


    # -- helpers ------------------------------------------------------------------------------------
    def _split(self, passage: str, instruction_type: str) -> tuple[list[ApiSpec], list[ApiSpec]]:
        task = self.spec.instruction_type(instruction_type).tool_task
        apis = api_schema.parse_apis(passage)
        visible, hidden = api_schema.split_hidden(apis, task.hidden_apis)
        if task.hidden_apis and not visible:
            raise Rejected("validation", f"a library of {len(apis)} API(s) is too small for {instruction_type}",
                           "respond")
        if task.apis == "multiple" and len(apis) < 2:
            raise Rejected("validation", f"{instruction_type} needs a library of at least two APIs", "respond")
        return visible, hidden

    def _simulate(self, visible: list[ApiSpec], action, item: PassageItem) -> str:
        api = next(a for a in visible if a.name == action.name)
        call = render_step("", action)
        with self.lms.use("generator"):
            result = self.simulators["api_simulator"](
                api=json.dumps(api_schema.to_paper_format(api), ensure_ascii=False), call=call,
                task=item.instruction).result
        return json.dumps(result, indent=2, ensure_ascii=False)
