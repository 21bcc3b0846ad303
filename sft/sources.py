"""Finding and reading one data source: a run directory, a JSONL file or directory, or a saved HF dataset."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.heldout import HELDOUT_DIR, heldout_ids
from sft.deps import require

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResolvedSource:
    """A source path classified by kind: JSONL shard files, or a ``save_to_disk`` dataset directory."""

    path: Path
    kind: Literal["jsonl", "hf"]
    files: tuple[Path, ...] = ()

    def signature(self) -> list[tuple[str, int, int]]:
        """(path, size, mtime) of every file, so caches keyed on it notice edited shards."""
        return [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in self.files]

    def run_dirs(self) -> list[Path]:
        """The run directory this source lies in, if any: the path itself, or the run holding its
        ``data/`` folder or shard file (a run directory has a ``data/`` folder)."""
        p = self.path
        for candidate in (p, p.parent, p.parent.parent):
            if (candidate / "data").is_dir() and (candidate == p or p.is_relative_to(candidate / "data")):
                return [candidate]
        return []


def heldout_for(source: ResolvedSource, extra: list[Path] | tuple[Path, ...] = ()) -> set[str]:
    """The record ids training must refuse from ``source``: the held-out sets of its run directory
    (``RUN/heldout/*.json``, written by ``agentinstruct eval orca-bench``) and those named in ``extra``."""
    roots = [r for r in source.run_dirs() if (r / HELDOUT_DIR).is_dir()]
    ids = heldout_ids([*roots, *extra])
    if ids:
        logger.info("%s: %d held-out record ids are left out", source.path, len(ids))
    return ids


def resolve_source(path: str | Path) -> ResolvedSource:
    """Classify ``path``.

    Accepted: a run directory (``RUN_DIR/data/*.jsonl``), a directory of ``*.jsonl`` files, a single
    ``.jsonl`` file, or a directory written by ``datasets.Dataset.save_to_disk`` (``state.json`` or
    ``dataset_dict.json`` inside).
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise FileNotFoundError(f"{p}: data source does not exist")
    if p.is_file():
        if p.suffix != ".jsonl":
            raise ValueError(f"{p}: a data file must be JSONL (one JSON object per line, suffix .jsonl)")
        return ResolvedSource(p, "jsonl", (p,))
    if (p / "state.json").is_file() or (p / "dataset_dict.json").is_file():
        return ResolvedSource(p, "hf")
    for shard_dir in (p / "data", p):
        files = tuple(sorted(shard_dir.glob("*.jsonl")))
        if files:
            return ResolvedSource(p, "jsonl", files)
    raise ValueError(
        f"{p}: no data found: expected RUN_DIR/data/*.jsonl, *.jsonl in the directory, "
        "or a dataset saved with save_to_disk"
    )


def iter_jsonl(files: tuple[Path, ...] | list[Path]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``("file:line", object)`` for every non-blank line; a bad line raises naming file and line."""
    for file in files:
        with open(file, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                where = f"{file}:{lineno}"
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{where}: not valid JSON: {exc.msg}") from exc
                if not isinstance(obj, dict):
                    raise TypeError(f"{where}: expected a JSON object, got {type(obj).__name__}")
                yield where, obj


def load_saved_dataset(source: ResolvedSource, required: tuple[str, ...]):
    """Load a ``save_to_disk`` dataset and check its columns.

    A DatasetDict gives its ``train`` split, or, without one (``agentinstruct export`` writes one split
    per skill or per Orca category), all its splits concatenated.
    """
    datasets = require("datasets")
    ds = datasets.load_from_disk(str(source.path))
    if isinstance(ds, datasets.DatasetDict):
        if "train" in ds:
            ds = ds["train"]
        else:
            logger.info("%s: no 'train' split; using all of %s", source.path, list(ds))
            ds = datasets.concatenate_datasets(list(ds.values()))
    missing = [c for c in required if c not in ds.column_names]
    if missing:
        raise ValueError(f"{source.path}: saved dataset lacks column(s) {missing} (has {ds.column_names})")
    return ds


def from_generator(generator, features, gen_kwargs: dict[str, Any]):
    """``Dataset.from_generator`` that re-raises our own validation error instead of datasets' wrapper.

    datasets wraps any error raised inside the generator in ``DatasetGenerationError("An error occurred
    while generating the dataset")``; the cause carries the file, line and reason the user needs.
    """
    datasets = require("datasets")
    try:
        return datasets.Dataset.from_generator(generator, features=features, gen_kwargs=gen_kwargs)
    except datasets.exceptions.DatasetGenerationError as exc:
        if isinstance(exc.__cause__, ValueError | TypeError | OSError):
            raise exc.__cause__ from None
        raise


def json_field(value: Any, where: str, field: str) -> Any:
    """A column value that exports may store JSON-encoded (``messages``, ``scores``), decoded."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: '{field}' is a string but not valid JSON: {exc.msg}") from exc
