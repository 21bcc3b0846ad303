"""The instruction set an arena battles on: a generated run's instructions with their answers stripped (the
hybrid: AgentInstruct writes the instructions, the arena the answers), a JSONL file, or a saved Hugging
Face dataset (``save_to_disk`` directory, or a ``.parquet`` / ``.json`` file).

A row gives its prompt as ``messages`` (chat turns; a final assistant turn is stripped and kept as the
row's ``reference`` answer), ``prompt`` (a string or turns) or ``instruction`` / ``question`` (a string);
``id`` (else a hash of the prompt), and optionally ``skill``, ``instruction_type``, ``transformation`` (else
read from a record's ``lineage``): the taxonomy nodes the ArenaInstruct feedback reweights.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.records import Message

log = logging.getLogger(__name__)


class Instruction(BaseModel):
    """One prompt: chat turns ending with a user turn, the set's own answer if any, and its taxonomy node."""

    model_config = ConfigDict(extra="forbid")

    id: str
    messages: list[Message] = Field(min_length=1)
    reference: str | None = None
    skill: str | None = None
    instruction_type: str | None = None
    transformation: str | None = None
    refinement_round: int = 0
    source: str = ""

    def prompt(self) -> list[dict[str, str]]:
        """The turns as plain ``{"role", "content"}`` dicts (a student's input)."""
        return [{"role": m.role, "content": m.content} for m in self.messages]

    def request_text(self) -> str:
        """What a judge reads as the request: the user turn, or the conversation so far (a system turn
        is shown as instructions)."""
        turns = [m for m in self.messages if m.role != "system"]
        system = [m.content for m in self.messages if m.role == "system"]
        if len(turns) == 1 and not system:
            return turns[0].content
        parts = [f"### System instructions:\n{s}" for s in system]
        parts += [f"### {'User' if m.role == 'user' else 'Assistant'}:\n{m.content}" for m in turns]
        return "\n\n".join(parts)

    def text(self) -> str:
        """All the prompt's turns as one text (for clustering and decontamination)."""
        return "\n\n".join(m.content for m in self.messages if m.role != "system")


def _hash_id(messages: list[dict[str, str]]) -> str:
    return hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()[:16]


def _turns(value: Any, where: str) -> list[dict[str, str]]:
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, list) and all(isinstance(m, dict) and {"role", "content"} <= set(m) for m in value):
        return [{"role": m["role"], "content": m["content"]} for m in value]
    raise ValueError(f"{where}: a prompt is a string or a list of {{role, content}} turns")


def from_row(row: dict[str, Any], where: str) -> Instruction:
    """One instruction from a record or a plain row (see the module docstring for the fields read)."""
    for key in ("messages", "prompt", "instruction", "question"):
        if row.get(key) is not None:
            turns = _turns(row[key], where)
            break
    else:
        raise ValueError(f"{where}: no prompt (messages, prompt, instruction or question)")
    reference = None
    if turns and turns[-1]["role"] == "assistant":
        reference = turns.pop()["content"]
    if not turns or turns[-1]["role"] != "user":
        raise ValueError(f"{where}: the prompt must end with a user turn")
    lineage = row.get("lineage") or {}
    if not isinstance(lineage, dict):
        raise ValueError(f"{where}: lineage must be an object")
    skill = row.get("skill")
    return Instruction(
        id=str(row.get("id") or _hash_id(turns)), messages=turns, reference=reference or row.get("reference"),
        skill=skill, instruction_type=row.get("instruction_type") or lineage.get("instruction_type"),
        transformation=row.get("transformation") or lineage.get("transformation"),
        refinement_round=int(row.get("refinement_round") or lineage.get("refinement_round") or 0), source=where)


def _jsonl_rows(files: Iterable[Path]) -> Iterator[tuple[str, dict[str, Any]]]:
    for file in files:
        with open(file, encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{file}:{n}: not valid JSON: {exc.msg}") from exc
                if not isinstance(obj, dict):
                    raise ValueError(f"{file}:{n}: expected a JSON object")
                yield f"{file}:{n}", obj


def _dataset_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    import datasets

    if path.is_dir():
        ds = datasets.load_from_disk(str(path))
        if isinstance(ds, datasets.DatasetDict):
            ds = ds["test"] if "test" in ds else datasets.concatenate_datasets(list(ds.values()))
    else:
        kind = "parquet" if path.suffix == ".parquet" else "json"
        ds = datasets.load_dataset(kind, data_files=str(path), split="train")
    for n, row in enumerate(ds):
        fixed = {k: (json.loads(v) if k in ("messages", "lineage") and isinstance(v, str) else v)
                 for k, v in row.items()}
        yield f"{path}[{n}]", fixed


def load_instructions(source: str | Path, limit: int | None = None) -> list[Instruction]:
    """The instructions of a run directory, a JSONL file (or a directory of them) or a saved dataset; ids
    must be unique (a repeated id is an error, not a silent overwrite)."""
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{path}: instruction set does not exist")
    if path.is_dir() and ((path / "state.json").is_file() or (path / "dataset_dict.json").is_file()):
        rows = _dataset_rows(path)
    elif path.is_dir():
        files = sorted((path / "data").glob("*.jsonl")) or sorted(path.glob("*.jsonl"))
        if not files:
            raise ValueError(f"{path}: no RUN_DIR/data/*.jsonl nor *.jsonl files")
        rows = _jsonl_rows(files)
    elif path.suffix == ".jsonl":
        rows = _jsonl_rows([path])
    else:
        rows = _dataset_rows(path)
    out: list[Instruction] = []
    seen: set[str] = set()
    for where, row in rows:
        item = from_row(row, where)
        if item.id in seen:
            raise ValueError(f"{where}: instruction id {item.id!r} repeats")
        seen.add(item.id)
        out.append(item)
        if limit is not None and len(out) >= limit:
            break
    log.info("%d instructions from %s", len(out), path)
    return out


def write_instructions(path: Path, items: Iterable[Instruction]) -> None:
    """One instruction per line (the frozen form an arena or a test set keeps)."""
    with open(path, "w", encoding="utf-8") as fh:
        for item in items:
            fh.write(item.model_dump_json() + "\n")


def read_instructions(path: Path) -> list[Instruction]:
    """What ``write_instructions`` wrote."""
    return [Instruction.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def set_hash(items: Iterable[Instruction]) -> str:
    """A hash of the ids and prompts (what a resumed arena must be run on again)."""
    h = hashlib.sha256()
    for item in items:
        h.update(item.id.encode() + b"\x1f" + json.dumps(item.prompt(), sort_keys=True).encode() + b"\x1e")
    return h.hexdigest()
