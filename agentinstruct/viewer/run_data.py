"""A run directory read for the viewer: records with their parents, failures grouped, summary and manifest.

Read-only and tolerant: a run still being written may end a file with a torn line, which is skipped and
counted. A refined record's parent is its ``lineage.parent_id`` (the record itself, or a refused item under
``rejected/`` when ``quality.keep_rejected`` kept it); for records written before lineage named parents, the
record of the same unit, transformation and instruction type one refinement round earlier.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_EXCERPTS = 8
"""Failure excerpts kept per (stage, reason, skill) group."""


@dataclass
class FailureGroup:
    """Failures of one stage and reason in one skill: how many, and a few excerpts."""

    stage: str
    reason: str
    skill: str
    count: int = 0
    refusal: bool = False
    """True when the group is items refused by a check or the jury (not exceptions)."""
    excerpts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RunView:
    """Everything the page shows."""

    root: Path
    records: list[dict[str, Any]]
    parents: dict[str, dict[str, Any]]
    """Record id -> its parent (a record, or a refused item), for refined records whose parent is known."""
    failures: list[FailureGroup]
    summary: dict[str, Any]
    manifest: dict[str, Any]
    torn_lines: int = 0


def _jsonl(path: Path) -> tuple[list[dict[str, Any]], int]:
    rows, torn = [], 0
    if not path.is_file():
        return rows, torn
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except ValueError:
                torn += 1  # a line being written, or cut by a crash (repaired on --resume)
    return rows, torn


def _json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except ValueError:
        return {}


def _key(row: dict[str, Any], round_: int) -> tuple:
    lineage = row.get("lineage") or {}
    return ((row.get("metadata") or {}).get("unit_id"), lineage.get("transformation"),
            lineage.get("instruction_type"), round_)


def find_parents(records: list[dict[str, Any]], refused: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Record id -> parent, for every refined record whose parent can be found (see the module doc)."""
    by_id = {row["id"]: row for row in [*refused, *records] if "id" in row}
    by_key: dict[tuple, dict[str, Any]] = {}
    for row in records:
        by_key.setdefault(_key(row, (row.get("lineage") or {}).get("refinement_round", 0)), row)
    parents = {}
    for row in records:
        lineage = row.get("lineage") or {}
        round_ = lineage.get("refinement_round") or 0
        if not round_:
            continue
        parent = by_id.get(lineage.get("parent_id") or "") or by_key.get(_key(row, round_ - 1))
        if parent is not None and parent is not row:
            parents[row["id"]] = parent
    return parents


def group_failures(rows: list[dict[str, Any]]) -> list[FailureGroup]:
    """Failures by (stage, reason, skill), largest first, each with its first ``MAX_EXCERPTS`` excerpts."""
    groups: dict[tuple[str, str, str], FailureGroup] = {}
    for row in rows:
        key = (str(row.get("stage", "?")), str(row.get("reason", "?")), str(row.get("skill", "?")))
        group = groups.get(key) or groups.setdefault(key, FailureGroup(*key))
        group.count += 1
        group.refusal = group.refusal or row.get("error") == "Rejected"
        if len(group.excerpts) < MAX_EXCERPTS:
            group.excerpts.append({k: row.get(k) for k in ("seed_id", "agent", "error", "excerpt", "criteria")})
    return sorted(groups.values(), key=lambda g: (-g.count, g.stage, g.reason, g.skill))


def load_run(root: str | Path) -> RunView:
    """Read the run directory ``root`` (it needs at least a ``manifest.json`` or a ``data/`` folder)."""
    root = Path(root)
    if not (root / "manifest.json").is_file() and not (root / "data").is_dir():
        raise FileNotFoundError(f"{root}: not a run directory (no manifest.json, no data/)")
    records, torn = [], 0
    for path in sorted((root / "data").glob("*.jsonl")):
        rows, bad = _jsonl(path)
        records += rows
        torn += bad
    refused: list[dict[str, Any]] = []
    for path in sorted((root / "rejected").glob("*.jsonl")):
        rows, bad = _jsonl(path)
        refused += rows
        torn += bad
    failure_rows, bad = _jsonl(root / "failures.jsonl")
    torn += bad
    return RunView(root=root, records=records, parents=find_parents(records, refused),
                   failures=group_failures(failure_rows), summary=_json(root / "summary.json"),
                   manifest=_json(root / "manifest.json"), torn_lines=torn)
