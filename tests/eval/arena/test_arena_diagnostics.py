"""Judge diagnostics on constructed games with known flip, position, length and self-preference rates."""

import pytest

from eval.arena.battles import Game
from eval.arena.diagnostics import cohen_kappa, diagnose
from eval.arena.style_features import AnswerStyle

LONG, SHORT = AnswerStyle(400), AnswerStyle(100)


def two_orders(prompt, x, y, judge, first, second, cost=None):
    return [Game(prompt, x, y, judge, 1, label=first, cost=cost, style_a=LONG, style_b=SHORT),
            Game(prompt, y, x, judge, 2, label=second, cost=cost, style_a=SHORT, style_b=LONG)]


def constructed():
    games = []
    # judge "pos": always prefers position A -> every pair flips; first-position rate 1
    for k in range(4):
        games += two_orders(f"p{k}", "x", "y", "pos", "A>B", "A>B", cost=0.002)
    # judge "fair": x (the longer answer) wins in both orders on 3 prompts, a tie on the 4th
    for k in range(3):
        games += two_orders(f"p{k}", "x", "y", "fair", "A>B", "B>A", cost=0.001)
    games += two_orders("p3", "x", "y", "fair", "A=B", "A=B", cost=0.001)  # a consistent tie
    games += two_orders("p4", "x", "y", "fair", "A>B", "A=B", cost=0.001)  # a win, then a tie: a flip
    games.append(Game("p9", "x", "y", "fair", 1, failure="no_label"))
    return games


def test_flip_rate_first_position_rate_ties_and_parse_failures():
    report = diagnose(constructed()).judges
    pos, fair = report["pos"], report["fair"]
    assert (pos.n_games, pos.n_order_pairs, pos.flip_rate, pos.first_position_rate) == (8, 4, 1.0, 1.0)
    assert pos.tie_rate == 0.0
    assert (fair.n_games, fair.parse_failures, fair.n_order_pairs) == (11, 1, 5)
    assert fair.flip_rate == pytest.approx(1 / 5)
    # decisive games: 3 wins of x in position A, 3 in position B, and p4's first game (A)
    assert fair.first_position_rate == pytest.approx(4 / 7)
    assert fair.tie_rate == pytest.approx(3 / 10)


def test_longer_answer_rate_and_cost_per_thousand():
    report = diagnose(constructed()).judges
    assert report["fair"].longer_answer_rate == 1.0  # x wrote the longer answer and won every decisive game
    assert report["pos"].longer_answer_rate == 0.5   # position A wins: long in game 1, short in game 2
    assert report["pos"].cost_per_1k == pytest.approx(2.0)
    assert report["fair"].cost_per_1k == pytest.approx(1.0)


def test_self_preference_compares_a_judges_own_games_with_others():
    games = []
    for k in range(4):  # "gpt" judges itself: wins 4 of 4 games in both orders
        games += [Game(f"p{k}", "gpt", "other", "gpt", 1, label="A>B"),
                  Game(f"p{k}", "other", "gpt", "gpt", 2, label="B>A")]
    for k in range(4):  # a second judge gives "gpt" 1 win in 4 prompts
        first, second = ("A>B", "B>A") if k == 0 else ("B>A", "A>B")
        games += [Game(f"p{k}", "gpt", "other", "ref", 1, label=first),
                  Game(f"p{k}", "other", "gpt", "ref", 2, label=second)]
    [pref] = diagnose(games).self_preference
    assert (pref.model, pref.self_rate, pref.n_self) == ("gpt", 1.0, 8)
    assert (pref.others_rate, pref.n_others) == (0.25, 8)


def test_juror_agreement_uses_kappa_and_alpha():
    games = constructed()
    agreement = diagnose(games).agreement
    assert agreement.judges == ("fair", "pos") and agreement.n_units == 8
    # directions per game: pos = A,A,A,A (game 1) and A,A,A,A (game 2); fair = A,A,A,tie and B,B,B,tie
    assert agreement.kappa["fair|pos"] == pytest.approx(cohen_kappa([1, 1, 1, 0, -1, -1, -1, 0], [1] * 8))
    if agreement.alpha_unavailable is None:  # metrics.agreement importable
        assert agreement.alpha < 0  # "pos" says A everywhere, "fair" says B on half the games


def test_perfect_jurors_agree_fully():
    games = []
    for judge in ("j1", "j2"):
        games += two_orders("p0", "x", "y", judge, "A>B", "B>A")
        games += two_orders("p1", "x", "y", judge, "B>>A", "A>B")
    agreement = diagnose(games).agreement
    assert agreement.kappa["j1|j2"] == 1.0
    if agreement.alpha_unavailable is None:
        assert agreement.alpha == pytest.approx(1.0)


def test_cohen_kappa_known_values():
    assert cohen_kappa([1, 0, 1, 0], [1, 0, 1, 0]) == 1.0
    assert cohen_kappa([1, 1, 0, 0], [1, 0, 1, 0]) == 0.0
    assert cohen_kappa([1, 1], [1, 1]) is None  # chance agreement is certain: undefined
    assert cohen_kappa([], []) is None
