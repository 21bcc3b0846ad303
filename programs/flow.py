"""The one execution path of every skill program: transform -> generate -> refine -> the last stage.

``run_paths`` is what the engine, compile, tune and evaluation all run (through ``FlowProgram.run_plan``
and ``forward``): transformation, generation and last-stage attempts, refinement rounds where a failed
refinement is recorded while the other items go on, and a program's own last stage (``finish``: the
teacher's response, a verified solution, a conversation, a tool trace), which may refuse an item.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from core.flow.failures import classify, excerpt
from core.flow.outcome import Example, UnitOutcome
from core.flow.plan import UnitPlan
from core.safe_text import safe_text
from core.seeds import SeedDoc
from programs.item import RETRIED_REASONS, PassageItem
from programs.output_checks import check_messages, refused_not_cached
from programs.role_lms import resample

if TYPE_CHECKING:
    from core.taxonomy import SkillSpec

log = logging.getLogger(__name__)


class Rejected(Exception):
    """A check refused an item (not an error): recorded with ``outcome.reject`` under ``reason``."""

    def __init__(self, reason: str, detail: str, stage: str = "verify"):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.stage = stage


@dataclass
class Finished:
    """The last stage's result for one item: its chat messages and what it adds to the lineage."""

    messages: list[dict[str, str]]
    agents: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)


class Stages(Protocol):
    """The stages ``run_paths`` drives (``FlowProgram`` implements them)."""

    spec: SkillSpec

    def transform(self, seed_text: str, transformation: str, attempts: int = 1) -> str: ...
    def generate(self, passage: str, instruction_type: str, count: int = 1,
                 attempts: int | None = None) -> list[str]: ...
    def refine(self, item: PassageItem, goal: str, suggestions: int) -> list[PassageItem]: ...
    def finish(self, item: PassageItem) -> Finished: ...


def run_paths(program: Stages, plan: UnitPlan, seed: SeedDoc) -> UnitOutcome:
    """Execute a sampled ``UnitPlan`` on one seed, with ``program.finish`` as the last stage.

    Every failed step is recorded with ``outcome.fail`` (reason from the exception) and every refused
    item with ``outcome.reject`` (reason from the check); none is dropped silently.
    """
    outcome = UnitOutcome()
    for p, path in enumerate(plan.paths):
        try:
            passage = program.transform(seed.text, path.transformation, plan.transform_attempts)
        except Exception as exc:  # noqa: BLE001 - recorded with a reason code
            _record(outcome, "transform", path.transformation, exc)
            continue
        for itype in path.instruction_types:
            try:
                texts = program.generate(passage, itype, plan.instructions_per_type, plan.generation_attempts)
            except Exception as exc:  # noqa: BLE001
                _record(outcome, "generate", itype, exc)
                continue
            for n, text in enumerate(texts):
                base = PassageItem(passage=passage, instruction=text, instruction_type=itype,
                                   transformation=path.transformation, key=f"{p}/{itype}/{n}",
                                   agents=[f"transform:{path.transformation}", f"generate:{itype}"])
                items, frontier = [base], [base]
                for goal in path.goals:
                    refined = []
                    for item in frontier:
                        try:
                            new = program.refine(item, goal, plan.suggestions)
                        except Exception as exc:  # noqa: BLE001
                            _record(outcome, "refine", goal, exc)
                            continue
                        for k, child in enumerate(new):
                            child.key, child.parent = f"{item.key}>{goal}.{k}", item.key
                        refined.extend(new)
                    items.extend(refined)
                    frontier = refined
                for item in items:
                    example = finish_candidates(program, item, plan, outcome, itype)
                    if example is not None:
                        outcome.examples.append(example)
    return outcome


def finish_candidates(program: Stages, item: PassageItem, plan: UnitPlan, outcome: UnitOutcome,
                      itype: str) -> Example | None:
    """The last stage of one item, ``plan.responses`` times (each a distinct rollout range): the first
    finished candidate is the example and the others ride on it as ``alternatives`` for the jury to rank.
    A candidate that fails is recorded like any failed last stage; ``None`` when none finished."""
    finished: list[Example] = []
    for c in range(max(1, plan.responses)):
        candidate = item if plan.responses <= 1 else copy.copy(item)  # finish writes the response on it
        try:
            done = finish_item(program.finish, candidate, plan.response_attempts,
                               first=c * max(1, plan.response_attempts))
        except Exception as exc:  # noqa: BLE001 - recorded with a reason code
            _record(outcome, "respond", itype, exc)
            continue
        finished.append(_example(candidate, done))
    if not finished:
        return None
    finished[0].alternatives = finished[1:]
    return finished[0]


def _example(item: PassageItem, done: Finished) -> Example:
    response = item.response
    if response is None:  # a trace or conversation: its turns after the opening request
        users = [i for i, m in enumerate(done.messages) if m["role"] == "user"]
        response = transcript(done.messages[users[0] + 1:] if users else done.messages)
    return Example(
        messages=done.messages, subcategory=item.instruction_type, transformation=item.transformation,
        refinement_round=item.round, refinement_goal=item.goal, agents=[*item.agents, *done.agents],
        metadata=done.metadata, passage=item.passage, instruction=item.instruction, response=response,
        suggestion=item.suggestions[0] if item.suggestions else None, key=item.key, parent=item.parent,
        guidelines=[g.model_dump_json(exclude_none=True) for g in getattr(item, "guidelines", None) or []],
    )


def finish_item(finish, item: PassageItem, attempts: int = 1, first: int = 0) -> Finished:
    """The last stage for one item, sampled afresh (``resample``) up to ``attempts`` times while it fails
    with a reason a new sample may fix (a degenerate or cut-off output). A check's ``Rejected`` (failed
    tests, a call against the API schema) is final: it is the verdict on the item, not a bad sample.
    ``first`` is the rollout id of the first try (a further candidate response starts past the others).
    Every turn the stage wrote is checked (``programs.output_checks.check_messages``) before it is kept;
    a refused one is forgotten by the request cache."""
    for n in range(max(1, attempts)):
        try:
            with resample(first + n), refused_not_cached():
                done = finish(item)
                check_messages(done.messages, f"{item.passage}\n\n{item.instruction}")
                if item.response is not None:
                    item.response = safe_text(item.response)
                return done
        except Rejected:
            raise
        except Exception as exc:
            if n + 1 >= attempts or classify(exc) not in RETRIED_REASONS:
                raise
            log.info("last stage of %s attempt %d unusable (%s); sampling again", item.instruction_type, n + 1,
                     excerpt(exc, 120))
    raise AssertionError("unreachable: the last attempt returns or raises")


def _record(outcome: UnitOutcome, stage: str, agent: str | None, exc: Exception) -> None:
    """A refused item as a rejection (its own stage and reason), anything else as a failed step."""
    if isinstance(exc, Rejected):
        outcome.reject(exc.stage if stage == "respond" else stage, agent, exc.reason, exc.detail)
    else:
        outcome.fail(stage, agent, exc)


def transcript(messages: list[dict[str, str]]) -> str:
    """A conversation as text for an agent's prompt (system messages left out)."""
    return "\n\n".join(f"{m['role'].upper()}:\n{m['content']}" for m in messages if m["role"] != "system")
