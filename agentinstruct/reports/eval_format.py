"""How the evaluation report writes its figures: intervals by scale, student tags, link targets."""

from __future__ import annotations

from agentinstruct.html import Element, colour, el
from eval.stats import Interval


def anchor(*parts: str) -> str:
    """An id usable as a link target."""
    return "-".join("".join(c if c.isalnum() else "_" for c in p) for p in parts)


def percent(scale: str) -> float:
    """Display factor of a scale: unit scores as percentages, ratings as they are."""
    return 100.0 if scale == "unit" else 1.0


def fmt_interval(iv: Interval | None, scale: str) -> Element | str:
    """``61.2 [55.0, 67.1]``."""
    if iv is None:
        return "n/a"
    f, d = percent(scale), 1 if scale == "unit" else 2
    bounds = el("span", f"[{iv.low * f:.{d}f}, {iv.high * f:.{d}f}]", class_="ci")
    return el("span", f"{iv.estimate * f:.{d}f} ", bounds)


def student_tag(name: str, index: int) -> Element:
    """A student's name with its series colour."""
    return el("span", el("span", "\u25a0 ", style=f"color:{colour(index)}"), name)
