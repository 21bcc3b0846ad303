"""The leaderboard: anchor, intervals, win rates, style views and their failures kept as notes."""

import pytest

from eval.arena.battles import Battle
from eval.arena.leaderboard import LeaderboardConfig, build_leaderboard
from eval.arena.style_features import AnswerStyle
from eval.arena.synthetic import synthetic_battles


def test_recovers_the_order_of_synthetic_models_with_intervals_around_the_fit():
    arena = synthetic_battles(5, 400, 5, seed=3)
    board = build_leaderboard(arena.battles, LeaderboardConfig(anchor="m00", rounds=200))
    truth = sorted(arena.strength, key=arena.strength.get, reverse=True)
    assert [r.model for r in board.rows] == truth
    anchor = board.rating("m00")
    assert anchor.elo == pytest.approx(1000.0) and anchor.win_rate_vs_anchor == pytest.approx(0.5)
    for r in board.rows:
        assert r.lower <= r.elo <= r.upper and r.battles > 0
    assert 0.0 <= board.separability <= 1.0 and board.n_prompts == 400


def test_a_missing_anchor_falls_back_with_a_note_and_style_views_need_styles():
    battles = [Battle(f"p{k}", "a", "b", 1.0 if k % 3 else 0.0) for k in range(30)]
    board = build_leaderboard(battles, LeaderboardConfig(anchor="zzz", rounds=50))
    assert board.anchor == "a" and "anchor 'zzz'" in board.notes[0]
    assert board.rating("b").style_elo is None and board.style_g is None


def test_style_views_when_the_battles_carry_lengths():
    battles = [Battle(f"p{k}", "a", "b", 1.0 if k % 3 else 0.0, style_x=AnswerStyle(100 + k),
                      style_y=AnswerStyle(50)) for k in range(30)]
    board = build_leaderboard(battles, LeaderboardConfig(rounds=50))
    assert board.rating("b").lc_win_rate is not None and "length" in board.style_g


def test_fewer_than_two_rated_models_is_an_error():
    with pytest.raises(ValueError, match="two models"):
        build_leaderboard([Battle("p", "a", "b", None)])
