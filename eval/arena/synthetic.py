"""Synthetic battles between models of known strength, for tests and benchmarks.

True strengths ``b ~ N(0, 1)`` (seeded). Every prompt holds ``battles_per_prompt`` battles between random
pairs of distinct models. With ``p = sigmoid(b_x - b_y + length_bias * z)`` (``z`` the normalised length
difference of the two answers, 0 unless ``length_bias`` is set), a battle is a tie with probability
``2 * tie_strength * p * (1 - p)`` and otherwise a win or a loss, so that ``E[y] = p`` exactly: the soft-label
Bradley-Terry fit estimates the true b without bias from the tie mechanism.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from eval.arena.battles import Battle
from eval.arena.style_features import AnswerStyle


@dataclass(frozen=True)
class SyntheticArena:
    """Battles and the truth behind them: ``strength`` (natural log) and ``verbosity`` per model."""

    battles: list[Battle]
    strength: dict[str, float]
    verbosity: dict[str, float]


def synthetic_battles(n_models: int = 20, n_prompts: int = 2000, battles_per_prompt: int = 5, *,
                      tie_strength: float = 0.6, length_bias: float = 0.0, verbosity_sd: float = 0.0,
                      seed: int = 0) -> SyntheticArena:
    """Sample an arena. ``verbosity_sd`` > 0 gives each model a typical log-length (answers of about
    ``200 * exp(verbosity)`` words); ``length_bias`` is the judge's extra logit per unit of
    ``(len_x - len_y) / (len_x + len_y + 1)``."""
    if not 0.0 <= tie_strength <= 1.0:
        raise ValueError(f"tie_strength lies in [0, 1], got {tie_strength}")
    if n_models < 2:
        raise ValueError("an arena needs two models at least")
    rng = np.random.default_rng(seed)
    names = [f"m{k:02d}" for k in range(n_models)]
    b = rng.standard_normal(n_models)
    verbosity = rng.normal(0.0, verbosity_sd, n_models) if verbosity_sd > 0 else np.zeros(n_models)
    n = n_prompts * battles_per_prompt
    x = rng.integers(0, n_models, n)
    y = (x + rng.integers(1, n_models, n)) % n_models  # a different model, uniformly
    lx = np.maximum(1, np.round(200 * np.exp(verbosity[x] + rng.normal(0, 0.2, n)))).astype(int)
    ly = np.maximum(1, np.round(200 * np.exp(verbosity[y] + rng.normal(0, 0.2, n)))).astype(int)
    p = expit(b[x] - b[y] + length_bias * (lx - ly) / (lx + ly + 1))
    half_tie = tie_strength * p * (1 - p)
    u = rng.random(n)
    outcome = np.where(u < p - half_tie, 1.0, np.where(u < p + half_tie, 0.5, 0.0))
    with_style = verbosity_sd > 0 or length_bias != 0
    battles = [
        Battle(f"p{k // battles_per_prompt:05d}", names[x[k]], names[y[k]], float(outcome[k]),
               style_x=AnswerStyle(int(lx[k])) if with_style else None,
               style_y=AnswerStyle(int(ly[k])) if with_style else None)
        for k in range(n)
    ]
    return SyntheticArena(battles, dict(zip(names, b.tolist(), strict=True)),
                          dict(zip(names, verbosity.tolist(), strict=True)))
