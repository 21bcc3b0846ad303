"""Held-out records: ids that evaluation set aside (Orca-Bench), which training data loading refuses.

A held-out set is one JSON file, ``RUN/heldout/<name>.json``, written into every run directory its items
were drawn from (and a copy next to the benchmark). Whoever reads a run's records for training
(``sft.data``) reads every file under ``RUN/heldout/`` and leaves those ids out; a held-out file can also
be named explicitly for data that left its run directory (an exported dataset with an ``id`` column).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

HELDOUT_DIR = "heldout"
"""The folder of a run directory that holds its held-out sets."""


class HeldoutSet(BaseModel):
    """The ids of records kept out of training, and how they were chosen."""

    model_config = ConfigDict(extra="forbid")

    name: str
    """What set them aside (e.g. ``orca-bench``); also the file's name."""
    ids: list[str]
    seed: int | None = None
    per_group: int | None = None
    groups: dict[str, int] = Field(default_factory=dict)
    """Items chosen per group (skill, or ODQA / complex ODQA)."""
    runs: list[str] = Field(default_factory=list)
    """The run directories the ids were drawn from."""
    created: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat())


def heldout_path(run_dir: str | Path, name: str) -> Path:
    """Where the held-out set ``name`` of a run lives."""
    return Path(run_dir) / HELDOUT_DIR / f"{name}.json"


def write_heldout(path: str | Path, heldout: HeldoutSet) -> Path:
    """Write a held-out set (creating its folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(heldout.model_dump_json(indent=2), encoding="utf-8")
    return path


def read_heldout(path: str | Path) -> HeldoutSet:
    """One held-out file; an unreadable one is an error naming it (training must not silently use them)."""
    path = Path(path)
    try:
        return HeldoutSet.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable held-out file: {exc}") from exc


def heldout_files(path: str | Path) -> list[Path]:
    """The held-out files a path names: a ``.json`` file, a ``heldout/`` folder, or a run directory's."""
    path = Path(path)
    if path.is_file():
        return [path]
    folder = path if path.name == HELDOUT_DIR else path / HELDOUT_DIR
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def heldout_ids(paths: list[str | Path]) -> set[str]:
    """The union of the ids of every held-out file under ``paths`` (run directories, folders or files)."""
    ids: set[str] = set()
    for path in paths:
        for f in heldout_files(path):
            found = read_heldout(f)
            ids.update(found.ids)
            log.debug("%s: %d held-out ids", f, len(found.ids))
    return ids
