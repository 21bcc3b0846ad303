"""Per-node loss rates (Beta posterior, by hand), and the feedback rules at their boundaries."""

import math

import pytest

from eval.arena.battles import Battle
from eval.arena.nodes import FeedbackConfig, Node, node_stats, rounds_decision, weight_decision

RC = "reading_comprehension"


def _battles(target_results: list[float], prompt: str = "p") -> list[Battle]:
    # alternate the target's side: its result is y as X, 1 - y as Y
    return [Battle(f"{prompt}{k}", "t", "o", y) if k % 2 == 0 else Battle(f"{prompt}{k}", "o", "t", 1.0 - y)
            for k, y in enumerate(target_results)]


def test_losses_ties_and_the_beta_posterior_by_hand():
    battles = _battles([0.0, 0.0, 0.5, 1.0])  # 2.5 losses in 4 battles
    nodes = {f"p{k}": [Node(RC, "instruction_type", "inference"), Node(RC, "transformation", "poem")]
             for k in range(4)}
    stats = {s.node: s for s in node_stats(battles, "t", nodes)}
    s = stats[f"{RC}.inference"]
    assert (s.battles, s.losses, s.alpha, s.beta) == (4, 2.5, 3.5, 2.5)
    assert s.loss_rate == pytest.approx(3.5 / 6)
    assert s.loss_low < s.loss_rate < s.loss_high
    assert s.rating == pytest.approx(1000 + 400 * math.log10((2.5 / 6) / (3.5 / 6)))
    assert stats[f"{RC}.poem"].losses == 2.5  # a prompt counts toward both of its nodes


def test_abstained_battles_and_other_models_battles_are_left_out():
    battles = [Battle("p0", "t", "o", None), Battle("p0", "a", "o", 1.0), Battle("p0", "t", "o", 0.0)]
    (s,) = node_stats(battles, "t", {"p0": [Node(RC, "instruction_type", "x")]})
    assert s.battles == 1 and s.losses == 1.0


def _stat(wins: int, losses: int):
    battles = _battles([1.0] * wins + [0.0] * losses)
    return node_stats(battles, "t", {b.prompt_id: [Node(RC, "transformation", "poem")] for b in battles})[0]


def test_weights_rise_with_the_loss_rate_and_never_fall_below_the_floor():
    lost = weight_decision(_stat(0, 8), 1.0)  # loss rate 0.9
    assert lost.new == pytest.approx(1.8)
    even = weight_decision(_stat(4, 4), 2.0)
    assert even.new == pytest.approx(2.0)
    won = weight_decision(_stat(40, 0), 1.0)  # loss rate 1/42: x0.048 -> the floor
    assert won.new == pytest.approx(0.2) and won.rule.startswith("floor")
    assert weight_decision(_stat(0, 1), 1.0, FeedbackConfig(min_battles=2)).new == 1.0  # too few: kept


def test_refinement_rounds_go_up_on_a_clear_win_down_on_a_bad_loss_else_stay():
    assert rounds_decision(_stat(20, 0), 1).new == 2
    assert rounds_decision(_stat(20, 0), 3).new == 3  # the cap
    assert rounds_decision(_stat(0, 20), 1).new == 0
    assert rounds_decision(_stat(0, 20), 0).new == 0  # the floor
    assert rounds_decision(_stat(3, 3), 1).new == 1  # the interval holds 0.5
    kept = rounds_decision(_stat(2, 5), 1)  # loses, but not badly enough (mean win 3/9 > 0.25)
    assert kept.new == 1 and kept.evidence["battles"] == 7
