"""Games to battles (both orders per judge, a jury, abstentions) and battles to weighted BT rows."""

import numpy as np
import pytest

from eval.arena.battles import Battle, Game, battles_from_games, bt_rows
from eval.arena.style_features import AnswerStyle, answer_style
from eval.arena.verdicts import ReconcileConfig


def pair(prompt, x, y, judge, label1, label2, **kw):
    """Game 1 with x as A, game 2 swapped."""
    return [Game(prompt, x, y, judge, 1, label=label1, **kw),
            Game(prompt, y, x, judge, 2, label=label2, **kw)]


def test_a_game_holds_exactly_one_outcome_and_two_models():
    with pytest.raises(ValueError):
        Game("p", "a", "a", "j", 1, label="A>B")
    with pytest.raises(ValueError):
        Game("p", "a", "b", "j", 1)
    with pytest.raises(ValueError):
        Game("p", "a", "b", "j", 1, label="A>B", failure="no_label")


def test_from_text_keeps_parse_failures_typed():
    ok = Game.from_text("... [[B>>A]]", prompt_id="p", model_a="a", model_b="b", judge="j", order=1)
    bad = Game.from_text("I like both", prompt_id="p", model_a="a", model_b="b", judge="j", order=2)
    scored = Game.from_text("Score A: 3 Score B: 8", mode="score", prompt_id="p", model_a="a", model_b="b",
                            judge="j", order=1)
    assert ok.label == "B>>A" and ok.parsed_ok
    assert bad.failure == "no_label" and not bad.parsed_ok and "both" in bad.excerpt
    assert scored.scores == (3.0, 8.0)


def test_a_jury_averages_judges_and_abstentions_do_not_count():
    games = (pair("p1", "x", "y", "j1", "A>B", "B>A")        # j1: x wins in both orders
             + pair("p1", "x", "y", "j2", "A=B", "A=B")      # j2: tie
             + pair("p1", "x", "y", "j3", "A>B", "A>B"))     # j3: position bias -> abstains
    [battle] = battles_from_games(games)
    assert (battle.model_x, battle.model_y) == ("x", "y")
    assert battle.y == pytest.approx(0.75)
    assert battle.flip
    assert [v.reason for v in battle.votes] == [None, None, "inconsistent"]
    [tied] = battles_from_games(games, ReconcileConfig(inconsistent="tie"))
    assert tied.y == pytest.approx((1 + 0.5 + 0.5) / 3)


def test_missing_orders_and_parse_failures_abstain():
    games = [Game("p", "x", "y", "j1", 1, label="A>B"),
             Game("p", "x", "y", "j2", 1, label="A>B"), Game("p", "y", "x", "j2", 2, failure="no_label")]
    [battle] = battles_from_games(games)
    assert battle.abstained and battle.y is None
    assert [v.reason for v in battle.votes] == ["missing_order", "parse_failure"]


def test_order_one_must_put_x_in_position_a_for_every_judge():
    games = pair("p", "x", "y", "j1", "A>B", "B>A") + pair("p", "y", "x", "j2", "A>B", "B>A")
    with pytest.raises(ValueError, match="position A"):
        battles_from_games(games)


def test_styles_travel_from_games_to_battles():
    sx, sy = AnswerStyle(300, headers=2), AnswerStyle(100)
    games = [Game("p", "x", "y", "j", 1, label="A>B", style_a=sx, style_b=sy),
             Game("p", "y", "x", "j", 2, label="B>A", style_a=sy, style_b=sx)]
    [battle] = battles_from_games(games)
    assert (battle.style_x, battle.style_y) == (sx, sy)


def test_bt_rows_merge_duplicates_orient_pairs_and_drop_abstentions():
    battles = [Battle("p1", "b", "a", 1.0), Battle("p1", "a", "b", 0.0), Battle("p1", "a", "c", 0.5),
               Battle("p2", "a", "b", 1.0), Battle("p2", "c", "b", None)]
    rows = bt_rows(battles)
    assert rows.models == ("a", "b", "c") and rows.prompts == ("p1", "p2")
    assert rows.abstained == 1 and rows.n_battles == 4
    got = sorted(zip(*(a.tolist() for a in (rows.prompt, rows.i, rows.j, rows.y, rows.w)), strict=True))
    # "b beats a" is "a loses to b": both p1 battles merge into one row of weight 2
    assert got == [(0, 0, 1, 0.0, 2.0), (0, 0, 2, 0.5, 1.0), (1, 0, 1, 1.0, 1.0)]
    assert np.all(rows.i < rows.j)


def test_answer_style_counts_markdown_outside_code():
    text = ("# Title\n\nSome **bold** and __more__.\n\n- one\n- two\n1. three\n"
            "```\n# not a header\n- nor a list\n```")
    style = answer_style(text)
    assert (style.headers, style.lists, style.bold) == (1, 3, 2)
    assert style.length == len(text.split())
