"""Building Orca-Bench from generated runs: N held-out records per skill, ODQA twice (paper, section 4.1).

Records are read from ``RUN/data/*.jsonl``. Each record falls in one group: its skill, except open-domain
question answering, which gives two test sets: ``open_domain_question_answering`` (questions from the seed
instruction stage, refinement round 0) and ``complex_open_domain_question_answering`` (questions made
harder in the refinement stage). ``eval.orca_items.build_heldout`` chooses ``per_skill`` ids per group with
a seeded RNG. The chosen records are written as ``OUT/items.jsonl`` and their ids as a
``core.heldout.HeldoutSet`` into ``OUT/heldout.json`` and into every source run (``RUN/heldout/<name>.json``),
which SFT data loading reads and refuses.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from core.heldout import HeldoutSet, heldout_path, write_heldout
from eval.orca_items import OrcaItem, build_heldout

log = logging.getLogger(__name__)

ODQA = "open_domain_question_answering"
COMPLEX_ODQA = "complex_open_domain_question_answering"
ITEMS_FILE = "items.jsonl"
HELDOUT_FILE = "heldout.json"


class OrcaBenchSet(BaseModel):
    """A built Orca-Bench: where its items are, and the held-out set that keeps them out of training."""

    model_config = ConfigDict(extra="forbid")

    directory: str
    items_file: str
    heldout: HeldoutSet
    run_files: list[str]
    """The held-out files written into the source runs."""


def orca_group(record: Mapping[str, Any]) -> str:
    """The Orca-Bench test set a record belongs to: its skill, with ODQA split by refinement stage."""
    skill = str(record["skill"])
    if skill != ODQA:
        return skill
    lineage = record.get("lineage") or {}
    return COMPLEX_ODQA if int(lineage.get("refinement_round") or 0) > 0 else ODQA


def iter_run_records(run: Path) -> Iterator[dict[str, Any]]:
    """The raw records of one run directory (``data/*.jsonl``), with file:line errors."""
    data = Path(run) / "data"
    if not data.is_dir():
        raise FileNotFoundError(f"{run}: not a run directory (no data/ folder)")
    for shard in sorted(data.glob("*.jsonl")):
        with open(shard, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{shard}:{lineno}: invalid JSON: {exc.msg}") from exc
                if not isinstance(record, dict) or not {"id", "skill", "messages"} <= set(record):
                    raise ValueError(f"{shard}:{lineno}: not a record (needs id, skill, messages)")
                yield record


def build_orca_bench(
    runs: Sequence[str | Path], out: str | Path, *, per_skill: int = 100, seed: int = 0,
    name: str = "orca-bench",
) -> OrcaBenchSet:
    """Choose the held-out items of ``runs``, write them to ``out`` and mark them held out in each run."""
    out = Path(out)
    by_id: dict[str, dict[str, Any]] = {}
    origin: dict[str, Path] = {}
    for run in runs:
        for record in iter_run_records(Path(run)):
            by_id.setdefault(str(record["id"]), record)
            origin.setdefault(str(record["id"]), Path(run))
    if not by_id:
        raise ValueError(f"no records in {', '.join(map(str, runs))}")
    ids = build_heldout(by_id.values(), per_skill, seed, group_by=orca_group)
    items = []
    for i in ids:
        items.append(OrcaItem.from_record(by_id[i]).model_copy(update={"skill": orca_group(by_id[i])}))
    groups = dict(sorted(Counter(item.skill for item in items).items()))
    out.mkdir(parents=True, exist_ok=True)
    items_file = out / ITEMS_FILE
    items_file.write_text("".join(item.model_dump_json() + "\n" for item in items), encoding="utf-8")
    heldout = HeldoutSet(name=name, ids=ids, seed=seed, per_group=per_skill, groups=groups,
                         runs=[str(Path(r).resolve()) for r in runs])
    write_heldout(out / HELDOUT_FILE, heldout)
    run_files = []
    for run in runs:
        mine = [i for i in ids if origin[i] == Path(run)]
        run_files.append(str(write_heldout(heldout_path(run, name), heldout.model_copy(update={"ids": mine}))))
    log.info("orca-bench: %d items in %d groups from %d run(s) -> %s", len(items), len(groups), len(runs), out)
    return OrcaBenchSet(directory=str(out), items_file=str(items_file), heldout=heldout, run_files=run_files)


def load_orca_bench(path: str | Path) -> list[OrcaItem]:
    """The items of a built Orca-Bench (its directory, or its ``items.jsonl``)."""
    path = Path(path)
    items_file = path / ITEMS_FILE if path.is_dir() else path
    if not items_file.is_file():
        raise FileNotFoundError(f"{path}: no Orca-Bench items (build them with `agentinstruct eval orca-bench`)")
    items = []
    with open(items_file, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    items.append(OrcaItem.model_validate_json(line))
                except ValueError as exc:
                    raise ValueError(f"{items_file}:{lineno}: not an Orca-Bench item: {exc}") from exc
    return items
