"""Bradley-Terry ratings by maximum likelihood, on the Elo scale.

P(i beats j) = sigmoid(b_i - b_j). The loss is the weighted logistic loss of the battles, ties as soft
labels (y = 0.5), divided by the total weight, plus ``l2 / 2 * |b|^2``. Rows sharing a pair (i, j) are
summed first (``W`` = their weight, ``S`` = their weighted results): the loss of a pair,
``W * softplus(d) - S * d``, is the sum of its rows' losses, so this is the loss over unique (i, j, y)
rows. Fitted with L-BFGS-B and the analytic gradient from b = 0. The tiny L2 makes the solution unique
(it centres b on zero) and keeps a model that wins or loses everything finite (large, but finite).

Elo scale: ``R = 400 * b / ln 10 + 1000``, shifted so that ``anchor`` has ``anchor_rating``. Comparisons
that split the models into disconnected groups raise :class:`DisconnectedComparisons`; with
``allow_disconnected`` each group is centred on its own and ratings across groups mean nothing.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.optimize import minimize
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.special import expit

from eval.arena.battles import BTRows

log = logging.getLogger(__name__)

ELO_SCALE = 400.0 / math.log(10.0)


class DisconnectedComparisons(ValueError):
    """The battles do not connect every model to every other one: no common scale exists."""


class BTConfig(BaseModel):
    """Bradley-Terry fit settings: L2 on b (relative to the mean loss), the anchor and its rating."""

    model_config = ConfigDict(extra="forbid")

    l2: float = Field(1e-6, ge=0.0)
    anchor: str | None = None
    anchor_rating: float = 1000.0
    gtol: float = Field(1e-9, gt=0.0)
    max_iter: int = Field(2000, ge=1)
    allow_disconnected: bool = False


@dataclass(frozen=True)
class PairTable:
    """Battles summed per unique pair (``pi < pj``): total weight ``W`` and weighted result ``S`` of pi."""

    n_models: int
    pi: np.ndarray
    pj: np.ndarray
    W: np.ndarray
    S: np.ndarray


def pair_table(rows: BTRows) -> PairTable:
    """Sum the rows of every pair of models."""
    m = len(rows.models)
    key = rows.i * m + rows.j
    keys, inverse = np.unique(key, return_inverse=True)
    W = np.bincount(inverse, rows.w, len(keys))
    S = np.bincount(inverse, rows.w * rows.y, len(keys))
    return PairTable(m, keys // m, keys % m, W, S)


def groups(table: PairTable) -> list[list[int]]:
    """Models connected by battles of positive weight, as lists of model indices."""
    keep = table.W > 0
    graph = coo_matrix((np.ones(keep.sum()), (table.pi[keep], table.pj[keep])), shape=(table.n_models,) * 2)
    n, labels = connected_components(graph, directed=False)
    return [np.flatnonzero(labels == c).tolist() for c in range(n)]


def incidence(table: PairTable) -> np.ndarray:
    """The pairs x models matrix E with ``E @ b = b[pi] - b[pj]``."""
    E = np.zeros((len(table.pi), table.n_models))
    rows = np.arange(len(table.pi))
    E[rows, table.pi] = 1.0
    E[rows, table.pj] = -1.0
    return E


def _loss_and_grad(flat, E, W, S, total, l2):
    b = flat.reshape(W.shape[0], E.shape[1])
    d = b @ E.T
    loss = ((W * np.logaddexp(0.0, d) - S * d).sum(axis=1) / total).sum() + 0.5 * l2 * (flat @ flat)
    g = (W * expit(d) - S) / total[:, None]
    return loss, (g @ E).ravel() + l2 * flat


def fit_pairs(table: PairTable, W: np.ndarray | None = None, S: np.ndarray | None = None, *,
              l2: float = 1e-6, x0: np.ndarray | None = None, gtol: float = 1e-9,
              max_iter: int = 2000) -> tuple[np.ndarray, bool]:
    """Minimise the Bradley-Terry loss of ``table``, or of reweighted ``W``, ``S`` over its pairs, from ``x0``
    (default b = 0); returns b (natural-log strengths) and whether L-BFGS-B converged.

    ``W`` and ``S`` may be ``replicates x pairs``: the replicates' losses are summed into one separable
    problem and solved by one L-BFGS-B run (b is then ``replicates x models``). The stopping rule bounds
    every gradient component by ``gtol``, so each replicate is solved as tightly as a lone fit would be.
    """
    W = table.W if W is None else np.asarray(W, dtype=float)
    S = table.S if S is None else np.asarray(S, dtype=float)
    batch = W.ndim == 2
    W2, S2 = np.atleast_2d(W), np.atleast_2d(S)
    total = W2.sum(axis=1)
    if np.any(total <= 0):
        raise ValueError("no battle has positive weight")
    shape = (W2.shape[0], table.n_models)
    x = np.zeros(shape) if x0 is None else np.broadcast_to(np.asarray(x0, dtype=float), shape)
    res = minimize(_loss_and_grad, x.ravel(), args=(incidence(table), W2, S2, total, l2), jac=True,
                   method="L-BFGS-B", options={"gtol": gtol, "ftol": 1e-15, "maxiter": max_iter,
                                               "maxfun": 2 * max_iter})
    if not res.success:
        log.debug("L-BFGS-B stopped: %s", res.message)
    coef = res.x.reshape(shape)
    return (coef if batch else coef[0]), bool(res.success)


def to_elo(coef: np.ndarray, models: Sequence[str], anchor: str | None = None,
           anchor_rating: float = 1000.0) -> np.ndarray:
    """Natural-log strengths (any leading shape, models on the last axis) on the Elo scale, anchored."""
    elo = ELO_SCALE * np.asarray(coef) + 1000.0
    if anchor is not None:
        if anchor not in models:
            raise ValueError(f"anchor {anchor!r} is not among the rated models")
        k = list(models).index(anchor)
        elo = elo + (anchor_rating - elo[..., k:k + 1])
    return elo


def win_rate_vs(ratings: Mapping[str, float], anchor: str) -> dict[str, float]:
    """Expected win rate of every model against ``anchor``: ``1 / (1 + 10^((R_anchor - R_m) / 400))``."""
    r0 = ratings[anchor]
    return {m: 1.0 / (1.0 + 10.0 ** ((r0 - r) / 400.0)) for m, r in ratings.items()}


@dataclass(frozen=True)
class BTFit:
    """A Bradley-Terry fit: strengths ``coef`` (natural log, centred) and ``elo`` (anchored), per model."""

    models: tuple[str, ...]
    coef: np.ndarray
    elo: np.ndarray
    anchor: str | None
    anchor_rating: float
    converged: bool
    n_battles: float

    @property
    def ratings(self) -> dict[str, float]:
        """Elo rating per model."""
        return dict(zip(self.models, self.elo.tolist(), strict=True))

    def win_rates(self, anchor: str | None = None) -> dict[str, float]:
        """Expected win rate against ``anchor`` (default: the fit's anchor)."""
        anchor = anchor or self.anchor
        if anchor is None:
            raise ValueError("win rates need an anchor model")
        return win_rate_vs(self.ratings, anchor)


def check_connected(table: PairTable, models: Sequence[str]) -> None:
    """Raise :class:`DisconnectedComparisons` naming the groups when the battles leave more than one."""
    parts = groups(table)
    if len(parts) > 1:
        named = [[models[k] for k in part] for part in parts]
        raise DisconnectedComparisons(f"battles split the models into {len(parts)} groups: {named}")


def fit_bradley_terry(rows: BTRows, config: BTConfig | None = None) -> BTFit:
    """Fit Bradley-Terry to the rows and put the ratings on the anchored Elo scale."""
    config = config or BTConfig()
    if rows.n_battles <= 0:
        raise ValueError(f"no battle to fit ({rows.abstained} abstained)")
    table = pair_table(rows)
    if not config.allow_disconnected:
        check_connected(table, rows.models)
    coef, ok = fit_pairs(table, l2=config.l2, gtol=config.gtol, max_iter=config.max_iter)
    if not ok:
        log.warning("Bradley-Terry fit did not converge to gtol=%g", config.gtol)
    elo = to_elo(coef, rows.models, config.anchor, config.anchor_rating)
    return BTFit(rows.models, coef, elo, config.anchor, config.anchor_rating, ok, rows.n_battles)
