"""Structured seed files: ``.json`` (API descriptions, tables, or arrays of text records) and CSV/TSV tables.

A JSON document is an ``api`` seed if it is an OpenAPI/Swagger document, a JSON Schema, or function/tool
definitions (OpenAI ``{"type": "function", "function": ...}``, ``{"name", "parameters"}``, Anthropic
``input_schema``, or lists / ``{"functions"|"tools": [...]}`` of them). It is a ``table`` if it is an array
of flat objects, an array of arrays of scalars, or ``{"columns": [...], "data"|"rows": [...]}``. An array
of objects that all carry the text field is read as text records instead (like JSONL). Any other shape is
rejected (``parse``): the loader will not guess what a JSON document means. The seed text of an api or table
seed is the file as written.

CSV/TSV files are parsed with the :mod:`csv` module to check them; their first record is kept as a header that
the loader repeats at the top of every chunk. Cells over :func:`csv.field_size_limit` are ``parse``
rejects. (A quoted cell spanning lines may still be split between chunks.)

Every table is checked row by row (``table_problem``): a row with another number of cells than the header
(or, in a JSON table, other keys than the first row) is a ``parse`` reject naming the row, and a table with
a header and no rows is ``empty``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from core.seeds.models import RawSeed, SeedConfig, SeedKind, SeedReject
from core.seeds.rows import read_records, strict_json

_SCALARS = (str, int, float, bool, type(None))


def _is_function(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    if value.get("type") == "function" and isinstance(value.get("function"), dict):
        return True
    return isinstance(value.get("name"), str) and any(
        isinstance(value.get(k), dict) for k in ("parameters", "input_schema", "arguments")
    )


def _is_function_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_is_function(v) for v in value)


def json_kind(document: Any, text_field: str) -> SeedKind | str | None:
    """``SeedKind.API`` / ``SeedKind.TABLE``, ``"records"`` for an array of text records, or ``None``."""
    if isinstance(document, dict):
        if "openapi" in document or "swagger" in document or "$schema" in document:
            return SeedKind.API
        if document.get("type") == "object" and isinstance(document.get("properties"), dict):
            return SeedKind.API
        if _is_function(document) or any(_is_function_list(document.get(k)) for k in ("functions", "tools")):
            return SeedKind.API
        if isinstance(document.get("columns"), list) and any(
            isinstance(document.get(k), list) for k in ("data", "rows")
        ):
            return SeedKind.TABLE
        return None
    if not isinstance(document, list) or not document:
        return None
    if _is_function_list(document):
        return SeedKind.API
    if all(isinstance(row, dict) and isinstance(row.get(text_field), str) for row in document):
        return "records"
    if all(isinstance(row, dict) and all(isinstance(v, _SCALARS) for v in row.values()) for row in document):
        return SeedKind.TABLE
    if all(isinstance(row, list) and all(isinstance(v, _SCALARS) for v in row) for row in document):
        return SeedKind.TABLE
    return None


def read_json(text: str, rel: str, config: SeedConfig) -> Iterator[RawSeed | SeedReject]:
    """Seeds from the text of one ``.json`` file."""
    try:
        document = strict_json(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, over-long integers, deep nesting, NaN
        yield SeedReject(source=rel, reason="parse", detail=f"invalid JSON: {type(exc).__name__}: {exc}")
        return
    kind = json_kind(document, config.text_field)
    if kind == "records":
        yield from read_records(document, rel, config)
    elif isinstance(kind, SeedKind):
        problem = json_table_problem(document, rel) if kind is SeedKind.TABLE else None
        if problem is not None:
            yield problem
            return
        yield RawSeed(id=rel, source=rel, where=rel, text=text, kind=kind, language="json")
    else:
        yield SeedReject(
            source=rel,
            reason="parse",
            detail=(
                "JSON is not an API description (OpenAPI, JSON Schema, function definitions), a table "
                f"(array of flat objects or rows) or an array of records with a {config.text_field!r} field"
            ),
        )


def table_problem(rows: list[list[Any]], rel: str, what: str = "row") -> SeedReject | None:
    """Per-row checks of a table (header first): the same number of cells in every row, at least one row."""
    if not rows:
        return SeedReject(source=rel, reason="empty", detail="a table with no rows")
    width = len(rows[0])
    for number, row in enumerate(rows[1:], start=1):
        if len(row) != width:
            return SeedReject(source=rel, reason="parse",
                              detail=f"{what} {number} has {len(row)} cells; the header has {width}")
    if len(rows) < 2:
        return SeedReject(source=rel, reason="empty", detail="a table with a header and no rows")
    return None


def json_table_problem(document: Any, rel: str) -> SeedReject | None:
    """Per-row checks of a JSON table: rows of one width, objects with the keys of the first row."""
    rows = document.get("data", document.get("rows")) if isinstance(document, dict) else document
    if isinstance(document, dict):
        rows = [document["columns"], *rows]
    if rows and all(isinstance(row, dict) for row in rows):
        keys = list(rows[0])
        for number, row in enumerate(rows[1:], start=2):
            if set(row) != set(keys):
                return SeedReject(source=rel, reason="parse",
                                  detail=f"row {number} has keys {sorted(row)[:8]}; row 1 has {sorted(keys)[:8]}")
        return None
    if not all(isinstance(row, list) for row in rows):
        return SeedReject(source=rel, reason="parse", detail="a table mixes row shapes (objects and lists)")
    return table_problem(rows, rel) if isinstance(document, dict) or len(rows) > 1 else None


def read_table(text: str, rel: str, delimiter: str) -> RawSeed | SeedReject:
    """A CSV/TSV table seed (the text as written, with its header line noted), or a ``parse`` / ``empty`` reject."""
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    header_lines = 0
    rows: list[list[str]] = []
    try:
        for row in reader:
            if not header_lines:
                header_lines = reader.line_num
            if row:  # a blank line is no row
                rows.append(row)
    except csv.Error as exc:
        return SeedReject(source=rel, reason="parse", detail=f"CSV error near line {reader.line_num}: {exc}")
    problem = table_problem(rows, rel, "line")
    if problem is not None:
        return problem
    header = "".join(lines[:header_lines]) if header_lines else None
    if header is not None and not header.endswith("\n"):
        header = None  # a one-line table: nothing to repeat
    language = "tsv" if delimiter == "\t" else "csv"
    return RawSeed(
        id=rel, source=rel, where=rel, text=text, kind=SeedKind.TABLE, language=language, header=header
    )
