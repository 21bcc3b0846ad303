"""Reading the records of one or more run directories (``RUN/data/*.jsonl``), with file:line errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from core.records import Record

log = logging.getLogger(__name__)


class RunReadError(ValueError):
    """A run directory or one of its record lines cannot be read; the message names the file (and line)."""


def shard_paths(run_dir: Path) -> list[Path]:
    """The record shards of a run, in name order; an error when ``run_dir`` has no ``data/`` folder."""
    data = Path(run_dir) / "data"
    if not data.is_dir():
        raise RunReadError(f"{run_dir}: not a run directory (no data/ folder with record shards)")
    return sorted(data.glob("*.jsonl"))


def _parse(path: Path, lineno: int, line: str) -> Record:
    try:
        return Record.model_validate(json.loads(line))
    except json.JSONDecodeError as exc:
        hint = "" if line.endswith("\n") else " (a torn last line: `--resume` the run to repair it)"
        raise RunReadError(f"{path}:{lineno}: invalid JSON: {exc.msg}{hint}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "record"
        raise RunReadError(f"{path}:{lineno}: not a valid record ({where}: {first['msg']})") from exc


def iter_shard(path: Path) -> Iterator[Record]:
    """The records of one JSONL shard; blank lines are skipped, anything else that fails is an error."""
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.strip():
                yield _parse(path, lineno, line)


def iter_run_records(run_dirs: Iterable[Path]) -> Iterator[Record]:
    """Every record of the given runs, run by run, shard by shard, line by line."""
    for run_dir in run_dirs:
        paths = shard_paths(Path(run_dir))
        if not paths:
            log.warning("%s: run has no record shards", run_dir)
        for path in paths:
            yield from iter_shard(path)
