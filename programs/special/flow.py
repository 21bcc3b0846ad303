"""The plan loop shared by the special programs: transform -> generate -> refine, then a program's own
last stage (a multi-turn trace, verified code, a conversation) through a ``finish`` hook."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from agentinstruct.engine.failures import classify, excerpt
from programs.role_lms import resample
from programs.skill import RETRIED_REASONS, PassageItem

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


def run_paths(program, plan, seed, finish: Callable[[PassageItem], Finished]):
    """Execute a sampled ``UnitPlan``: transform -> generate -> refine, with ``finish`` as the last stage.

    Every failed step is recorded with ``outcome.fail`` (reason from the exception) and every refused
    item with ``outcome.reject`` (reason from the check); none is dropped silently.
    """
    from agentinstruct.engine.outcome import Example, UnitOutcome

    outcome = UnitOutcome()
    for path in plan.paths:
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
            for text in texts:
                base = PassageItem(passage=passage, instruction=text, instruction_type=itype,
                                   transformation=path.transformation,
                                   agents=[f"transform:{path.transformation}", f"generate:{itype}"])
                items, frontier = [base], [base]
                for goal in path.goals:
                    refined = []
                    for item in frontier:
                        try:
                            refined.extend(program.refine(item, goal, plan.suggestions))
                        except Exception as exc:  # noqa: BLE001
                            _record(outcome, "refine", goal, exc)
                    items.extend(refined)
                    frontier = refined
                for item in items:
                    try:
                        done = finish_item(finish, item, plan.response_attempts)
                    except Exception as exc:  # noqa: BLE001
                        _record(outcome, "respond", itype, exc)
                        continue
                    outcome.examples.append(Example(
                        messages=done.messages,
                        subcategory=item.instruction_type,
                        transformation=item.transformation,
                        refinement_round=item.round,
                        refinement_goal=item.goal,
                        agents=[*item.agents, *done.agents],
                        metadata=done.metadata,
                    ))
    return outcome


def finish_item(finish: Callable[[PassageItem], Finished], item: PassageItem, attempts: int = 1) -> Finished:
    """The last stage for one item, sampled afresh (``resample``) up to ``attempts`` times while it fails
    with a reason a new sample may fix (a degenerate or cut-off output). A check's ``Rejected`` (failed
    tests, a call against the API schema) is final: it is the verdict on the item, not a bad sample."""
    for n in range(max(1, attempts)):
        try:
            with resample(n):
                return finish(item)
        except Rejected:
            raise
        except Exception as exc:
            if n + 1 >= attempts or classify(exc) not in RETRIED_REASONS:
                raise
            log.info("last stage of %s attempt %d unusable (%s); sampling again", item.instruction_type, n + 1,
                     excerpt(exc, 120))
    raise AssertionError("unreachable: the last attempt returns or raises")


def _record(outcome, stage: str, agent: str | None, exc: Exception) -> None:
    """A refused item as a rejection (its own stage and reason), anything else as a failed step."""
    if isinstance(exc, Rejected):
        outcome.reject(exc.stage if stage == "respond" else stage, agent, exc.reason, exc.detail)
    else:
        outcome.fail(stage, agent, exc)


def transcript(messages: list[dict[str, str]]) -> str:
    """A conversation as text for an agent's prompt (system messages left out)."""
    return "\n\n".join(f"{m['role'].upper()}:\n{m['content']}" for m in messages if m["role"] != "system")
