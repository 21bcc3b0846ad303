"""Inter-judge agreement: Krippendorff's alpha (missing ratings allowed) and Spearman's rank correlation."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations
from typing import Literal

Rating = float | None
Level = Literal["interval", "nominal", "ordinal"]


def _delta(level: Level, ranks: dict[float, float] | None):
    if level == "nominal":
        return lambda a, b: 0.0 if a == b else 1.0
    if level == "interval":
        return lambda a, b: (a - b) ** 2
    assert ranks is not None

    def ordinal(a: float, b: float) -> float:
        lo, hi = sorted((a, b))
        return (ranks[hi] - ranks[lo]) ** 2
    return ordinal


def krippendorff_alpha(ratings: Sequence[Sequence[Rating]], level: Level = "interval") -> float | None:
    """Krippendorff's alpha of a units x judges table (``None`` = judge gave no rating for that unit).

    Returns ``None`` when it is undefined: fewer than two pairable ratings, or no variation at all.
    """
    units = [[float(v) for v in unit if v is not None] for unit in ratings]
    units = [u for u in units if len(u) >= 2]
    values = [v for u in units for v in u]
    n = len(values)
    if n < 2:
        return None
    ranks = None
    if level == "ordinal":
        # Ordinal distance: squared span of cumulative frequencies between two values (midpoint convention).
        counts: dict[float, int] = {}
        for v in values:
            counts[v] = counts.get(v, 0) + 1
        ranks, below = {}, 0.0
        for v in sorted(counts):
            ranks[v] = below + counts[v] / 2
            below += counts[v]
    delta = _delta(level, ranks)
    observed = sum(
        sum(delta(a, b) for i, a in enumerate(u) for j, b in enumerate(u) if i != j) / (len(u) - 1)
        for u in units
    ) / n
    expected = sum(delta(a, b) for i, a in enumerate(values) for j, b in enumerate(values) if i != j)
    expected /= n * (n - 1)
    if expected == 0:
        return None
    return 1.0 - observed / expected


def _ranks(xs: Sequence[float]) -> list[float]:
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rho (ties get average ranks); ``None`` for fewer than 2 pairs or a constant side."""
    if len(xs) != len(ys):
        raise ValueError(f"spearman needs paired ratings, got {len(xs)} and {len(ys)}")
    if len(xs) < 2:
        return None
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=False))
    vx = math.sqrt(sum((a - mx) ** 2 for a in rx))
    vy = math.sqrt(sum((b - my) ** 2 for b in ry))
    if vx == 0 or vy == 0:
        return None
    return cov / (vx * vy)


def pairwise_spearman(ratings: Sequence[Sequence[Rating]], judges: Sequence[str]) -> dict[str, float | None]:
    """Spearman's rho for every pair of judges over the units both rated, keyed ``"a|b"``."""
    out = {}
    for (i, a), (j, b) in combinations(enumerate(judges), 2):
        pairs = [(u[i], u[j]) for u in ratings if u[i] is not None and u[j] is not None]
        out[f"{a}|{b}"] = spearman([p[0] for p in pairs], [p[1] for p in pairs])
    return out


def mean_defined(values) -> float | None:
    """The mean of the values that are not ``None`` (``None`` if there are none)."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None
