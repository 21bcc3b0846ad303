"""Charts as inline SVG (no script, nothing fetched): a radar of per-skill scores and an interval plot.

Both return an :class:`~agentinstruct.html.nodes.Element` ``<svg>`` with a ``viewBox`` (it scales with the
page) and a ``<title>`` per mark, so a hover shows the exact figure. Series colours come from
:data:`PALETTE` in order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from agentinstruct.html.nodes import Element, el

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
"""Colours of the first eight series (then they repeat)."""


def colour(i: int) -> str:
    """The colour of series ``i``."""
    return PALETTE[i % len(PALETTE)]


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def _legend(names: Sequence[str], x: float, y: float) -> list[Element]:
    marks = []
    for i, name in enumerate(names):
        yy = y + 18 * i
        marks.append(el("rect", x=_fmt(x), y=_fmt(yy - 9), width=12, height=12, fill=colour(i)))
        marks.append(el("text", name, x=_fmt(x + 18), y=_fmt(yy + 2), font_size=12))
    return marks


def radar_chart(
    axes: Sequence[str], series: Mapping[str, Sequence[float | None]], *, max_value: float = 10.0,
    rings: int = 5, size: int = 460, title: str = "", outer_label: str | None = None,
) -> Element:
    """A radar (spider) chart: one spoke per axis, one closed polygon per series, 0 at the centre and
    ``max_value`` on the outer ring (Figure 4 of the paper: the teacher's 10). A missing value (``None``)
    is drawn at the centre and its point left out."""
    if len(axes) < 3:
        raise ValueError("a radar chart needs at least 3 axes")
    legend_w, pad = 190, 120  # pad: room left and right for the axis labels
    cx, cy, radius = pad + size / 2, size / 2 + (12 if title else 0), size / 2 - 70
    n = len(axes)

    def point(k: float, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * k / n
        r = radius * max(0.0, min(value, max_value)) / max_value
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    parts: list[Element] = []
    if title:
        parts.append(el("text", title, x=_fmt(cx), y=16, text_anchor="middle", font_size=14, font_weight="bold"))
    for ring in range(1, rings + 1):
        v = max_value * ring / rings
        pts = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in (point(k, v) for k in range(n)))
        parts.append(el("polygon", points=pts, fill="none", stroke="#ccc", stroke_width=1))
        x, y = point(0.5, v)  # between the first two spokes, clear of the axis labels
        parts.append(el("text", f"{v:g}", x=_fmt(x), y=_fmt(y), font_size=10, fill="#888"))
    for k, label in enumerate(axes):
        x, y = point(k, max_value)
        parts.append(el("line", x1=_fmt(cx), y1=_fmt(cy), x2=_fmt(x), y2=_fmt(y), stroke="#ddd"))
        lx, ly = point(k, max_value * 1.1)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        lines = _wrap(label.replace("_", " "))
        top = ly + 4 - 6 * (len(lines) - 1) if abs(ly - cy) < radius * 0.8 else (ly + 4 - 12 * (len(lines) - 1)
                                                                                  if ly < cy else ly + 4)
        parts.append(el("text", el("title", label), [el("tspan", line, x=_fmt(lx), y=_fmt(top + 12 * j))
                                                     for j, line in enumerate(lines)],
                        text_anchor=anchor, font_size=11))
    for i, (name, values) in enumerate(series.items()):
        if len(values) != n:
            raise ValueError(f"series {name!r}: {len(values)} values for {n} axes")
        pts = [point(k, v or 0.0) for k, v in enumerate(values)]
        parts.append(el("polygon", el("title", name), points=" ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in pts),
                        fill=colour(i), fill_opacity="0.12", stroke=colour(i), stroke_width=2))
        for k, ((x, y), v) in enumerate(zip(pts, values, strict=True)):
            if v is not None:
                parts.append(el("circle", el("title", f"{name} - {axes[k]}: {v:.2f}"), cx=_fmt(x), cy=_fmt(y),
                                r=3.5, fill=colour(i)))
    parts += _legend(list(series), 2 * pad + size + 10, 40)
    if outer_label:
        parts.append(el("text", outer_label, x=2 * pad + size + 10, y=40 + 18 * len(series) + 16, font_size=11,
                        fill="#666"))
    height, width = size + (12 if title else 0), 2 * pad + size + legend_w
    return el("svg", parts, xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {width} {height}",
              width=width, height=height, role="img", class_="chart")


def _wrap(label: str, width: int = 16) -> list[str]:
    """An axis label in lines of about ``width`` characters (words are not split)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [label]


def tick_label(value: float, span: float) -> str:
    """An axis tick as people write it: ``1410`` on an Elo axis, ``0.25`` on a unit one (no ``1.41e+03``)."""
    if abs(value) >= 1e6 or (value and abs(value) < 1e-4):
        return f"{value:.3g}"
    decimals = 0 if span >= 50 else 1 if span >= 5 else 2 if span >= 0.5 else 3
    return f"{value:,.{decimals}f}".replace(",", "")


def interval_chart(
    rows: Sequence[tuple[str, float, float, float, int]], *, low: float, high: float, width: int = 640,
    zero: float | None = None, title: str = "",
) -> Element:
    """Point estimates with their intervals, one row each: ``(label, estimate, low, high, series index)``,
    on a shared axis from ``low`` to ``high``; ``zero`` draws a reference line (e.g. no difference)."""
    label_w, row_h, top = 220, 22, 28 if title else 8
    plot_w = width - label_w - 20
    height = top + row_h * len(rows) + 30

    def x(v: float) -> float:
        v = max(low, min(high, v))
        return label_w + plot_w * (v - low) / ((high - low) or 1.0)

    parts: list[Element] = []
    if title:
        parts.append(el("text", title, x=_fmt(width / 2), y=16, text_anchor="middle", font_size=13, font_weight="bold"))
    axis_y = top + row_h * len(rows) + 4
    parts.append(el("line", x1=label_w, y1=_fmt(axis_y), x2=_fmt(label_w + plot_w), y2=_fmt(axis_y), stroke="#999"))
    for t in range(6):
        v = low + (high - low) * t / 5
        parts.append(el("line", x1=_fmt(x(v)), y1=top, x2=_fmt(x(v)), y2=_fmt(axis_y), stroke="#eee"))
        parts.append(el("text", tick_label(v, high - low), x=_fmt(x(v)), y=_fmt(axis_y + 16), text_anchor="middle",
                        font_size=10))
    if zero is not None and low <= zero <= high:
        parts.append(el("line", x1=_fmt(x(zero)), y1=top, x2=_fmt(x(zero)), y2=_fmt(axis_y), stroke="#555",
                        stroke_dasharray="4 3"))
    for r, (label, est, lo, hi, series) in enumerate(rows):
        y = top + row_h * r + row_h / 2
        tip = el("title", f"{label}: {est:.4g} [{lo:.4g}, {hi:.4g}]")
        parts.append(el("text", label, x=label_w - 8, y=_fmt(y + 4), text_anchor="end", font_size=11))
        parts.append(el("line", tip, x1=_fmt(x(lo)), y1=_fmt(y), x2=_fmt(x(hi)), y2=_fmt(y), stroke=colour(series),
                        stroke_width=2))
        parts.append(el("circle", tip, cx=_fmt(x(est)), cy=_fmt(y), r=4, fill=colour(series)))
    return el("svg", parts, xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {width} {height}", width=width,
              height=height, role="img", class_="chart")
