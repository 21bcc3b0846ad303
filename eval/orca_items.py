"""Orca-Bench items: held-out records of the generated data, and the student prompt of every assistant turn.

A record (``runs/*/data/*.jsonl``) is ``{"id", "skill", "subcategory", "messages": [...], ...}`` whose
assistant turns were written by the teacher. For each assistant turn the student sees the teacher's
conversation up to the user turn before it (paper, section 4.1), so all turns of all items are
independent prompts and generate in one batch.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from eval.students.base import GenerationSettings, Message, Student

log = logging.getLogger(__name__)


class OrcaItem(BaseModel):
    """One held-out conversation; its assistant turns are the teacher's answers."""

    model_config = ConfigDict(extra="forbid")

    id: str
    skill: str
    subcategory: str = ""
    messages: list[dict[str, str]] = Field(min_length=2)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> OrcaItem:
        """The item of a generated record (lineage, scores and metadata are not needed)."""
        return cls(id=str(record["id"]), skill=str(record["skill"]),
                   subcategory=str(record.get("subcategory") or ""), messages=list(record["messages"]))


class TurnPrompt(BaseModel):
    """What the student answers for one assistant turn: the teacher's history up to that turn."""

    model_config = ConfigDict(extra="forbid")

    item_id: str
    skill: str
    turn: int
    """0-based index among the item's assistant turns."""
    messages: list[dict[str, str]]
    """System/user/assistant history ending with the user turn to answer."""
    teacher_answer: str


def turn_prompts(item: OrcaItem) -> list[TurnPrompt]:
    """One prompt per assistant turn that follows a user turn."""
    prompts = []
    for i, message in enumerate(item.messages):
        if message.get("role") == "assistant" and i > 0 and item.messages[i - 1].get("role") == "user":
            prompts.append(TurnPrompt(item_id=item.id, skill=item.skill, turn=len(prompts),
                                      messages=[dict(m) for m in item.messages[:i]],
                                      teacher_answer=message["content"]))
    return prompts


def conversation_text(messages: Sequence[Message]) -> str:
    """The history as ``### User:`` / ``### Assistant:`` blocks, for a judge."""
    return "\n\n".join(f"### {m['role'].capitalize()}:\n{m['content']}" for m in messages)


def generate_answers(
    items: Sequence[OrcaItem], student: Student, settings: GenerationSettings
) -> dict[str, list[str]]:
    """The student's answer to every assistant turn of every item, generated in one batched call."""
    prompts = [p for item in items for p in turn_prompts(item)]
    replies = student.generate([p.messages for p in prompts], settings)
    if len(replies) != len(prompts):
        raise ValueError(f"{student.name}: {len(replies)} replies for {len(prompts)} prompts")
    answers: dict[str, list[str]] = defaultdict(list)
    for prompt, reply in zip(prompts, replies, strict=False):
        answers[prompt.item_id].append(reply)
    return dict(answers)


def build_heldout(
    records: Iterable[Mapping[str, Any]],
    per_skill: int,
    seed: int,
    group_by: Callable[[Mapping[str, Any]], str] | None = None,
) -> list[str]:
    """Ids of ``per_skill`` records chosen per skill (or per ``group_by`` key) with a seeded RNG.

    Each group draws from its own RNG (seeded by ``seed`` and the group's name) over its ids in sorted
    order, so the choice does not depend on file order or on the other groups. A group with fewer
    records gives all of them (logged). ``group_by`` can split a skill, e.g. ODQA seed-stage vs refined.
    """
    key = group_by or (lambda r: str(r["skill"]))
    groups: dict[str, list[str]] = defaultdict(list)
    for record in records:
        groups[key(record)].append(str(record["id"]))
    chosen: list[str] = []
    for group in sorted(groups):
        ids = sorted(set(groups[group]))
        if len(ids) < per_skill:
            log.warning("held-out %s: only %d records for %d wanted; taking all", group, len(ids), per_skill)
            chosen += ids
            continue
        chosen += sorted(random.Random(f"{seed}:{group}").sample(ids, per_skill))
    return chosen
