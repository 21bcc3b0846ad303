"""Reading benchmark files as published: JSONL, JSON, headerless or headed CSV, and directories of them."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any


class BenchmarkFileError(ValueError):
    """A benchmark file is missing or malformed; the message names the file (and line)."""


def benchmark_files(path: Path, suffixes: Sequence[str]) -> list[Path]:
    """``path`` itself, or the files under a directory ``path`` with one of ``suffixes``, sorted."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in suffixes)
        if not found:
            raise BenchmarkFileError(f"{path}: no {'/'.join(suffixes)} files inside")
        return found
    raise BenchmarkFileError(f"{path}: benchmark file not found")


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-empty line of a JSONL file."""
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BenchmarkFileError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from exc
            if not isinstance(row, dict):
                raise BenchmarkFileError(f"{path}:{lineno}: expected an object, got {type(row).__name__}")
            yield lineno, row


def read_json(path: Path) -> Any:
    """The parsed content of a JSON file."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BenchmarkFileError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of a ``.jsonl`` file, or of a ``.json`` file holding a list of objects."""
    if Path(path).suffix == ".jsonl":
        yield from read_jsonl(path)
        return
    doc = read_json(path)
    if not isinstance(doc, list):
        raise BenchmarkFileError(f"{path}: expected a JSON list of objects")
    for i, row in enumerate(doc, start=1):
        if not isinstance(row, dict):
            raise BenchmarkFileError(f"{path}: item {i} is not an object")
        yield i, row


def read_csv(path: Path) -> Iterator[tuple[int, list[str]]]:
    """``(line number, cells)`` for each row of a CSV file (no header handling)."""
    with open(path, encoding="utf-8", newline="") as fh:
        for lineno, cells in enumerate(csv.reader(fh), start=1):
            if cells:
                yield lineno, cells


def require(row: dict[str, Any], keys: Sequence[str], where: str) -> None:
    """Raise :class:`BenchmarkFileError` naming ``where`` unless ``row`` has every key."""
    missing = [k for k in keys if k not in row]
    if missing:
        raise BenchmarkFileError(f"{where}: missing field(s) {', '.join(missing)}")
