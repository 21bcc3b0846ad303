"""The generic skill program: transformation -> instruction generation -> refinement -> response.

One ``SkillProgram`` serves every skill whose control flow is the paper's standard one. Its predictors
live in flat dicts keyed by stable agent ids, so saved state maps to the skill YAML by name.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field

import dspy

from agentinstruct.engine.failures import classify, excerpt
from agentinstruct.engine.outcome import UnitOutcome
from agentinstruct.engine.plan import UnitPlan
from agentinstruct.seeds import SeedDoc
from agentinstruct.taxonomy import SkillSpec
from programs.role_lms import RoleLMs
from signatures import Edit, EditInstruction, GenerateInstruction, Respond, Suggest, Transform, specialize

log = logging.getLogger(__name__)


@dataclass
class PassageItem:
    """One (passage, instruction) pair moving through the flow, with its provenance."""

    passage: str
    instruction: str
    instruction_type: str
    transformation: str
    round: int = 0
    goal: str | None = None
    suggestions: list[str] = field(default_factory=list)
    response: str | None = None
    agents: list[str] = field(default_factory=list)


class SkillProgram(dspy.Module):
    """The AgentInstruct flow for one skill, built from its ``SkillSpec``."""

    def __init__(self, spec: SkillSpec, lms: RoleLMs | None = None):
        super().__init__()
        self.spec = spec
        self.lms = lms or RoleLMs()
        self.transformers = {
            t.id: dspy.Predict(specialize(Transform, t.instructions))
            for t in spec.transformations if not t.identity
        }
        self.generators = {
            t.id: dspy.Predict(specialize(GenerateInstruction, t.instructions))
            for t in spec.instruction_types
        }
        self.suggesters = {
            g.id: dspy.Predict(specialize(Suggest, f"Refinement goal: {g.name}. {g.instructions}"))
            for g in spec.refinement.goals
        }
        self.editors = {
            g.id: dspy.Predict(specialize(Edit if g.edits_passage else EditInstruction,
                                          f"Refinement goal: {g.name}. {g.instructions}"))
            for g in spec.refinement.goals
        }
        respond = Respond
        if spec.system_prompt:
            respond = specialize(Respond, spec.system_prompt)
        self.responder = dspy.Predict(respond)

    # -- stages -------------------------------------------------------------------------------------
    def transform(self, seed_text: str, transformation: str, attempts: int = 1) -> str:
        """Content Transformation: the passage one agent makes of the seed (identity copies it).

        Up to ``attempts`` calls while the output is unusable (degenerate or cut at ``max_tokens``); calls
        after the first carry a DSPy ``rollout_id``, so they are new samples, not the cached answer. When
        every attempt fails, the last error is raised (and recorded by the plan loop).
        """
        last = max(1, attempts) - 1
        for rollout in range(last):
            try:
                return self.transform_once(seed_text, transformation, {"rollout_id": rollout} if rollout else {})
            except Exception as exc:
                if classify(exc) not in RETRIED_REASONS:
                    raise
                log.info("transformation %s attempt %d unusable (%s); sampling again", transformation,
                         rollout + 1, excerpt(exc, 120))
        return self.transform_once(seed_text, transformation, {"rollout_id": last} if last else {})

    def transform_once(self, seed_text: str, transformation: str, config: dict) -> str:
        """One transformation call (``config`` goes to the predictor, e.g. a ``rollout_id``)."""
        if self.spec.transformation(transformation).identity:
            return seed_text
        with self.lms.use("transformer"):
            passage = self.transformers[transformation](seed_text=seed_text, config=config).passage
        return _require_text(passage, f"transformation {transformation}", _min_passage_words(seed_text))

    def generate(self, passage: str, instruction_type: str, count: int = 1, attempts: int | None = None) -> list[str]:
        """Seed Instruction Generation: up to ``count`` distinct instructions of one type about the passage.

        One instruction per call, at most ``attempts`` calls (default ``count``) until ``count`` usable ones
        are found; calls after the first carry a DSPy ``rollout_id`` so that they are distinct samples (and
        distinct cache entries) of the same prompt. A call cut at ``max_tokens`` or malformed uses up its
        attempt like an unusable instruction; when every attempt failed that way, its error is raised.
        """
        instructions: list[str] = []
        rejected: list[str] = []
        failed: Exception | None = None
        for rollout in range(max(attempts or count, count)):
            if len(instructions) >= count:
                break
            config = {"rollout_id": rollout} if rollout else {}
            try:
                with self.lms.use("generator"):
                    text = self.generators[instruction_type](passage=passage, config=config).task
            except Exception as exc:
                if classify(exc) not in RETRIED_REASONS:
                    raise
                failed = exc  # a cut-off or malformed sample: the next attempt is a new one
                continue
            text = text.strip() if isinstance(text, str) else ""
            if instruction_problem(text, passage) is None and text not in instructions:
                instructions.append(text)
            else:
                rejected.append(text)
        if not instructions:
            if failed is not None and not rejected:
                raise failed
            cut = f" (and {classify(failed)} failures)" if failed is not None else ""
            raise EmptyOutputError(f"generator {instruction_type} produced no usable instruction{cut}: "
                                   f"{rejected!r:.80}")
        return instructions

    def refine(self, item: PassageItem, goal: str, suggestions: int) -> list[PassageItem]:
        """One suggester/editor round: each suggestion becomes one edited (passage, instruction) pair."""
        spec_goal = self.spec.goal(goal)
        with self.lms.use("suggester"):
            proposed = self.suggesters[goal](
                passage=item.passage, instruction=item.instruction, count=suggestions
            ).suggestions
        proposed = [s.strip() for s in proposed if isinstance(s, str) and s.strip()][:suggestions]
        if not proposed:
            raise EmptyOutputError(f"suggester {goal} produced no suggestion")
        edited = []
        for suggestion in proposed:
            with self.lms.use("editor"):
                out = self.editors[goal](
                    passage=item.passage, instruction=item.instruction, suggestion=suggestion
                )
            passage = item.passage
            if spec_goal.edits_passage:
                passage = _require_text(out.modified_passage, f"editor {goal} (passage)",
                                        _min_passage_words(item.passage))
            edited.append(PassageItem(
                passage=passage,
                instruction=_require_text(out.modified_instruction, f"editor {goal}", MIN_INSTRUCTION_WORDS),
                instruction_type=item.instruction_type,
                transformation=item.transformation,
                round=item.round + 1,
                goal=goal,
                suggestions=[suggestion],
                agents=[*item.agents, f"suggester:{goal}", f"editor:{goal}"],
            ))
        return edited

    def user_message(self, item: PassageItem) -> str:
        """The user turn of a record, rendered by the skill's ``user_template``."""
        return self.spec.user_template.format(passage=item.passage, instruction=item.instruction)

    def messages(self, item: PassageItem) -> list[dict[str, str]]:
        """The chat messages of a finished item (system prompt first when the skill has one)."""
        msgs = [{"role": "system", "content": self.spec.system_prompt}] if self.spec.system_prompt else []
        msgs.append({"role": "user", "content": self.user_message(item)})
        msgs.append({"role": "assistant", "content": item.response or ""})
        return msgs

    def run_plan(self, plan: UnitPlan, seed: SeedDoc) -> UnitOutcome:
        """Execute a sampled plan on one seed (see ``run_plan``)."""
        return run_plan(self, plan, seed)

    def respond(self, item: PassageItem) -> str:
        """The teacher's answer to the item's user message."""
        with self.lms.use("responder"):
            response = self.responder(request=self.user_message(item)).response
        return _require_text(response, "responder")

    # -- whole flow ---------------------------------------------------------------------------------
    def forward(
        self,
        seed_text: str,
        transformation: str,
        instruction_type: str,
        goals: list[str] | None = None,
        suggestions: int = 1,
    ) -> dspy.Prediction:
        """Run one path of the flow; the driver chooses the agents (with a seeded RNG), not this method."""
        passage = self.transform(seed_text, transformation)
        base = [
            PassageItem(passage=passage, instruction=text, instruction_type=instruction_type,
                        transformation=transformation,
                        agents=[f"transform:{transformation}", f"generate:{instruction_type}"])
            for text in self.generate(passage, instruction_type)
        ]
        items = list(base)
        frontier = base
        for goal in goals or []:
            frontier = [new for item in frontier for new in self.refine(item, goal, suggestions)]
            items.extend(frontier)
        for item in items:
            item.response = self.respond(item)
        return dspy.Prediction(passage=passage, generated=items)


class EmptyOutputError(ValueError):
    """A model answered in the right format but with nothing usable (validation failure)."""


MIN_INSTRUCTION_WORDS = 3
RETRIED_REASONS = frozenset({"validation", "truncation", "parse"})
"""Failures a new sample may fix (a degenerate, overlong or malformed output); others (auth, budget, provider
errors, a stop) are not retried here (the engine retries transient provider errors itself)."""
MIN_PASSAGE_WORDS = 25
"""A transformed or edited passage shorter than this (or than half its source) is a failed transformation."""


def _min_passage_words(source: str) -> int:
    return max(1, min(MIN_PASSAGE_WORDS, len(source.split()) // 2))


_FIELD = r"(task|instruction|passage|question|answer|response|suggestion|modified_\w+)"
_PLACEHOLDER = re.compile(rf"\{{{_FIELD}\}}|^\W*{_FIELD}\W*$", re.IGNORECASE)
_META = re.compile(r"^\W*(please\s+)?(write|create|generate|make|ask|here is)\s+(a|an|one|the|your)\s+(\w+\s+){0,2}"
                   r"(question|task|instruction)s?(\s+(about|on|for|from|of)\s+(the|this)\s+(passage|text))?\W*$",
                   re.IGNORECASE)


def instruction_problem(text: str, passage: str) -> str | None:
    """Why ``text`` is not a usable instruction about ``passage`` (None when it is).

    Small models under a JSON grammar often fill the field with a template placeholder (``{task}``), the
    field's name, or a heading copied from the passage (``Heap Queues``); none of these is an
    instruction, and each is counted as a failed attempt rather than written.
    """
    if len(text.split()) < MIN_INSTRUCTION_WORDS:
        return f"fewer than {MIN_INSTRUCTION_WORDS} words"
    if _PLACEHOLDER.search(text):
        return "a template placeholder"
    if _META.match(text):
        return "a description of an instruction, not an instruction"
    if " ".join(text.casefold().split()) in " ".join(passage.casefold().split()):
        return "copied from the passage"
    return None


def _require_text(value: object, where: str, min_words: int = 1) -> str:
    """The stripped text, or ``EmptyOutputError`` when it is empty, a bare template placeholder (``{response}``)
    or shorter than ``min_words`` words."""
    if not isinstance(value, str) or not value.strip():
        raise EmptyOutputError(f"{where} produced an empty output")
    if _PLACEHOLDER.match(value.strip()):
        raise EmptyOutputError(f"{where} produced a template placeholder ({value.strip()[:60]!r})")
    if len(value.split()) < min_words:
        raise EmptyOutputError(f"{where} produced a degenerate output ({value.strip()[:60]!r})")
    return value.strip()


def program_hash(program: dspy.Module) -> str:
    """A short hash of the program's state (instructions and demos of every predictor)."""
    state = program.dump_state()
    blob = json.dumps(state, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


def run_plan(program: SkillProgram, plan: UnitPlan, seed: SeedDoc) -> UnitOutcome:
    """Execute a sampled ``UnitPlan`` on one seed; every failed step is recorded, none is dropped.

    The plan loop is ``programs.special.flow.run_paths``; the standard last stage is the teacher's response.
    """
    from programs.special.flow import Finished, run_paths  # flow builds on this module's PassageItem

    def respond(item: PassageItem) -> Finished:
        item.response = program.respond(item)
        return Finished(messages=program.messages(item), agents=["respond"])

    return run_paths(program, plan, seed, respond)
