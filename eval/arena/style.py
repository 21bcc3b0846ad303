"""Style control: ratings with the judge's taste for length and markdown taken out.

Contextual Bradley-Terry (FastChat, arena-hard v2): ``logit = (b_x - b_y) + g . z`` with, per feature,
``z = (x_x - x_y) / (x_x + x_y + 1)``, scaled to unit root mean square (not centred, so that swapping x and
y negates the logit); L2 ``l2_style`` (0.5, FastChat's) on g over the summed loss, the tiny BT L2 on b.
``b`` is the style-controlled rating, ``g`` the bias per unit of standardised feature.

Length-controlled win rate (AlpacaEval 2 without its difficulty term): per model against a baseline,
``logit = theta + phi * tanh(dlen / sd(dlen))`` fitted on soft labels; ``LC = sigmoid(theta)``, the win rate
the model would have at equal length.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.optimize import minimize
from scipy.special import expit

from eval.arena.battles import Battle, bt_rows
from eval.arena.bradley_terry import check_connected, pair_table, to_elo
from eval.arena.style_features import STYLE_FEATURES

log = logging.getLogger(__name__)


class StyleConfig(BaseModel):
    """Style-controlled fit settings: features, L2 on g (summed loss) and on b (mean loss), the anchor."""

    model_config = ConfigDict(extra="forbid")

    features: tuple[str, ...] = STYLE_FEATURES
    l2_style: float = Field(0.5, ge=0.0)
    l2: float = Field(1e-6, ge=0.0)
    anchor: str | None = None
    anchor_rating: float = 1000.0


@dataclass(frozen=True)
class StyleFit:
    """Style-controlled ratings and the style coefficients (``g``; features without variation are left out
    and listed in ``dropped``)."""

    models: tuple[str, ...]
    coef: np.ndarray
    elo: np.ndarray
    g: dict[str, float]
    dropped: tuple[str, ...]
    n_battles: int
    converged: bool

    @property
    def ratings(self) -> dict[str, float]:
        """Style-controlled Elo rating per model."""
        return dict(zip(self.models, self.elo.tolist(), strict=True))


def style_matrix(battles: Sequence[Battle], features: Sequence[str]) -> np.ndarray:
    """``z = (x_x - x_y) / (x_x + x_y + 1)`` per battle (rows) and feature (columns), unscaled."""
    shape = (len(battles), len(features))
    xs = np.array([[b.style_x.value(f) for f in features] for b in battles], dtype=float).reshape(shape)
    ys = np.array([[b.style_y.value(f) for f in features] for b in battles], dtype=float).reshape(shape)
    return (xs - ys) / (xs + ys + 1.0)


def _objective(params, m, ix, iy, z, y, l2_style, l2):
    b, g = params[:m], params[m:]
    n = len(y)
    logit = b[ix] - b[iy] + z @ g
    loss = (np.logaddexp(0.0, logit).sum() - y @ logit + 0.5 * l2_style * (g @ g)) / n + 0.5 * l2 * (b @ b)
    err = (expit(logit) - y) / n
    grad = np.concatenate([np.bincount(ix, err, m) - np.bincount(iy, err, m) + l2 * b,
                           z.T @ err + l2_style * g / n])
    return loss, grad


def fit_style_controlled(battles: Iterable[Battle], config: StyleConfig | None = None) -> StyleFit:
    """Fit contextual Bradley-Terry on the battles that voted and carry both answers' styles."""
    config = config or StyleConfig()
    usable = [b for b in battles if b.y is not None and b.style_x is not None and b.style_y is not None]
    if not usable:
        raise ValueError("no battle has a vote and both answers' styles")
    rows = bt_rows(usable)
    models = rows.models
    check_connected(pair_table(rows), models)
    index = {name: k for k, name in enumerate(models)}
    ix = np.array([index[b.model_x] for b in usable])
    iy = np.array([index[b.model_y] for b in usable])
    y = np.array([b.y for b in usable], dtype=float)
    z = style_matrix(usable, config.features)
    rms = np.sqrt((z ** 2).mean(axis=0))
    keep = rms > 0
    dropped = tuple(f for f, k in zip(config.features, keep, strict=True) if not k)
    if dropped:
        log.info("style features without variation, left out: %s", ", ".join(dropped))
    z = z[:, keep] / rms[keep]
    m = len(models)
    res = minimize(_objective, np.zeros(m + z.shape[1]), args=(m, ix, iy, z, y, config.l2_style, config.l2),
                   jac=True, method="L-BFGS-B", options={"gtol": 1e-9, "ftol": 1e-15, "maxiter": 2000})
    if not res.success:
        log.warning("style-controlled fit stopped: %s", res.message)
    coef = res.x[:m]
    g = dict(zip([f for f, k in zip(config.features, keep, strict=True) if k], res.x[m:].tolist(), strict=True))
    elo = to_elo(coef, models, config.anchor, config.anchor_rating)
    return StyleFit(models, coef, elo, g, dropped, len(usable), bool(res.success))


@dataclass(frozen=True)
class LCWinRate:
    """A model's raw and length-controlled win rates against a baseline, and the fitted theta, phi."""

    model: str
    baseline: str
    n_battles: int
    win_rate: float
    lc_win_rate: float
    theta: float
    phi: float


def _lc_objective(params, t, y, l2):
    logit = params[0] + params[1] * t
    loss = (np.logaddexp(0.0, logit) - y * logit).mean() + 0.5 * l2 * (params @ params)
    err = (expit(logit) - y) / len(y)
    return loss, np.array([err.sum(), err @ t]) + l2 * params


def length_controlled_win_rate(battles: Iterable[Battle], model: str, baseline: str,
                               l2: float = 1e-6) -> LCWinRate:
    """LC win rate of ``model`` against ``baseline`` over their battles that voted and carry lengths."""
    y, dlen = [], []
    for b in battles:
        if {b.model_x, b.model_y} != {model, baseline} or b.y is None or None in (b.style_x, b.style_y):
            continue
        flip = b.model_x != model
        y.append(1.0 - b.y if flip else b.y)
        dlen.append((b.style_y.length - b.style_x.length) if flip else (b.style_x.length - b.style_y.length))
    if not y:
        raise ValueError(f"no usable battle between {model!r} and {baseline!r}")
    ya, d = np.array(y), np.array(dlen, dtype=float)
    sd = d.std()
    t = np.tanh(d / sd) if sd > 0 else np.zeros_like(d)
    res = minimize(_lc_objective, np.zeros(2), args=(t, ya, l2), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-10, "ftol": 1e-15})
    theta, phi = res.x.tolist()
    return LCWinRate(model, baseline, len(ya), float(ya.mean()), float(expit(theta)), theta, phi)
