"""Krippendorff's alpha against the published reliability example, and Spearman's rho."""

import pytest

from metrics.agreement import krippendorff_alpha, pairwise_spearman, spearman

N = None
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers x 12 units, with gaps.
OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]
UNITS = list(zip(*OBSERVERS, strict=False))


@pytest.mark.parametrize(("level", "alpha"), [("nominal", 0.743), ("interval", 0.849), ("ordinal", 0.815)])
def test_krippendorff_alpha_matches_the_published_values(level, alpha):
    assert krippendorff_alpha(UNITS, level) == pytest.approx(alpha, abs=5e-4)


def test_alpha_is_one_for_perfect_agreement_and_undefined_without_variation():
    assert krippendorff_alpha([(1, 1), (5, 5), (3, 3)]) == pytest.approx(1.0)
    assert krippendorff_alpha([(4, 4), (4, 4)]) is None
    assert krippendorff_alpha([(4, None), (None, 2)]) is None  # no pairable unit
    assert krippendorff_alpha([(1, 5), (5, 1), (1, 5)]) < 0  # systematic disagreement


def test_spearman_handles_ties_and_constant_sides():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 2, 3], [1, 2, 2, 3]) == pytest.approx(1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) is None
    with pytest.raises(ValueError, match="paired"):
        spearman([1, 2], [1])


def test_pairwise_spearman_uses_units_both_judges_rated():
    table = [(1, 1, N), (2, 2, 3), (3, 3, 2), (4, 4, 1)]
    pairs = pairwise_spearman(table, ["a", "b", "c"])
    assert pairs["a|b"] == pytest.approx(1.0) and pairs["a|c"] == pytest.approx(-1.0)
