"""Bradley-Terry against closed forms and an independent fit; Elo anchoring; degenerate data."""

import math

import numpy as np
import pytest
from scipy.stats import spearmanr

from eval.arena.battles import Battle, bt_rows
from eval.arena.bradley_terry import (
    ELO_SCALE,
    BTConfig,
    DisconnectedComparisons,
    fit_bradley_terry,
    win_rate_vs,
)
from eval.arena.synthetic import synthetic_battles


def results(x, y, wins, losses, ties=0, prompt="p"):
    return ([Battle(f"{prompt}{k}", x, y, 1.0) for k in range(wins)]
            + [Battle(f"{prompt}l{k}", x, y, 0.0) for k in range(losses)]
            + [Battle(f"{prompt}t{k}", x, y, 0.5) for k in range(ties)])


def test_two_models_match_the_closed_form():
    fit = fit_bradley_terry(bt_rows(results("a", "b", 3, 1)))
    assert fit.converged
    assert fit.coef[0] - fit.coef[1] == pytest.approx(math.log(3), abs=1e-4)
    assert fit.coef.sum() == pytest.approx(0.0, abs=1e-6)  # the L2 centres the strengths


def test_ties_are_half_a_win():
    # 3 wins, 1 loss, 2 ties: 4 of 6 "points", so b_a - b_b = ln(4 / 2)
    fit = fit_bradley_terry(bt_rows(results("a", "b", 3, 1, ties=2)))
    assert fit.coef[0] - fit.coef[1] == pytest.approx(math.log(2), abs=1e-4)


def mm_bradley_terry(wins: np.ndarray, iters: int = 5000) -> np.ndarray:
    """Zermelo/Hunter minorise-maximise iteration, an independent maximum-likelihood fit."""
    n = wins + wins.T
    p = np.ones(len(wins))
    for _ in range(iters):
        p = wins.sum(axis=1) / (n / (p[:, None] + p[None, :])).sum(axis=1)
        p /= np.exp(np.log(p).mean())
    return np.log(p)


def test_three_models_match_an_independent_fit():
    battles = (results("a", "b", 2, 1) + results("b", "c", 2, 1, prompt="q")
               + results("a", "c", 3, 1, prompt="r"))
    fit = fit_bradley_terry(bt_rows(battles))
    wins = np.array([[0, 2, 3], [1, 0, 2], [1, 1, 0]], dtype=float)
    expected = mm_bradley_terry(wins)
    assert fit.coef - fit.coef.mean() == pytest.approx(expected, abs=1e-4)
    assert fit.coef[0] > fit.coef[1] > fit.coef[2]


def test_elo_scale_anchor_and_win_rates():
    fit = fit_bradley_terry(bt_rows(results("a", "b", 3, 1)), BTConfig(anchor="b", anchor_rating=1100))
    ratings = fit.ratings
    assert ratings["b"] == pytest.approx(1100)
    assert ratings["a"] - ratings["b"] == pytest.approx(ELO_SCALE * math.log(3), abs=0.05)
    rates = fit.win_rates()
    assert rates["a"] == pytest.approx(0.75, abs=1e-4)  # the empirical rate, recovered through the Elo scale
    assert rates["b"] == pytest.approx(0.5)
    assert win_rate_vs({"m": 1400.0, "base": 1000.0}, "base")["m"] == pytest.approx(1 / (1 + 10 ** -1))


def test_a_model_that_wins_everything_stays_finite_and_on_top():
    battles = (results("champ", "b", 10, 0) + results("champ", "c", 10, 0, prompt="q")
               + results("b", "c", 6, 4, prompt="r"))
    fit = fit_bradley_terry(bt_rows(battles), BTConfig(anchor="c"))
    assert np.all(np.isfinite(fit.elo))
    assert fit.ratings["champ"] > fit.ratings["b"] > fit.ratings["c"]
    assert fit.ratings["champ"] - fit.ratings["b"] > 400  # unbounded in theory; the tiny L2 keeps it finite


def test_disconnected_comparisons_raise_unless_allowed():
    battles = results("a", "b", 3, 1) + results("c", "d", 1, 3, prompt="q")
    with pytest.raises(DisconnectedComparisons, match="2 groups"):
        fit_bradley_terry(bt_rows(battles))
    fit = fit_bradley_terry(bt_rows(battles), BTConfig(allow_disconnected=True))
    assert fit.coef[0] - fit.coef[1] == pytest.approx(math.log(3), abs=1e-4)  # within a group: still right
    with pytest.raises(DisconnectedComparisons):  # a listed model with no battle is its own group
        fit_bradley_terry(bt_rows(results("a", "b", 3, 1), models=["a", "b", "z"]))


def test_recovers_true_strengths_on_synthetic_battles():
    arena = synthetic_battles(n_models=12, n_prompts=600, battles_per_prompt=4, seed=3)
    fit = fit_bradley_terry(bt_rows(arena.battles))
    true = [arena.strength[m] for m in fit.models]
    assert spearmanr(fit.coef, true).statistic > 0.9
    error = (fit.coef - fit.coef.mean()) - (np.array(true) - np.mean(true))
    assert np.sqrt((error ** 2).mean()) < 0.25  # ~400 battles a model: SE about 0.1-0.2 in b
