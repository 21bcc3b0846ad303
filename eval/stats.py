"""Bootstrap statistics over prompts: a mean, a ratio of sums (Orca-Bench), a paired difference, categories.

Every bootstrap draws one ``(B, n)`` matrix of item indices from a seeded ``numpy`` Generator and
resamples whole items (all of an item's numbers move together); intervals are the 2.5th and 97.5th
percentiles of the ``B`` resampled statistics (for the default ``alpha=0.05``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

DEFAULT_BOOTSTRAP = 1000


class Interval(BaseModel):
    """A point estimate with its bootstrap percentile interval."""

    model_config = ConfigDict(extra="forbid")

    estimate: float
    low: float
    high: float
    n: int
    """Items the estimate rests on."""
    n_boot: int


class PairedDifference(BaseModel):
    """A paired comparison of two systems on the same items: ``a - b``."""

    model_config = ConfigDict(extra="forbid")

    difference: Interval
    p_value: float
    """Two-sided bootstrap share: ``2 * min(P(d* <= 0), P(d* >= 0))``, capped at 1."""


def resample_indices(n: int, n_boot: int, seed: int) -> np.ndarray:
    """A ``(n_boot, n)`` matrix of item indices drawn with replacement."""
    if n < 1:
        raise ValueError("bootstrap needs at least one item")
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1")
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n))


def _bounds(stats: np.ndarray, alpha: float) -> tuple[float, float]:
    finite = stats[np.isfinite(stats)]
    if finite.size == 0:
        return float("nan"), float("nan")
    low, high = np.percentile(finite, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(low), float(high)


def _array(values: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    return arr


def bootstrap_mean(
    values: Sequence[float] | np.ndarray, *, n_boot: int = DEFAULT_BOOTSTRAP, seed: int = 0, alpha: float = 0.05
) -> Interval:
    """The mean of ``values`` with a percentile bootstrap interval."""
    x = _array(values, "values")
    stats = x[resample_indices(len(x), n_boot, seed)].mean(axis=1)
    low, high = _bounds(stats, alpha)
    return Interval(estimate=float(x.mean()), low=low, high=high, n=len(x), n_boot=n_boot)


def bootstrap_ratio(
    numerator: Sequence[float] | np.ndarray,
    denominator: Sequence[float] | np.ndarray,
    *,
    scale: float = 10.0,
    n_boot: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
    alpha: float = 0.05,
) -> Interval:
    """``scale * sum(numerator) / sum(denominator)`` with a bootstrap interval resampling item indices
    (each item's numerator and denominator together). Resamples whose denominator sums to 0 are dropped."""
    num, den = _array(numerator, "numerator"), _array(denominator, "denominator")
    if num.shape != den.shape:
        raise ValueError("numerator and denominator must have the same length")
    if den.sum() == 0:
        raise ValueError("the denominator sums to 0")
    idx = resample_indices(len(num), n_boot, seed)
    den_sums = den[idx].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        stats = np.where(den_sums != 0, scale * num[idx].sum(axis=1) / den_sums, np.nan)
    low, high = _bounds(stats, alpha)
    return Interval(estimate=float(scale * num.sum() / den.sum()), low=low, high=high, n=len(num),
                    n_boot=n_boot)


def _paired(stats: np.ndarray, estimate: float, n: int, n_boot: int, alpha: float) -> PairedDifference:
    low, high = _bounds(stats, alpha)
    finite = stats[np.isfinite(stats)]
    share = min(float(np.mean(finite <= 0)), float(np.mean(finite >= 0))) if finite.size else 1.0
    return PairedDifference(
        difference=Interval(estimate=estimate, low=low, high=high, n=n, n_boot=n_boot),
        p_value=min(1.0, 2 * share),
    )


def paired_bootstrap(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    n_boot: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
    alpha: float = 0.05,
) -> PairedDifference:
    """Mean of ``a - b`` over the same items, resampling items (both systems' scores together)."""
    x, y = _array(a, "a"), _array(b, "b")
    if x.shape != y.shape:
        raise ValueError("a and b must score the same items")
    d = x - y
    stats = d[resample_indices(len(d), n_boot, seed)].mean(axis=1)
    return _paired(stats, float(d.mean()), len(d), n_boot, alpha)


def paired_ratio_bootstrap(
    num_a: Sequence[float] | np.ndarray,
    den_a: Sequence[float] | np.ndarray,
    num_b: Sequence[float] | np.ndarray,
    den_b: Sequence[float] | np.ndarray,
    *,
    scale: float = 10.0,
    n_boot: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
    alpha: float = 0.05,
) -> PairedDifference:
    """Difference of two ratio-of-sums scores (e.g. two checkpoints' Orca-Bench scores) on the same items."""
    arrays = [_array(v, n) for v, n in ((num_a, "num_a"), (den_a, "den_a"), (num_b, "num_b"), (den_b, "den_b"))]
    if len({a.shape for a in arrays}) != 1:
        raise ValueError("all four arrays must score the same items")
    na, da, nb, db = arrays
    idx = resample_indices(len(na), n_boot, seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        stats = scale * (na[idx].sum(axis=1) / da[idx].sum(axis=1) - nb[idx].sum(axis=1) / db[idx].sum(axis=1))
    estimate = float(scale * (na.sum() / da.sum() - nb.sum() / db.sum()))
    return _paired(stats, estimate, len(na), n_boot, alpha)


def group_indices(categories: Sequence[str]) -> dict[str, np.ndarray]:
    """Item indices per category, categories sorted."""
    cats = np.asarray(categories, dtype=object)
    return {c: np.flatnonzero(cats == c) for c in sorted(set(categories))}


def per_category_mean(
    values: Sequence[float] | np.ndarray,
    categories: Sequence[str],
    *,
    n_boot: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
    alpha: float = 0.05,
) -> dict[str, Interval]:
    """:func:`bootstrap_mean` within each category."""
    x = _array(values, "values")
    if len(x) != len(categories):
        raise ValueError("values and categories must have the same length")
    return {c: bootstrap_mean(x[i], n_boot=n_boot, seed=seed, alpha=alpha)
            for c, i in group_indices(categories).items()}


def per_category_ratio(
    numerator: Sequence[float] | np.ndarray,
    denominator: Sequence[float] | np.ndarray,
    categories: Sequence[str],
    *,
    scale: float = 10.0,
    n_boot: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
    alpha: float = 0.05,
) -> dict[str, Interval]:
    """:func:`bootstrap_ratio` within each category (categories whose denominator sums to 0 are left out)."""
    num, den = _array(numerator, "numerator"), _array(denominator, "denominator")
    out = {}
    for c, i in group_indices(categories).items():
        if den[i].sum() != 0:
            out[c] = bootstrap_ratio(num[i], den[i], scale=scale, n_boot=n_boot, seed=seed, alpha=alpha)
    return out
