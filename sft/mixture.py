"""Weighted mixtures of several data sources."""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass
from pathlib import Path

from sft.config import DataSource
from sft.deps import require

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceStats:
    """How many rows one source had, kept after filtering, and contributes after weighting."""

    path: Path
    weight: float
    read: int
    kept: int
    used: int
    heldout: int = 0
    """Records refused because evaluation holds them out (counted in ``read``, not in ``kept``)."""


def weighted_indices(n: int, weight: float, rng: random.Random) -> list[int]:
    """Row indices of a source of ``n`` rows scaled by ``weight``: whole copies plus a seeded random share."""
    whole = math.floor(weight)
    extra = round((weight - whole) * n)
    return list(range(n)) * whole + sorted(rng.sample(range(n), extra))


def mix(parts: list[tuple[DataSource, int, object]], seed: int):
    """Concatenate ``(source, rows_read, filtered_dataset)`` parts by weight and shuffle with ``seed``."""
    datasets = require("datasets")
    rng = random.Random(seed)
    chosen, stats = [], []
    for src, read, ds in parts:
        idx = weighted_indices(len(ds), src.weight, rng)
        stats.append(SourceStats(Path(src.path), src.weight, read, len(ds), len(idx)))
        logger.info(
            "source %s: %d read, %d kept, %d used (weight %g)", src.path, read, len(ds), len(idx), src.weight
        )
        if idx:
            chosen.append(ds.select(idx))
    if not chosen:
        raise ValueError("every record was filtered out: check data.score_filter and the sources' scores")
    return datasets.concatenate_datasets(chosen).shuffle(seed=seed), stats
