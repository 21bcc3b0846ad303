"""The output record: one instruction-response example as chat messages, with its lineage.

A record is one JSON line in a run's shard files. ``datasets.load_dataset("json", data_files=...)``
loads them directly; the ``messages`` column follows the OpenAI / TRL conversational format, so the
same files feed ``sft/`` and the evaluation harness without conversion.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Role = Literal["system", "user", "assistant"]


class Message(BaseModel):
    """One chat turn."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    content: str


class Lineage(BaseModel):
    """Where a record came from: enough to reproduce or audit it."""

    model_config = ConfigDict(extra="forbid")

    seed_id: str
    seed_sha256: str
    seed_source: str
    transformation: str | None = None
    instruction_type: str
    refinement_round: int = 0
    refinement_goal: str | None = None
    agents: list[str] = Field(default_factory=list)
    models: dict[str, str] = Field(default_factory=dict)
    program_hash: str
    run_seed: int | None = None


class Record(BaseModel):
    """One instruction-response pair (or multi-turn conversation) produced by a skill program."""

    model_config = ConfigDict(extra="forbid")

    id: str
    skill: str
    subcategory: str
    messages: list[Message]
    lineage: Lineage
    scores: dict[str, float] = Field(default_factory=dict)
    metadata: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_turns(self) -> Record:
        turns = [m for m in self.messages if m.role != "system"]
        if not turns or turns[0].role != "user":
            raise ValueError("a record's first non-system message must be a user turn")
        if turns[-1].role != "assistant":
            raise ValueError("a record must end with an assistant turn")
        if any(not m.content.strip() for m in turns):
            raise ValueError("a record's user and assistant turns must not be empty")
        return self

    def to_json(self) -> str:
        """The record as one compact JSON line (no trailing newline)."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))


def record_id(*parts: str) -> str:
    """A stable id for a record from the parts that identify its work unit."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]
