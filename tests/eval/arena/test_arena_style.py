"""Style control finds a planted length bias and takes it out; the length-controlled win rate."""

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import spearmanr

from eval.arena.battles import Battle, bt_rows
from eval.arena.bradley_terry import fit_bradley_terry
from eval.arena.style import StyleConfig, fit_style_controlled, length_controlled_win_rate
from eval.arena.style_features import AnswerStyle
from eval.arena.synthetic import synthetic_battles

ARENA = {"n_models": 10, "n_prompts": 800, "battles_per_prompt": 4, "verbosity_sd": 0.8}


@pytest.mark.parametrize("bias", [1.5, -1.5])
def test_the_sign_of_a_planted_length_bias_is_recovered(bias):
    arena = synthetic_battles(**ARENA, length_bias=bias, seed=4)
    fit = fit_style_controlled(arena.battles)
    assert np.sign(fit.g["length"]) == np.sign(bias)
    assert abs(fit.g["length"]) > 0.3
    assert set(fit.dropped) == {"headers", "lists", "bold"}  # synthetic answers carry no markdown


def test_style_control_brings_the_ranking_back_to_the_truth():
    arena = synthetic_battles(**ARENA, length_bias=2.0, seed=5)
    true = [arena.strength[m] for m in sorted(arena.strength)]
    plain = fit_bradley_terry(bt_rows(arena.battles))
    styled = fit_style_controlled(arena.battles, StyleConfig(features=("length",), anchor="m00"))
    assert spearmanr(styled.coef, true).statistic > spearmanr(plain.coef, true).statistic
    assert spearmanr(styled.coef, true).statistic > 0.9
    assert styled.ratings["m00"] == pytest.approx(1000.0)


def test_no_bias_gives_a_small_coefficient():
    arena = synthetic_battles(**ARENA, length_bias=0.0, seed=6)
    assert abs(fit_style_controlled(arena.battles).g["length"]) < 0.15


def equal_but_longer(n=3000, bias=1.5, seed=0):
    """Two equally good models; 'long' writes longer answers and the judge likes length."""
    rng = np.random.default_rng(seed)
    battles = []
    for k in range(n):
        ll, lb = int(rng.normal(300, 80)), int(rng.normal(200, 80))
        p = expit(bias * np.tanh((ll - lb) / 113.0))
        y = float(rng.random() < p)
        x_is_long = k % 2 == 0
        battles.append(Battle(f"p{k}", *(("long", "base") if x_is_long else ("base", "long")),
                              y if x_is_long else 1.0 - y,
                              style_x=AnswerStyle(max(ll, 1) if x_is_long else max(lb, 1)),
                              style_y=AnswerStyle(max(lb, 1) if x_is_long else max(ll, 1))))
    return battles


def test_length_controlled_win_rate_removes_the_length_advantage():
    lc = length_controlled_win_rate(equal_but_longer(), "long", "base")
    assert lc.n_battles == 3000
    assert lc.win_rate > 0.6  # the raw rate rewards length
    assert lc.lc_win_rate == pytest.approx(0.5, abs=0.05)
    assert lc.phi > 0.5
    assert length_controlled_win_rate(equal_but_longer(), "base", "long").lc_win_rate == pytest.approx(
        1 - lc.lc_win_rate, abs=1e-6)


def test_battles_without_styles_are_refused():
    with pytest.raises(ValueError, match="styles"):
        fit_style_controlled([Battle("p", "a", "b", 1.0)])
