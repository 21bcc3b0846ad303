"""Prompt-level bootstrap: a prompt's battles move together; intervals cover the truth; separability."""

import numpy as np
import pytest

from eval.arena.battles import Battle, bt_rows
from eval.arena.bootstrap import (
    BootstrapConfig,
    bootstrap_ratings,
    prompt_counts,
    replicate_weights,
    separability,
)
from eval.arena.bradley_terry import ELO_SCALE, BTConfig, fit_pairs, pair_table
from eval.arena.synthetic import synthetic_battles

SMALL = {"n_models": 6, "n_prompts": 150, "battles_per_prompt": 4}


def test_every_row_of_a_prompt_gets_that_prompts_draw_count():
    rows = bt_rows(synthetic_battles(**SMALL, seed=1).battles)
    counts = prompt_counts(len(rows.prompts), 50, np.random.default_rng(0))
    assert counts.shape == (50, len(rows.prompts)) and np.all(counts.sum(axis=1) == len(rows.prompts))
    for draw in counts[:5]:
        ratio = replicate_weights(rows, draw) / rows.w
        for p in np.unique(rows.prompt):
            assert np.all(ratio[rows.prompt == p] == draw[p])  # one multiplier per prompt


def test_duplicating_battles_inside_their_prompts_leaves_the_intervals_unchanged():
    battles = synthetic_battles(**SMALL, seed=2).battles
    config = BootstrapConfig(rounds=200, seed=5, bt=BTConfig(anchor="m00"))
    once = bootstrap_ratings(bt_rows(battles), config)
    twice = bootstrap_ratings(bt_rows(battles + battles), config)
    # the copies share their prompt, so they are always drawn together: no information is added
    assert twice.lower == pytest.approx(once.lower, abs=0.05)
    assert twice.upper == pytest.approx(once.upper, abs=0.05)
    # copies under new prompt ids count as independent prompts: intervals shrink by about 1/sqrt(2)
    renamed = [Battle(b.prompt_id + "-copy", b.model_x, b.model_y, b.y) for b in battles]
    more = bootstrap_ratings(bt_rows(battles + renamed), config)
    ratio = np.median((more.upper - more.lower)[1:] / (once.upper - once.lower)[1:])  # [0] is the anchor
    assert 0.6 < ratio < 0.8


def test_intervals_cover_the_true_ratings_about_95_percent_of_the_time():
    covered = total = 0
    for seed in range(20):
        arena = synthetic_battles(n_models=8, n_prompts=400, battles_per_prompt=4, seed=100 + seed)
        result = bootstrap_ratings(bt_rows(arena.battles),
                                   BootstrapConfig(rounds=300, seed=seed, bt=BTConfig(anchor="m00")))
        true = np.array([arena.strength[m] for m in result.models]) * ELO_SCALE
        true = true - true[0] + 1000.0  # the truth, aligned to the anchor
        inside = (result.lower <= true) & (true <= result.upper)
        covered += int(inside[1:].sum())
        total += len(true) - 1
        assert result.lower[0] == result.upper[0] == 1000.0  # the anchor's interval is a point
    assert 0.85 <= covered / total <= 1.0


def test_results_are_seeded_and_poisson_resampling_works():
    rows = bt_rows(synthetic_battles(**SMALL, seed=3).battles)
    a = bootstrap_ratings(rows, BootstrapConfig(rounds=50, seed=9))
    b = bootstrap_ratings(rows, BootstrapConfig(rounds=50, seed=9))
    p = bootstrap_ratings(rows, BootstrapConfig(rounds=50, seed=9, scheme="poisson"))
    assert np.array_equal(a.samples, b.samples)
    assert a.samples.shape == (50, 6) and np.all(a.lower <= a.median) and np.all(a.median <= a.upper)
    assert not np.array_equal(a.samples, p.samples)
    assert set(a.intervals) == set(rows.models)


def test_a_batch_of_replicates_is_solved_like_separate_fits():
    rows = bt_rows(synthetic_battles(**SMALL, seed=4).battles)
    table = pair_table(rows)
    rng = np.random.default_rng(0)
    W = table.W * rng.integers(0, 3, size=(5, len(table.W)))
    S = W * (table.S / table.W)
    together, ok = fit_pairs(table, W, S, gtol=1e-9)
    assert ok and together.shape == (5, 6)
    for r in range(5):
        alone, _ = fit_pairs(table, W[r], S[r], gtol=1e-9)
        assert together[r] == pytest.approx(alone, abs=1e-5)
    batched = bootstrap_ratings(rows, BootstrapConfig(rounds=60, seed=1, batch=7))
    single = bootstrap_ratings(rows, BootstrapConfig(rounds=60, seed=1, batch=60))
    assert batched.samples == pytest.approx(single.samples, abs=0.01)  # Elo points


def test_separability_counts_disjoint_interval_pairs():
    lower, upper = np.array([0.0, 5.0, 20.0]), np.array([10.0, 15.0, 30.0])
    assert separability(lower, upper) == pytest.approx(2 / 3)  # (1,2) overlap; 3 is apart from both
    assert np.isnan(separability(np.array([0.0]), np.array([1.0])))
    touching = separability(np.array([1000.0, 1000.0 + 1e-9]), np.array([1000.0, 1064.9]))
    assert touching == 0.0  # a lower bound at the anchor's point (up to rounding) overlaps it
