"""The output record: one instruction-response example as chat messages, with its lineage.

A record is one JSON line in a run's shard files. ``datasets.load_dataset("json", data_files=...)``
loads them directly; the ``messages`` column follows the OpenAI / TRL conversational format, so the
same files feed ``sft/`` and the evaluation harness without conversion.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Role = Literal["system", "user", "assistant"]

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""What ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` builds on every call, built once."""


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
    parent_id: str | None = None
    """The id of the record this one was refined from (``None`` for an item of round 0)."""
    suggestion: str | None = None
    """The suggester's proposal the refined item was edited from."""
    skill_hash: str | None = None
    """``core.taxonomy.spec_hash`` of the skill file the record was generated with."""
    seed_flags: list[str] = Field(default_factory=list)
    """What screening found in the seed (``core.seeds.screen``): ``planted_instruction``, ``secret_redacted``
    (its secrets were replaced by ``[REDACTED]`` before any model saw it), ``url``."""


class JudgeBallot(BaseModel):
    """One judge's ballot on one criterion of an item: a score in [0, 1], or why there is none.

    ``parsed`` is False when the judge's answer could not be read as a verdict (or the call failed): such a
    ballot has no score and is never counted as a 0.
    """

    model_config = ConfigDict(extra="forbid")

    criterion: str
    judge: str
    model: str = ""
    score: float | None = None
    parsed: bool = True
    rationale: str = ""
    error: str | None = None


class Scores(BaseModel):
    """An item's judgement: each criterion's aggregate, every ballot behind it and the jury's agreement.

    ``criteria`` maps a criterion (``quality``, ``faithfulness``, ...) to the jury's aggregate in [0, 1],
    or ``None`` when no judge returned a usable ballot. ``agreement`` is 1 minus the mean spread
    (max - min) of the usable ballots of the criteria rated by two or more judges (``None`` with one judge
    per criterion). ``difficulty`` is the share of judges that found a refined item harder than its parent.
    A legacy flat mapping ``{name: number}`` is read as ``criteria``.
    """

    model_config = ConfigDict(extra="forbid")

    overall: float | None = None
    criteria: dict[str, float | None] = Field(default_factory=dict)
    ballots: list[JudgeBallot] = Field(default_factory=list)
    agreement: float | None = None
    checks_failed: list[str] = Field(default_factory=list)
    """Mechanical checks the item failed (a refused item; a written one passed them all)."""
    difficulty: float | None = None
    candidates: int = 1
    """Responses the jury ranked for the item (``generation.responses_per_item``)."""
    position_flips: int = 0
    """Pairwise judges that changed their verdict when the two responses swapped places."""

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        if isinstance(data, dict) and data and not set(data) & set(cls.model_fields):
            return {"criteria": data}
        return data

    def numbers(self) -> dict[str, float]:
        """The criteria that have a verdict, as numbers."""
        return {k: v for k, v in self.criteria.items() if v is not None}


def criterion_scores(raw: Any) -> Any:
    """The ``name -> number`` view of a record's ``scores`` as stored in any layout: a ``Scores`` object, its
    JSON form (``{"criteria": {...}}``), the exported list ``[{"criterion", "score"}]`` or a legacy flat
    mapping (returned as it is, for the caller to validate)."""
    if isinstance(raw, Scores):
        return raw.numbers()
    if isinstance(raw, list):
        return {row["criterion"]: row["score"] for row in raw
                if isinstance(row, dict) and "criterion" in row and row.get("score") is not None}
    if isinstance(raw, dict) and "criteria" in raw and set(raw) <= set(Scores.model_fields):
        return {k: v for k, v in (raw.get("criteria") or {}).items() if v is not None}
    return raw


class Record(BaseModel):
    """One instruction-response pair (or multi-turn conversation) produced by a skill program."""

    model_config = ConfigDict(extra="forbid")

    id: str
    skill: str
    subcategory: str
    messages: list[Message]
    lineage: Lineage
    scores: Scores = Field(default_factory=Scores)
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
        return _COMPACT.encode(self.model_dump(mode="json"))


class PreferencePair(BaseModel):
    """One DPO pair in TRL's conversational format: the shared prompt, the chosen and the rejected reply.

    ``scores`` holds the two replies' overall judge scores (``chosen``, ``rejected``) and ``margin`` their
    difference; ``metadata`` says where the pair came from (``source``: ``candidates`` of one item, or a
    ``refused`` sibling), the unit and the chosen record's id.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    skill: str
    subcategory: str
    prompt: list[Message]
    chosen: list[Message]
    rejected: list[Message]
    scores: dict[str, float | None]
    margin: float
    lineage: Lineage
    metadata: dict[str, str] = Field(default_factory=dict)

    def to_json(self) -> str:
        """The pair as one compact JSON line (no trailing newline)."""
        return _COMPACT.encode(self.model_dump(mode="json"))


def text_sha256(messages: list[dict[str, str]] | list[Message]) -> str:
    """The sha256 of an item's messages (role and content, canonical JSON): a refused item's fingerprint."""
    rows = [m.model_dump() if isinstance(m, Message) else {"role": m["role"], "content": m["content"]}
            for m in messages]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def record_id(*parts: str) -> str:
    """A stable id for a record from the parts that identify its work unit."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]
