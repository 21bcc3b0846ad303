"""Turning a unit's examples into what a run writes: records (with scores and lineage), preference pairs
and the failure lines of refused items.

A record's id is derived from its unit and its item key (``path/type/n``, ``parent>goal.k``), so a refined
record names its parent's id, and refusing one item does not renumber the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.flow.failures import Failure
from core.flow.outcome import CandidatePair, Example, StepFailure
from core.records import Lineage, Message, PreferencePair, Record, Scores, record_id
from core.seeds import SeedDoc

_EVIDENCE = ("scores", "text_sha256", "item_key", "criteria")


@dataclass(frozen=True)
class UnitContext:
    """What every record of one unit shares."""

    unit_id: str
    seed: SeedDoc
    skill: str
    models: dict[str, str]
    program_hash: str
    skill_hash: str | None
    run_seed: int | None


def example_id(ctx: UnitContext, example: Example, index: int) -> str:
    """The record id of an example: by item key (by position for an example without one)."""
    return record_id(ctx.unit_id, example.key or str(index))


def lineage(ctx: UnitContext, example: Example) -> Lineage:
    """An example's lineage: seed, agents, models, program and skill file, parent and suggestion."""
    return Lineage(**_lineage_fields(ctx, example))


def _lineage_fields(ctx: UnitContext, example: Example) -> dict:
    """The fields of :func:`lineage`, unvalidated."""
    return {
        "seed_id": ctx.seed.id, "seed_sha256": ctx.seed.sha256, "seed_source": ctx.seed.source,
        "transformation": example.transformation, "instruction_type": example.subcategory,
        "refinement_round": example.refinement_round, "refinement_goal": example.refinement_goal,
        "agents": example.agents, "models": ctx.models, "program_hash": ctx.program_hash, "run_seed": ctx.run_seed,
        "parent_id": record_id(ctx.unit_id, example.parent) if example.parent else None,
        "suggestion": example.suggestion, "skill_hash": ctx.skill_hash, "seed_flags": list(ctx.seed.flags),
    }


def to_record(ctx: UnitContext, example: Example, index: int) -> Record:
    """One example as a record: validated in one pass (messages and lineage as the record's own fields,
    the same checks as building each ``Message`` and the ``Lineage`` first)."""
    return Record.model_validate({
        "id": example_id(ctx, example, index), "skill": ctx.skill, "subcategory": example.subcategory,
        "messages": example.messages, "lineage": _lineage_fields(ctx, example),
        "scores": example.scores or Scores(), "metadata": {**example.metadata, "unit_id": ctx.unit_id},
    })


def to_pair(ctx: UnitContext, pair: CandidatePair, index: int) -> PreferencePair:
    """One judged pair as a TRL conversational preference pair."""
    chosen = pair.chosen
    prompt = [Message(**m) for m in chosen.messages[:-1]]
    chosen_id = example_id(ctx, chosen, index)
    return PreferencePair(
        id=record_id(chosen_id, "pair", str(pair.rejected.messages[-1]["content"])),
        skill=ctx.skill, subcategory=chosen.subcategory, prompt=prompt,
        chosen=[Message(**chosen.messages[-1])], rejected=[Message(**pair.rejected.messages[-1])],
        scores={"chosen": chosen.scores.overall if chosen.scores else None,
                "rejected": pair.rejected.scores.overall if pair.rejected.scores else None},
        margin=round(pair.margin, 6), lineage=lineage(ctx, chosen),
        metadata={"unit_id": ctx.unit_id, "chosen_id": chosen_id, "source": pair.source},
    )


def failure_line(ctx: UnitContext, failure: StepFailure) -> str:
    """A failure as its failures.jsonl line (a refused item's evidence only where it has some)."""
    row = Failure(unit_id=ctx.unit_id, seed_id=ctx.seed.id, skill=ctx.skill, stage=failure.stage,
                  agent=failure.agent, reason=failure.reason, error=failure.error, excerpt=failure.excerpt,
                  scores=failure.scores, text_sha256=failure.text_sha256, item_key=failure.key,
                  criteria=failure.criteria)
    evidence = failure.scores is not None or failure.text_sha256 is not None
    return row.model_dump_json(exclude=None if evidence else set(_EVIDENCE))
