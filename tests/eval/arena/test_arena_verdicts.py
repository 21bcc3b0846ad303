"""Verdict parsing (labels, scores, typed failures) and the two-order reconciliation of one judge."""

import pytest

from eval.arena.verdicts import (
    LABELS,
    ParseFailure,
    ReconcileConfig,
    jury_vote,
    parse_label,
    parse_pair_scores,
    parse_rating,
    reconcile_labels,
    reconcile_scores,
)


@pytest.mark.parametrize("label", LABELS)
def test_every_label_parses_to_itself(label):
    assert parse_label(f"My own answer first... final verdict: [[{label}]]") == label


@pytest.mark.parametrize(("text", "label"), [
    ("[[ a >> b ]]", "A>>B"), ("[[b>a]]", "B>A"), ("[[A<B]]", "B>A"), ("[[A<<B]]", "B>>A"),
    ("[[B=A]]", "A=B"), ("[[B<A]]", "A>B"), ("[[ B >> A ]].", "B>>A"),
])
def test_spaces_case_and_mirrored_forms_are_tolerated(text, label):
    assert parse_label(text) == label


def test_the_last_label_counts():
    text = "Format: [[A>>B]] ... [[B>A]] ... after thinking, my verdict is [[A=B]]"
    assert parse_label(text) == "A=B"
    assert parse_label("[[B>A]] and finally [[A>A]]") == "B>A"  # a malformed last one is not a label


@pytest.mark.parametrize("text", ["", "A is better", "[A>B]", "[[A>>C]]", "[[A>A]]", "[[tie]]"])
def test_garbage_is_a_typed_parse_failure_not_a_default(text):
    parsed = parse_label(text)
    assert isinstance(parsed, ParseFailure)
    assert parsed.reason == "no_label"


def test_single_ratings_take_the_last_bracketed_value_within_bounds():
    assert parse_rating("Rating: [[3]] no wait, [[7.5]]") == 7.5
    assert parse_rating("Rating: [6]") == 6.0  # MT-Bench's backup pattern
    assert parse_rating("Rating: [[11]]").reason == "out_of_range"
    assert parse_rating("seven out of ten").reason == "no_score"


@pytest.mark.parametrize(("text", "scores"), [
    ("Score A: 7 / Score B: 4", (7.0, 4.0)),
    ("score of assistant b = 3\nScore of Assistant A: 9", (9.0, 3.0)),
    ("Assistant A: [[8]]  Assistant B: [[6]]", (8.0, 6.0)),
    ("Scores: [[5, 9]]", (5.0, 9.0)),
    ("Score A: 2, Score B: 3 ... on reflection Score A: 6", (6.0, 3.0)),
])
def test_pair_scores_parse_in_both_styles(text, scores):
    assert parse_pair_scores(text) == scores


def test_pair_scores_fail_typed_when_missing_or_out_of_range():
    assert parse_pair_scores("Score A: 7 only").reason == "no_score"
    assert parse_pair_scores("Score A: 0 Score B: 4").reason == "out_of_range"


def test_consistent_orders_give_the_shared_result():
    r = reconcile_labels("A>B", "B>>A")  # X wins as A, and wins again as B
    assert (r.y, r.y1, r.y2, r.flip) == (1.0, 1.0, 1.0, False)
    r = reconcile_labels("A=B", "A=B")
    assert (r.y, r.flip) == (0.5, False)
    r = reconcile_labels("B>A", "A>B")  # X loses in both orders
    assert (r.y, r.flip) == (0.0, False)


def test_a_flip_abstains_ties_or_averages_as_configured():
    # X wins as A, then loses as B: the judge preferred position A both times
    assert reconcile_labels("A>B", "A>B").flip
    assert reconcile_labels("A>B", "A>B").y is None
    assert reconcile_labels("A>B", "A>B", ReconcileConfig(inconsistent="tie")).y == 0.5
    # a win and a tie is a flip too; averaging gives the soft label
    r = reconcile_labels("A>>B", "A=B", ReconcileConfig(inconsistent="average"))
    assert (r.flip, r.y) == (True, 0.75)


def test_scores_are_averaged_over_orders_with_a_tie_band():
    # X scores 8 then 7 (as B), Y 6 then 6: both orders agree on X
    r = reconcile_scores((8, 6), (6, 7))
    assert (r.y, r.flip) == (1.0, False)
    # within the band: a tie in both orders
    assert reconcile_scores((7, 7), (7, 7.5)).y == 0.5
    # X ahead by 3 as A, behind by 1 as B: inconsistent; averaged difference is +1 -> X wins
    r = reconcile_scores((9, 6), (8, 7), ReconcileConfig(inconsistent="average"))
    assert (r.flip, r.y) == (True, 1.0)
    assert reconcile_scores((9, 6), (8, 7)).y is None


def test_jury_takes_the_mean_of_non_abstaining_votes():
    assert jury_vote([1.0, None, 0.5]) == 0.75
    assert jury_vote([None, None]) is None
    assert jury_vote([]) is None
