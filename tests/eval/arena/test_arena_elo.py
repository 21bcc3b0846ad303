"""Online Elo: zero-sum updates of the expected size, order dependence, agreement with BT on the order."""

import pytest
from scipy.stats import spearmanr

from eval.arena.battles import Battle, bt_rows
from eval.arena.bradley_terry import fit_bradley_terry
from eval.arena.elo import EloConfig, expected_score, online_elo
from eval.arena.synthetic import synthetic_battles


def test_one_win_between_equals_moves_half_of_k_each_way():
    ratings = online_elo([Battle("p", "a", "b", 1.0)], EloConfig(k=32))
    assert ratings == {"a": pytest.approx(1016.0), "b": pytest.approx(984.0)}


def test_ties_between_equals_change_nothing_and_abstentions_are_skipped():
    ratings = online_elo([Battle("p", "a", "b", 0.5), Battle("q", "a", "b", None)])
    assert ratings == {"a": 1000.0, "b": 1000.0}


def test_updates_are_zero_sum_and_depend_on_the_order():
    battles = [Battle("p", "a", "b", 1.0), Battle("q", "b", "c", 1.0), Battle("r", "c", "a", 1.0)]
    forward, backward = online_elo(battles, EloConfig(k=32)), online_elo(battles[::-1], EloConfig(k=32))
    assert sum(forward.values()) == pytest.approx(3000.0)
    assert forward != backward


def test_expected_score_is_the_elo_logistic():
    assert expected_score(1400, 1000) == pytest.approx(1 / (1 + 10 ** -1))
    assert expected_score(1000, 1000) == 0.5


def test_online_elo_orders_models_like_bradley_terry_on_many_battles():
    arena = synthetic_battles(n_models=8, n_prompts=1500, battles_per_prompt=2, seed=7)
    elo = online_elo(arena.battles, EloConfig(k=4))
    bt = fit_bradley_terry(bt_rows(arena.battles)).ratings
    names = sorted(bt)
    assert spearmanr([elo[m] for m in names], [bt[m] for m in names]).statistic > 0.9
