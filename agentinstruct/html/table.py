"""Tables: a header row and body rows of cells (text, numbers or elements), numbers right-aligned."""

from __future__ import annotations

from collections.abc import Sequence

from agentinstruct.html.nodes import Child, Element, el


def table(
    headers: Sequence[Child], rows: Sequence[Sequence[Child]], *, caption: str | None = None,
    numeric: Sequence[int] = (), id: str | None = None, class_: str = "data",
    row_ids: Sequence[str | None] | None = None,
) -> Element:
    """A ``<table>``; columns listed in ``numeric`` are right-aligned; ``row_ids`` anchors rows (links)."""
    right = set(numeric)
    head = el("thead", el("tr", [el("th", h, class_="num" if i in right else None) for i, h in enumerate(headers)]))
    body = []
    for r, row in enumerate(rows):
        if len(row) != len(headers):
            raise ValueError(f"row {r}: {len(row)} cells for {len(headers)} columns")
        body.append(el("tr", [el("td", c, class_="num" if i in right else None) for i, c in enumerate(row)],
                       id=row_ids[r] if row_ids else None))
    return el("table", el("caption", caption) if caption else None, head, el("tbody", body), id=id, class_=class_)


def definition_list(pairs: Sequence[tuple[Child, Child]]) -> Element:
    """A ``<dl>`` of term / description pairs (settings, provenance)."""
    return el("dl", [(el("dt", k), el("dd", v)) for k, v in pairs])
