"""HTML as data: elements whose text and attribute values are escaped when rendered.

``el("td", value, class_="num")`` builds an element; children are strings (escaped), numbers, other
elements, ``None`` (left out) or lists of these. Nothing reaches the page unescaped except a :class:`Raw`
fragment, which only this package's own builders create (the stylesheet, numeric entities). SVG elements
are built the same way (``el("circle", cx=1, ...)``); an attribute name's ``_`` becomes ``-``
(``stroke_width``) and a trailing ``_`` is dropped (``class_``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9:-]*$")
VOID = frozenset({"br", "hr", "img", "input", "link", "meta", "col", "source", "wbr"})
"""HTML elements without a closing tag."""


@dataclass(frozen=True)
class Raw:
    """Markup passed through as it is: for the package's own trusted fragments only."""

    markup: str


@dataclass(frozen=True)
class Element:
    """One element: a tag, attributes (already rendered names) and children."""

    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    children: tuple[Child, ...] = field(default_factory=tuple)


Child = Element | Raw | str | int | float | None | Iterable["Child"]


def attr_name(name: str) -> str:
    """``class_`` -> ``class``, ``stroke_width`` -> ``stroke-width``, ``data_id`` -> ``data-id``."""
    return name.rstrip("_").replace("_", "-")


def el(tag: str, *children: Child, **attrs: object) -> Element:
    """An element; attributes whose value is ``None`` or ``False`` are left out, ``True`` renders bare."""
    rendered = tuple((attr_name(k), "" if v is True else str(v)) for k, v in attrs.items()
                     if v is not None and v is not False)
    bad = [n for n in (tag, *(k for k, _ in rendered)) if not _NAME.match(n)]
    if bad:
        raise ValueError(f"not a tag or attribute name: {bad[0]!r}")
    return Element(tag, rendered, tuple(children))


def escape(text: object) -> str:
    """Text made safe for element content and quoted attribute values."""
    return html.escape(str(text), quote=True)


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.6g}"


def render(node: Child) -> str:
    """The markup of a node tree."""
    parts: list[str] = []
    _render(node, parts)
    return "".join(parts)


def _render(node: Child, out: list[str]) -> None:
    if node is None:
        return
    if isinstance(node, Raw):
        out.append(node.markup)
    elif isinstance(node, str):
        out.append(escape(node))
    elif isinstance(node, bool):
        out.append(escape(str(node)))
    elif isinstance(node, int | float):
        out.append(escape(_number(node)))
    elif isinstance(node, Element):
        attrs = "".join(f' {escape(k)}="{escape(v)}"' if v != "" else f" {escape(k)}" for k, v in node.attrs)
        out.append(f"<{node.tag}{attrs}>")
        if node.tag in VOID:
            return
        for child in node.children:
            _render(child, out)
        out.append(f"</{node.tag}>")
    else:
        for child in node:  # any other iterable: its items in order
            _render(child, out)
