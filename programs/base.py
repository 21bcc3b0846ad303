"""The flow every skill program shares: its predictors keyed by agent id, its stages and its one path.

``FlowProgram`` holds the transformation, generation and refinement predictors in flat dicts keyed by the
skill file's agent ids (so saved state maps onto the YAML by name) and runs ``programs.flow.run_paths``;
a subclass supplies the last stage (``finish``) and the predictors it needs. ``forward`` is the same path
for one (transformation, instruction type, goals) choice: compile, tune and evaluation call it, the engine
calls ``run_plan``, and both produce exactly the same items.
"""

from __future__ import annotations

import hashlib
import logging

import dspy

from core.flow.failures import classify, excerpt
from core.flow.outcome import UnitOutcome
from core.flow.plan import PathPlan, UnitPlan
from core.seeds import SeedDoc
from core.taxonomy import RefinementGoalSpec, SkillSpec
from programs.flow import Finished, run_paths
from programs.item import (
    MIN_INSTRUCTION_WORDS,
    RETRIED_REASONS,
    EmptyOutputError,
    PassageItem,
    instruction_problem,
    min_passage_words,
    require_text,
)
from programs.output_checks import OutputRejected, check_edit, check_output, refused_not_cached
from programs.role_lms import RoleLMs, resample
from signatures import Edit, EditInstruction, GenerateInstruction, Suggest, Transform, specialize

log = logging.getLogger(__name__)


class FlowProgram(dspy.Module):
    """The AgentInstruct flow for one skill, built from its ``SkillSpec``, up to its last stage."""

    transform_signature: type[dspy.Signature] = Transform
    """The signature each non-identity transformation agent specialises."""

    def __init__(self, spec: SkillSpec, lms: RoleLMs | None = None):
        super().__init__()
        self.spec = spec
        self.lms = lms or RoleLMs()
        self.transformers = {
            t.id: dspy.Predict(specialize(self.transform_signature, t.instructions))
            for t in spec.transformations if not t.identity
        }
        self.generators = {
            t.id: dspy.Predict(specialize(GenerateInstruction, t.instructions))
            for t in spec.instruction_types
        }
        edited = [g for g in spec.refinement.goals if self.edits(g)]
        self.suggesters = {
            g.id: dspy.Predict(specialize(Suggest, f"Refinement goal: {g.name}. {g.instructions}"))
            for g in edited
        }
        self.editors = {
            g.id: dspy.Predict(specialize(Edit if g.edits_passage else EditInstruction,
                                          f"Refinement goal: {g.name}. {g.instructions}"))
            for g in edited
        }

    def edits(self, goal: RefinementGoalSpec) -> bool:
        """Whether a refinement goal runs the suggester/editor pair (format goals run their own agent)."""
        return True

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
        where = f"transformation {transformation}"
        # ``resample`` makes the n-th attempt its own request-cache entry (the predictor's ``rollout_id`` alone
        # does not reach the middleware's key): a retry is a new sample, not the answer just refused
        with resample(config.get("rollout_id", 0)), refused_not_cached(), self.lms.use("transformer"):
            passage = self.transformers[transformation](seed_text=seed_text, config=config).passage
            passage = check_output(require_text(passage, where), where, seed_text, "passage")
            return require_text(passage, where, min_passage_words(seed_text))

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
        where = f"generator {instruction_type}"
        for rollout in range(max(attempts or count, count)):
            if len(instructions) >= count:
                break
            config = {"rollout_id": rollout} if rollout else {}
            try:
                with resample(rollout), refused_not_cached(), self.lms.use("generator"):
                    text = self.generators[instruction_type](passage=passage, config=config).task
                    text = require_text(text, where) if isinstance(text, str) and text.strip() else ""
                    text = check_output(text, where, passage, "instruction") if text else text
                    if instruction_problem(text, passage) is not None:
                        rejected.append(text)
                        raise EmptyOutputError(f"{where}: unusable instruction {text[:60]!r}")
            except OutputRejected as exc:  # hostile or degenerate: the last one is raised when none is usable
                failed = exc
                continue
            except EmptyOutputError:
                continue  # counted in ``rejected``; its cached answer is forgotten
            except Exception as exc:
                if classify(exc) not in RETRIED_REASONS:
                    raise
                failed = exc  # a cut-off or malformed sample: the next attempt is a new one
                continue
            if text in instructions:
                rejected.append(text)  # a repeat is not refused as bad output: it stays cached
            else:
                instructions.append(text)
        if not instructions:
            if isinstance(failed, OutputRejected) or (failed is not None and not rejected):
                raise failed
            cut = f" (and {classify(failed)} failures)" if failed is not None else ""
            raise EmptyOutputError(f"generator {instruction_type} produced no usable instruction{cut}: "
                                   f"{rejected!r:.80}")
        return instructions

    def refine(self, item: PassageItem, goal: str, suggestions: int) -> list[PassageItem]:
        """One suggester/editor round: each suggestion becomes one edited (passage, instruction) pair."""
        spec_goal = self.spec.goal(goal)
        context = f"{item.passage}\n\n{item.instruction}"
        with refused_not_cached(), self.lms.use("suggester"):
            proposed = self.suggesters[goal](
                passage=item.passage, instruction=item.instruction, count=suggestions
            ).suggestions
            proposed = [check_output(require_text(s, f"suggester {goal}"), f"suggester {goal}", context,
                                     "suggestion") for s in proposed if isinstance(s, str) and s.strip()][:suggestions]
            if not proposed:
                raise EmptyOutputError(f"suggester {goal} produced no suggestion")
        edited = []
        for suggestion in proposed:
            where = f"editor {goal}"
            with refused_not_cached(), self.lms.use("editor"):
                out = self.editors[goal](
                    passage=item.passage, instruction=item.instruction, suggestion=suggestion
                )
                passage = item.passage
                if spec_goal.edits_passage:
                    passage = check_output(require_text(out.modified_passage, f"{where} (passage)"),
                                           f"{where} (passage)", context, "passage")
                    passage = require_text(passage, f"{where} (passage)", min_passage_words(item.passage))
                instruction = check_output(require_text(out.modified_instruction, where), where,
                                           f"{context}\n\n{suggestion}", "instruction")
                instruction = require_text(instruction, where, MIN_INSTRUCTION_WORDS)
                before, after = [item.instruction], [instruction]
                if spec_goal.edits_passage:
                    before, after = [item.passage, item.instruction], [passage, instruction]
                check_edit(where, before, after, context)
            edited.append(PassageItem(
                passage=passage,
                instruction=instruction,
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

    def finish(self, item: PassageItem) -> Finished:
        """The last stage of one item (the teacher's answer, a trace, verified code, ...)."""
        raise NotImplementedError(f"{type(self).__name__} defines no last stage")

    # -- the one path -------------------------------------------------------------------------------
    def run_plan(self, plan: UnitPlan, seed: SeedDoc) -> UnitOutcome:
        """Execute a sampled plan on one seed: ``programs.flow.run_paths`` with ``finish`` as the last stage."""
        return run_paths(self, plan, seed)

    def forward(
        self,
        seed_text: str,
        transformation: str,
        instruction_type: str,
        goals: list[str] | None = None,
        suggestions: int = 1,
        instructions_per_type: int = 1,
        generation_attempts: int = 1,
        transform_attempts: int = 1,
        response_attempts: int = 1,
        seed_id: str = "example",
    ) -> dspy.Prediction:
        """One path of the flow as a one-path plan through ``run_plan`` (the driver, not this method,
        chooses the agents). ``generated`` holds the items generation would write as records,
        ``outcome`` the whole unit outcome (its recorded failures included)."""
        plan = UnitPlan([PathPlan(transformation, [instruction_type], list(goals or []))],
                        instructions_per_type=instructions_per_type, suggestions=suggestions,
                        generation_attempts=generation_attempts, transform_attempts=transform_attempts,
                        response_attempts=response_attempts)
        outcome = self.run_plan(plan, seed_doc(seed_id, seed_text, self.spec))
        return dspy.Prediction(generated=outcome.examples, outcome=outcome)


def seed_doc(seed_id: str, text: str, spec: SkillSpec) -> SeedDoc:
    """A ``SeedDoc`` for a bare seed text (the first seed kind the skill accepts)."""
    return SeedDoc(id=seed_id, text=text, source=seed_id, sha256=hashlib.sha256(text.encode()).hexdigest(),
                   kind=spec.seed_kinds[0])


__all__ = ["MIN_INSTRUCTION_WORDS", "EmptyOutputError", "FlowProgram", "PassageItem", "instruction_problem",
           "seed_doc"]
