"""Exact-match normalisation and DROP's F1, checked against hand-computed values."""

from __future__ import annotations

import pytest

from eval.benchmarks.base import BenchItem
from eval.scoring.drop_f1 import drop_f1, drop_metrics, normalize_answer
from eval.scoring.exact import exact_choice, exact_number, normalize_number, option_set


@pytest.mark.parametrize(("raw", "norm"), [
    ("1,000", "1000"), ("$14", "14"), ("42.0", "42"), ("7.", "7"), ("3.50", "3.5"), ("-0.25", "-0.25"),
    ("  $1,234.00 ", "1234"), ("abc", None), ("", None),
])
def test_normalize_number(raw, norm):
    assert normalize_number(raw) == norm


def test_exact_number_compares_normalised_values():
    item = BenchItem(id="g", prompt="?", reference="1000")
    assert exact_number("$1,000.00", item) == 1.0
    assert exact_number("999", item) == 0.0


def test_option_sets():
    assert option_set("(B)") == {"B"} and option_set("[B, C]") == {"B", "C"} and option_set("A and C") == {"A", "C"}
    item = BenchItem(id="m", prompt="?", choices=["1", "2", "3"], reference="AC")
    assert exact_choice("CA", item) == 1.0 and exact_choice("A", item) == 0.0


def test_drop_normalisation_matches_the_official_script():
    assert normalize_answer("The 3 Touchdowns!") == "3.0 touchdowns"
    assert normalize_answer("well-known") == "well known"


def test_drop_f1_hand_computed():
    # "the 3 touchdowns" -> {3.0, touchdowns}; gold "3" -> {3.0}: precision 1/2, recall 1 -> F1 = 2/3 -> 0.67
    assert drop_metrics("the 3 touchdowns", "3") == (0.0, 0.67)
    # number mismatch: gold numbers must appear in the prediction, else F1 = 0
    assert drop_metrics("4 touchdowns", "3 touchdowns") == (0.0, 0.0)
    # exact match after normalisation
    assert drop_metrics("The Otters.", "the Otters") == (1.0, 1.0)
    # one predicted span against two gold spans: aligned with "coal" (F1 1), the other bag 0 -> mean 0.5
    assert drop_metrics("coal", ["coal", "grain"]) == (0.0, 0.5)
    # "coal and grain" as one bag {coal, and, grain} vs bags {coal}, {grain}: best alignment F1 = 2*(1/3)/(4/3)=0.5
    # for one gold bag, 0 for the other -> 0.25
    assert drop_metrics("coal and grain", ["coal", "grain"]) == (0.0, 0.25)


def test_drop_f1_takes_the_best_alternative_answer():
    item = BenchItem(id="d", prompt="?", reference=["4 June 1822"], metadata={"alternatives": [["June 4, 1822"]]})
    assert drop_f1("June 4, 1822", item) == 1.0
    # against the main gold {4.0, june, 1822.0}: prediction {june, 1822.0} -> P 1, R 2/3 -> 0.8
    assert drop_f1("June 1822", item) == 0.8
