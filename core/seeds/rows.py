"""Record-shaped seed sources: JSONL files, JSON arrays of records, and Hugging Face datasets saved to disk.

Each record's text comes from ``SeedConfig.text_field``. Its id is ``<file>#L<line>`` (JSONL) or
``<file>#<index>`` (JSON array, dataset row), or ``<file>#<value>`` when ``SeedConfig.id_field`` is set;
a repeated id value within one file is rejected (``duplicate_id``) so that ids stay unique.

JSON is parsed strictly (``strict_json``): ``NaN``, ``Infinity`` and a key repeated in one object are
``parse`` rejects, not values. A UTF-8 byte order mark before the first line of a JSONL file is dropped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from core.seeds.content import binary_reason, check_string
from core.seeds.models import RawSeed, SeedConfig, SeedKind, SeedReject

logger = logging.getLogger(__name__)

_SNIFF_BYTES = 8192
_HF_BATCH = 1000


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        repeated = next(key for key in keys if keys.count(key) > 1)
        raise ValueError(f"key {repeated!r} appears twice in one object")
    return dict(pairs)


def strict_json(text: str) -> Any:
    """``json.loads`` as the JSON standard reads it: ``ValueError`` on ``NaN``/``Infinity`` and repeated keys."""
    return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique_keys)


class RecordIds:
    """Builds record ids for one file and remembers id-field values already seen in it."""

    def __init__(self, rel: str, config: SeedConfig) -> None:
        self.rel = rel
        self.field = config.id_field
        self.seen: dict[str, str] = {}

    def make(self, record: dict[str, Any], default: str, where: str) -> str | SeedReject:
        if self.field is None:
            return f"{self.rel}#{default}"
        value = record.get(self.field)
        if value is None or value == "":
            return SeedReject(source=where, reason="missing_field", detail=f"no id field {self.field!r}")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            return SeedReject(
                source=where,
                reason="missing_field",
                detail=f"id field {self.field!r} is {type(value).__name__}, expected a string or integer",
            )
        key = str(value)
        if key in self.seen:
            return SeedReject(
                source=where, reason="duplicate_id", detail=f"id {key!r} already used at {self.seen[key]}"
            )
        self.seen[key] = where
        return f"{self.rel}#{key}"


def record_to_raw(
    record: Any, ids: RecordIds, default_id: str, where: str, config: SeedConfig
) -> RawSeed | SeedReject:
    """One record (a parsed JSON value or a dataset row) as a text seed, or why it cannot be one."""
    if not isinstance(record, dict):
        return SeedReject(
            source=where, reason="parse", detail=f"expected a JSON object, got {type(record).__name__}"
        )
    field = config.text_field
    text = record.get(field)
    if text is None:
        return SeedReject(source=where, reason="missing_field", detail=f"no text field {field!r}")
    if not isinstance(text, str):
        return SeedReject(
            source=where,
            reason="missing_field",
            detail=f"text field {field!r} is {type(text).__name__}, expected a string",
        )
    checked = check_string(text, where)
    if isinstance(checked, SeedReject):
        return checked
    seed_id = ids.make(record, default_id, where)
    if isinstance(seed_id, SeedReject):
        return seed_id
    return RawSeed(id=seed_id, source=ids.rel, where=where, text=checked, kind=SeedKind.TEXT)


def read_records(records: Iterable[Any], rel: str, config: SeedConfig) -> Iterator[RawSeed | SeedReject]:
    """Seeds from an in-memory sequence of records (a JSON array); ids ``<rel>#<index>``."""
    ids = RecordIds(rel, config)
    for index, record in enumerate(records):
        yield record_to_raw(record, ids, str(index), f"{rel}#{index}", config)


def read_jsonl(path: Path, rel: str, config: SeedConfig) -> Iterator[RawSeed | SeedReject]:
    """Stream a JSONL file line by line; no line longer than ``max_file_bytes`` is ever held in memory."""
    limit = config.max_file_bytes
    ids = RecordIds(rel, config)
    line_no = 0
    try:
        with open(path, "rb") as handle:
            problem = binary_reason(handle.read(_SNIFF_BYTES))
            if problem is not None:
                yield SeedReject(source=rel, reason="binary", detail=problem)
                return
            handle.seek(0)
            while line := handle.readline(limit + 1):
                line_no += 1
                where = f"{rel}:{line_no}"
                if len(line) > limit and not line.endswith(b"\n"):
                    while line and not line.endswith(b"\n"):  # skip the rest of the line, bounded reads
                        line = handle.readline(1 << 20)
                    yield SeedReject(
                        source=where, reason="too_large", detail=f"line over max_file_bytes={limit:,} bytes"
                    )
                    continue
                if not line.strip():
                    logger.debug("%s: blank line", where)
                    continue
                yield _parse_line(line, ids, line_no, where, config)
    except OSError as exc:
        where = f"{rel}:{line_no}" if line_no else rel
        yield SeedReject(source=where, reason="unreadable", detail=f"{type(exc).__name__}: {exc}")


def _parse_line(
    line: bytes, ids: RecordIds, line_no: int, where: str, config: SeedConfig
) -> RawSeed | SeedReject:
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return SeedReject(
            source=where, reason="decode", detail=f"invalid UTF-8 at byte {exc.start}: {exc.reason}"
        )
    if line_no == 1:
        decoded = decoded.removeprefix("\ufeff")  # a UTF-8 byte order mark (editors on Windows write one)
    try:
        record = strict_json(decoded)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, over-long integers, deep nesting
        return SeedReject(source=where, reason="parse", detail=f"invalid JSON: {type(exc).__name__}: {exc}")
    return record_to_raw(record, ids, f"L{line_no}", where, config)


def read_hf_dataset(path: Path, rel: str, config: SeedConfig) -> Iterator[RawSeed | SeedReject]:
    """Rows of a ``datasets.Dataset`` saved with ``save_to_disk``, read in batches (memory-mapped)."""
    import datasets  # lazy: heavy import, only needed when a saved dataset is found

    try:
        dataset = datasets.load_from_disk(str(path))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        yield SeedReject(
            source=rel, reason="unreadable", detail=f"load_from_disk failed: {type(exc).__name__}: {exc}"
        )
        return
    if not isinstance(dataset, datasets.Dataset):
        yield SeedReject(
            source=rel, reason="parse", detail=f"expected a saved Dataset, got {type(dataset).__name__}"
        )
        return
    columns = [config.text_field] + ([config.id_field] if config.id_field else [])
    missing = [c for c in columns if c not in dataset.column_names]
    if missing:
        yield SeedReject(
            source=rel,
            reason="missing_field",
            detail=f"dataset has no column {missing[0]!r} (columns: {', '.join(dataset.column_names)})",
        )
        return
    feature = dataset.features[config.text_field]
    if not (isinstance(feature, datasets.Value) and feature.dtype in ("string", "large_string")):
        yield SeedReject(
            source=rel,
            reason="missing_field",
            detail=f"column {config.text_field!r} holds {feature}, not strings",
        )
        return
    ids = RecordIds(rel, config)
    index = 0
    try:
        for batch in dataset.select_columns(list(dict.fromkeys(columns))).iter(batch_size=_HF_BATCH):
            for row in zip(*(batch[c] for c in columns), strict=False):
                record = dict(zip(columns, row, strict=False))
                yield record_to_raw(record, ids, str(index), f"{rel}#{index}", config)
                index += 1
    except (OSError, ValueError) as exc:  # a damaged Arrow file: report where reading stopped
        yield SeedReject(
            source=f"{rel}#{index}",
            reason="unreadable",
            detail=f"reading stopped: {type(exc).__name__}: {exc}",
        )
