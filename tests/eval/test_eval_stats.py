"""Bootstrap intervals: coverage of the mean, the ratio of sums, the paired difference, categories."""

from __future__ import annotations

import numpy as np
import pytest

from eval.stats import (
    bootstrap_mean,
    bootstrap_ratio,
    paired_bootstrap,
    paired_ratio_bootstrap,
    per_category_mean,
    per_category_ratio,
    resample_indices,
)


def test_mean_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    true_mean, hits, repeats = 3.0, 0, 400
    for r in range(repeats):
        sample = rng.normal(true_mean, 2.0, size=80)
        ci = bootstrap_mean(sample, n_boot=1000, seed=r)
        hits += ci.low <= true_mean <= ci.high
    assert 0.92 <= hits / repeats <= 0.98


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    values = [0, 1, 1, 0, 1, 1, 1, 0, 1, 1]
    a, b = bootstrap_mean(values, seed=3), bootstrap_mean(values, seed=3)
    assert a == b
    assert a.estimate == pytest.approx(0.7) and a.low < 0.7 < a.high and a.n == 10 and a.n_boot == 1000
    assert resample_indices(5, 7, 0).shape == (7, 5)


def test_ratio_of_sums_estimate_and_interval_hand_computed():
    # items (student, teacher): (5, 10), (7, 8). Resamples: both item 1 -> 10*10/20 = 5.0 (p 1/4),
    # both item 2 -> 10*14/16 = 8.75 (p 1/4), one of each -> 10*12/18 (p 1/2).
    ci = bootstrap_ratio([5, 7], [10, 8], n_boot=4000, seed=1)
    assert ci.estimate == pytest.approx(10 * 12 / 18)
    assert ci.low == pytest.approx(5.0) and ci.high == pytest.approx(8.75)


def test_ratio_resamples_items_together():
    # the student scores exactly 0.8 of the teacher on every item: any resample gives 8.0
    teacher = np.array([10, 6, 9, 7, 8.0])
    ci = bootstrap_ratio(0.8 * teacher, teacher, seed=0)
    assert ci.estimate == pytest.approx(8.0) and ci.low == pytest.approx(8.0) and ci.high == pytest.approx(8.0)


def test_paired_bootstrap_sign_and_p_value():
    rng = np.random.default_rng(0)
    base = rng.uniform(0, 1, size=200)
    better = base + 0.1 + rng.normal(0, 0.05, size=200)
    up = paired_bootstrap(better, base, seed=0)
    assert up.difference.estimate == pytest.approx(np.mean(better - base))
    assert up.difference.low > 0 and up.p_value < 0.01
    down = paired_bootstrap(base, better, seed=0)
    assert down.difference.high < 0 and down.difference.estimate == pytest.approx(-up.difference.estimate)
    same = paired_bootstrap(base + rng.normal(0, 0.05, size=200), base, seed=0)
    assert same.difference.low < 0 < same.difference.high and same.p_value > 0.05


def test_paired_ratio_bootstrap():
    teacher = np.full(50, 10.0)
    a, b = np.full(50, 9.0), np.full(50, 7.0)
    diff = paired_ratio_bootstrap(a, teacher, b, teacher, seed=0)
    assert diff.difference.estimate == pytest.approx(2.0) and diff.p_value == 0.0


def test_per_category_helpers():
    cats = ["x", "y", "x", "y", "x"]
    means = per_category_mean([1, 0, 1, 1, 0], cats, seed=0)
    assert set(means) == {"x", "y"} and means["x"].estimate == pytest.approx(2 / 3) and means["y"].n == 2
    ratios = per_category_ratio([5, 7, 5, 1, 9], [10, 8, 10, 2, 9], cats, seed=0)
    assert ratios["x"].estimate == pytest.approx(10 * 19 / 29) and ratios["y"].estimate == pytest.approx(8.0)


def test_invalid_inputs_raise():
    with pytest.raises(ValueError):
        bootstrap_mean([])
    with pytest.raises(ValueError):
        bootstrap_ratio([1], [0])
    with pytest.raises(ValueError):
        paired_bootstrap([1, 2], [1])
