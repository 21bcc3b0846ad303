"""Loss mining: SFT and DPO thresholds at their exact boundaries, provenance, disjoint prompt splits."""

import pytest

from eval.arena.battles import Game
from eval.arena.mining import MiningConfig, answer_scores, mine_losses, split_disjoint


def scored(prompt, target_scores, rival, rival_scores, judge="llama"):
    """Target vs rival in both orders; ``*_scores`` = (score in game 1, score in game 2)."""
    return [Game(prompt, "target", rival, judge, 1, scores=(target_scores[0], rival_scores[0])),
            Game(prompt, rival, "target", judge, 2, scores=(rival_scores[1], target_scores[1]))]


def table():
    games = (scored("gap3", (5, 5), "r1", (8, 8)) + scored("gap3", (5, 5), "r2", (6, 6))     # r1 beats by 3
             + scored("gap2.5", (5, 6), "r1", (8, 8))                                         # 8 - 5.5
             + scored("gap1", (6, 6), "r1", (7, 7))
             + scored("win", (9, 9), "r1", (4, 6)))
    return answer_scores(games)


def test_answer_scores_average_both_positions_and_keep_them():
    t = table()
    target = t["gap2.5"]["target"]
    assert (target.mean, target.as_a, target.as_b, target.judges) == (5.5, (5.0,), (6.0,), ("llama",))
    assert t["gap3"]["target"].as_a == (5.0, 5.0)  # two battles, two games in each position


def test_round_one_threshold_is_three_inclusive():
    result = mine_losses(table(), MiningConfig(target="target"))
    assert [(i.prompt_id, i.winner.model, i.gap) for i in result.sft] == [("gap3", "r1", 3.0)]
    assert result.sft[0].target.model == "target"


def test_later_rounds_use_one_and_an_explicit_threshold_wins():
    later = mine_losses(table(), MiningConfig(target="target", round=2))
    assert sorted(i.prompt_id for i in later.sft) == ["gap1", "gap2.5", "gap3"]
    explicit = mine_losses(table(), MiningConfig(target="target", round=2, sft_threshold=2.5))
    assert sorted(i.prompt_id for i in explicit.sft) == ["gap2.5", "gap3"]  # 2.5 == threshold: included


def test_dpo_pairs_best_over_worst_with_a_gap_of_two_or_more():
    result = mine_losses(table(), MiningConfig(target="target"))
    pairs = {p.prompt_id: (p.chosen.model, p.rejected.model, p.gap) for p in result.dpo}
    assert pairs == {"gap3": ("r1", "target", 3.0), "gap2.5": ("r1", "target", 2.5),
                     "win": ("target", "r1", 4.0)}
    exact = mine_losses(answer_scores(scored("two", (5, 5), "r1", (7, 7))), MiningConfig(target="target"))
    assert [p.gap for p in exact.dpo] == [2.0]  # gap == 2: included
    below = mine_losses(answer_scores(scored("two", (5, 5), "r1", (6.5, 7))), MiningConfig(target="target"))
    assert below.dpo == []


def test_prompts_lacking_an_order_or_the_target_are_counted_not_mined():
    games = [Game("half", "target", "r1", "j", 1, scores=(2, 9)),  # the swapped game is missing
             Game("nt", "r1", "r2", "j", 1, scores=(9, 2)), Game("nt", "r2", "r1", "j", 2, scores=(2, 9))]
    result = mine_losses(answer_scores(games), MiningConfig(target="target"))
    assert (result.missing_order, result.no_target) == (1, 1)
    assert result.sft == [] and [p.prompt_id for p in result.dpo] == ["nt"]


def test_split_disjoint_covers_every_prompt_once_and_is_seeded():
    ids = [f"q{k}" for k in range(103)] + ["q0"]  # a duplicate is kept once
    stages = [(1, "sft"), (1, "dpo"), (2, "sft"), (2, "dpo")]
    split = split_disjoint(ids, stages, seed=1)
    flat = [p for part in split.values() for p in part]
    assert sorted(flat) == sorted(set(ids)) and len(flat) == len(set(flat))
    assert sorted(len(p) for p in split.values()) == [25, 26, 26, 26]
    assert split == split_disjoint(ids, stages, seed=1)
    assert split != split_disjoint(ids, stages, seed=2)
    weighted = split_disjoint(ids, [(1, "sft"), (1, "dpo")], seed=1, weights=[3, 1])
    assert (len(weighted[(1, "sft")]), len(weighted[(1, "dpo")])) == (77, 26)
    with pytest.raises(ValueError, match="repeat"):
        split_disjoint(ids, [(1, "sft"), (1, "sft")], seed=0)
