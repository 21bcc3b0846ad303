"""Pairwise judgement: every judge is asked in both orders; position bias becomes a tie."""

import dspy
import pytest
from dspy.utils import DummyLM
from dummies import ALL_FIELDS, make_dummy

from metrics import Juror, PairwiseComparison

REQUEST = "Explain why the sky is blue."
GOOD, BAD = "Rayleigh scattering of sunlight.", "Because it reflects the ocean."


def content_judge() -> DummyLM:
    """Prefers whichever position holds the Rayleigh answer (a consistent judge)."""
    def answer(preferred):
        return {**ALL_FIELDS, "preferred": preferred}
    return DummyLM({f"## response_a ## ]]\n{GOOD}": answer("A"), f"## response_b ## ]]\n{GOOD}": answer("B")},
                   adapter=dspy.JSONAdapter())


def test_both_orders_are_asked():
    lm = make_dummy()
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        PairwiseComparison()(REQUEST, GOOD, BAD)
    asked = [entry["messages"][-1]["content"] for entry in lm.history]
    assert len(asked) == 2
    assert asked[0].index(GOOD) < asked[0].index(BAD) and asked[1].index(BAD) < asked[1].index(GOOD)


def test_a_consistent_judge_decides_and_a_position_biased_one_ties():
    with dspy.context(adapter=dspy.JSONAdapter()):
        verdict = PairwiseComparison([Juror("fair", content_judge())])(REQUEST, GOOD, BAD)
        assert verdict.winner == "first" and verdict.consistent and verdict.score == 1.0
        assert PairwiseComparison([Juror("fair", content_judge())])(REQUEST, BAD, GOOD).winner == "second"
        biased = PairwiseComparison([Juror("biased", make_dummy(preferred="A"))])
        verdict = biased(REQUEST, GOOD, BAD)
    assert verdict.winner == "tie" and not verdict.consistent and verdict.score == 0.5
    assert (verdict.votes[0].original, verdict.votes[0].swapped) == ("A", "A") and biased.position_bias == 1


def test_a_pairwise_jury_votes_by_majority_and_reports_agreement():
    jury = PairwiseComparison([Juror("a", content_judge()), Juror("b", content_judge()),
                               Juror("c", make_dummy(preferred="B"))])
    with dspy.context(adapter=dspy.JSONAdapter()):
        assert jury(REQUEST, GOOD, BAD).winner == "first"
        assert jury(REQUEST, BAD, GOOD).winner == "second"
    report = jury.report()
    assert report.items == 2 and report.mean_by_judge["c"] == pytest.approx(0.5)
    assert report.spearman_pairs["a|b"] == pytest.approx(1.0)
