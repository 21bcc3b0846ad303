"""Evaluation sets held as local files: which files, and the texts inside them.

Files are ``.jsonl`` (one JSON item per line), ``.json`` (a list of items, or an object holding one under
``data``/``items``/``examples``, or a single item) or ``.txt`` (the whole file is one text). From a JSON
item the values of ``text_fields`` are taken: strings, lists of strings, and chat messages (a list of
``{role, content}`` or such a list encoded as a JSON string, as in orca-agentinstruct).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

EVAL_SUFFIXES = (".jsonl", ".json", ".txt")
_CONTAINER_KEYS = ("data", "items", "examples")


class EvalSetError(ValueError):
    """An evaluation file cannot be read; the message names the file (and line)."""


def eval_files(paths: Sequence[Path]) -> list[tuple[str, Path]]:
    """``(source name, file)`` for each evaluation file; a directory contributes its files recursively.

    The source name is the file's path relative to the directory given (without suffix), or its stem.
    """
    found: list[tuple[str, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in EVAL_SUFFIXES):
                found.append((f.relative_to(path).with_suffix("").as_posix(), f))
        elif path.is_file():
            if path.suffix not in EVAL_SUFFIXES:
                raise EvalSetError(f"{path}: unsupported evaluation file type "
                                   f"(use {', '.join(EVAL_SUFFIXES)})")
            found.append((path.stem, path))
        else:
            raise EvalSetError(f"{path}: evaluation set not found")
    return found


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            try:
                decoded = json.loads(stripped)
            except json.JSONDecodeError:
                decoded = None
            if isinstance(decoded, list):
                yield from _strings(decoded)
                return
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict) and isinstance(value.get("content"), str):
        yield value["content"]


def item_texts(item: object, text_fields: Sequence[str]) -> list[str]:
    """The texts of one evaluation item: a string item is itself, an object gives its ``text_fields``."""
    if isinstance(item, str):
        return [item]
    if not isinstance(item, dict):
        return []
    return [s for field in text_fields if field in item for s in _strings(item[field]) if s.strip()]


def _json_items(path: Path) -> list[object]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise EvalSetError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    if isinstance(doc, dict):
        for key in _CONTAINER_KEYS:
            if isinstance(doc.get(key), list):
                return doc[key]
        return [doc]
    if isinstance(doc, list):
        return doc
    raise EvalSetError(f"{path}: expected a JSON list or object, got {type(doc).__name__}")


def iter_eval_texts(path: Path, text_fields: Sequence[str]) -> Iterator[str]:
    """Every text of one evaluation file."""
    if path.suffix == ".txt":
        yield path.read_text(encoding="utf-8")
        return
    if path.suffix == ".json":
        for item in _json_items(path):
            yield from item_texts(item, text_fields)
        return
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalSetError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from exc
            yield from item_texts(item, text_fields)
