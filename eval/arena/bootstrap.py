"""Confidence intervals for Bradley-Terry ratings by resampling prompts.

A replicate draws how many times each prompt is taken (multinomial over prompts, or Poisson(1) each);
every row of a prompt (all its battles, games and judges) is weighted by that count, so a prompt's
battles always move together. The rows are summed per (prompt, pair) once; a replicate's pair totals
are then its draw counts times that table (a sparse product, the batched form of a ``np.bincount`` of
reweighted rows), and its fit starts from the full fit. Replicates are solved ``batch`` at a time as one
separable L-BFGS-B problem (see ``fit_pairs``). Each replicate is anchored before the percentiles are
taken, so an interval is that of the difference to the anchor (whose own interval is a point).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.sparse import csr_matrix

from eval.arena.battles import BTRows
from eval.arena.bradley_terry import (
    BTConfig,
    BTFit,
    PairTable,
    fit_bradley_terry,
    fit_pairs,
    groups,
    pair_table,
    to_elo,
)

log = logging.getLogger(__name__)


class BootstrapConfig(BaseModel):
    """Prompt-level bootstrap settings: rounds, seed, resampling scheme, interval level, the BT fit, and
    how many replicates one L-BFGS-B run solves together (``batch``; results do not depend on it beyond
    ``gtol``)."""

    model_config = ConfigDict(extra="forbid")

    rounds: int = Field(1000, ge=1)
    seed: int = 0
    scheme: Literal["multinomial", "poisson"] = "multinomial"
    level: float = Field(0.95, gt=0.0, lt=1.0)
    gtol: float = Field(1e-7, gt=0.0)
    batch: int = Field(100, ge=1)
    bt: BTConfig = Field(default_factory=BTConfig)


@dataclass(frozen=True)
class BootstrapResult:
    """The full fit, the anchored Elo rating of every replicate (``samples``: rounds x models) and, per
    model, the median and the interval bounds; ``n_disconnected`` counts replicates whose battles did not
    connect all models (kept; their ratings across groups rest on the L2 centring only)."""

    models: tuple[str, ...]
    fit: BTFit
    samples: np.ndarray
    median: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    n_disconnected: int

    @property
    def intervals(self) -> dict[str, tuple[float, float, float]]:
        """``(lower, median, upper)`` per model on the Elo scale."""
        return {m: (float(lo), float(md), float(hi))
                for m, lo, md, hi in zip(self.models, self.lower, self.median, self.upper, strict=True)}

    @property
    def separability(self) -> float:
        """Share of model pairs whose intervals do not overlap."""
        return separability(self.lower, self.upper)


def separability(lower: np.ndarray, upper: np.ndarray, atol: float = 1e-6) -> float:
    """Share of pairs (k, l) with disjoint intervals ``[lower, upper]``; ``nan`` for fewer than two models.

    Intervals that touch within ``atol`` Elo overlap: the anchor's interval is a point, and a model whose
    replicates often tie it exactly has a lower bound at the anchor's rating up to rounding."""
    pairs = list(combinations(range(len(lower)), 2))
    if not pairs:
        return float("nan")
    apart = sum(upper[k] < lower[m] - atol or upper[m] < lower[k] - atol for k, m in pairs)
    return apart / len(pairs)


def prompt_counts(n_prompts: int, rounds: int, rng: np.random.Generator,
                  scheme: Literal["multinomial", "poisson"] = "multinomial") -> np.ndarray:
    """How many times each prompt is drawn in each replicate: a ``rounds x n_prompts`` integer array."""
    if scheme == "multinomial":  # n_prompts draws with replacement per replicate, counted
        draws = rng.integers(0, n_prompts, size=(rounds, n_prompts))
        draws += np.arange(rounds)[:, None] * n_prompts
        return np.bincount(draws.ravel(), minlength=rounds * n_prompts).reshape(rounds, n_prompts)
    return rng.poisson(1.0, size=(rounds, n_prompts))


def replicate_weights(rows: BTRows, counts: np.ndarray) -> np.ndarray:
    """Row weights of one replicate: each row's weight times its prompt's draw count."""
    return rows.w * counts[rows.prompt]


def bootstrap_ratings(rows: BTRows, config: BootstrapConfig | None = None) -> BootstrapResult:
    """Fit the full data, then ``config.rounds`` prompt-resampled replicates (seeded), all anchored."""
    config = config or BootstrapConfig()
    fit = fit_bradley_terry(rows, config.bt)
    table = pair_table(rows)
    m = len(rows.models)
    pair_of_row = np.searchsorted(table.pi * m + table.pj, rows.i * m + rows.j)
    rng = np.random.default_rng(config.seed)
    counts = prompt_counts(len(rows.prompts), config.rounds, rng, config.scheme)
    coefs = np.empty((config.rounds, m))
    disconnected = not_converged = 0
    # per prompt and pair: summed weight and weighted result; a replicate's pair totals are counts @ these
    per_prompt_w = csr_matrix((rows.w, (rows.prompt, pair_of_row)), shape=(len(rows.prompts), len(table.W)))
    per_prompt_s = csr_matrix((rows.w * rows.y, (rows.prompt, pair_of_row)), shape=per_prompt_w.shape)
    for lo in range(0, config.rounds, config.batch):
        hi = min(lo + config.batch, config.rounds)
        W = np.asarray((per_prompt_w.T @ counts[lo:hi].T).T)
        S = np.asarray((per_prompt_s.T @ counts[lo:hi].T).T)
        for r in np.flatnonzero((W[:, table.W > 0] == 0).any(axis=1)):  # a pair lost all its battles
            disconnected += len(groups(PairTable(m, table.pi, table.pj, W[r], S[r]))) > 1
        coefs[lo:hi], ok = fit_pairs(table, W, S, l2=config.bt.l2, x0=fit.coef, gtol=config.gtol,
                                     max_iter=config.bt.max_iter)
        not_converged += not ok
    if disconnected:
        log.warning("%d of %d bootstrap replicates left the models disconnected", disconnected, config.rounds)
    if not_converged:
        log.warning("%d of %d batches of bootstrap fits did not converge", not_converged,
                    -(-config.rounds // config.batch))
    samples = to_elo(coefs, rows.models, config.bt.anchor, config.bt.anchor_rating)
    tail = 50.0 * (1.0 - config.level)
    lower, median, upper = np.percentile(samples, [tail, 50.0, 100.0 - tail], axis=0)
    return BootstrapResult(rows.models, fit, samples, median, lower, upper, config.level, disconnected)
