"""Juries: aggregation, judges by model and by prompt, failures counted, agreement reported."""

import dspy
import pytest
from dspy.utils import DummyLM
from dummies import ALL_FIELDS, make_dummy

from metrics import ItemQuality, Juror, NoVerdict
from metrics.jury import Ballot, aggregate

EXAMPLE = dspy.Example(rubric="Grounded answers.", request="What raises uric acid?", response="Purines.")


def ballots(*scores):
    return [Ballot(f"j{i}", s) for i, s in enumerate(scores)]


def test_aggregations():
    assert aggregate(ballots(0.2, 0.4, 0.9)) == pytest.approx(0.5)
    assert aggregate(ballots(0.2, 0.4, 0.9), "median") == pytest.approx(0.4)
    assert aggregate(ballots(0.2, 0.6, 0.9), "majority") == 1.0
    assert aggregate(ballots(0.2, 0.4, 0.9), "majority") == 0.0
    assert aggregate(ballots(0.2, 0.9), "majority") == 0.5
    assert aggregate(ballots(0.0, 1.0), "weighted", {"j0": 1, "j1": 3}) == pytest.approx(0.75)
    assert aggregate([Ballot("a", None, error="x"), Ballot("b", 0.3)]) == pytest.approx(0.3)
    with pytest.raises(NoVerdict, match="a: boom"):
        aggregate([Ballot("a", None, error="boom")])
    with pytest.raises(ValueError, match="unknown aggregation"):
        aggregate(ballots(0.5), "mode")


def test_a_jury_of_models_reports_agreement_over_items():
    generous = DummyLM({"uric": {**ALL_FIELDS, "score": 10}, "": {**ALL_FIELDS, "score": 6}},
                       adapter=dspy.JSONAdapter())
    strict = DummyLM({"uric": {**ALL_FIELDS, "score": 7}, "": {**ALL_FIELDS, "score": 1}},
                     adapter=dspy.JSONAdapter())
    metric = ItemQuality(jurors=[Juror("generous", generous), Juror("strict", strict)])
    with dspy.context(adapter=dspy.JSONAdapter()):
        high = metric(EXAMPLE, dspy.Prediction())
        low = metric(EXAMPLE.copy(request="What is a bee?"), dspy.Prediction())
        assert metric(EXAMPLE, dspy.Prediction(), trace=[]) is True
    assert high == pytest.approx((1 + 6 / 9) / 2) and low == pytest.approx((5 / 9 + 0) / 2)
    report = metric.report()
    assert report.items == 3 and report.judges == ["generous", "strict"]
    assert report.mean_by_judge["generous"] > report.mean_by_judge["strict"]
    assert report.spearman_pairs["generous|strict"] == pytest.approx(1.0)  # they rank the items alike
    assert report.krippendorff_alpha is not None and report.krippendorff_alpha < 0.5  # but disagree on level


def test_a_second_prompt_is_a_second_juror_with_its_own_instructions():
    lm = make_dummy()
    metric = ItemQuality(jurors=[Juror("plain", lm), Juror("harsh", lm, instructions="Be very harsh.")])
    with dspy.context(adapter=dspy.JSONAdapter()):
        metric(EXAMPLE, dspy.Prediction())
    systems = [entry["messages"][0]["content"] for entry in lm.history]
    assert len(systems) == 2 and "Be very harsh." in systems[1] and "Be very harsh." not in systems[0]


def test_a_failing_juror_is_counted_and_the_others_decide():
    broken = DummyLM([{"rationale": "no score here"}] * 10, adapter=dspy.JSONAdapter())
    metric = ItemQuality(jurors=[Juror("ok", make_dummy()), Juror("broken", broken)])
    with dspy.context(adapter=dspy.JSONAdapter()):
        assert metric(EXAMPLE, dspy.Prediction()) == pytest.approx(7 / 9)
    assert metric.report().failures_by_judge == {"ok": 0, "broken": 1}
    lonely = ItemQuality(jurors=[Juror("broken", broken)])
    with dspy.context(adapter=dspy.JSONAdapter()), pytest.raises(NoVerdict):
        lonely(EXAMPLE, dspy.Prediction())


def test_juror_names_must_be_unique():
    with pytest.raises(ValueError, match="unique"):
        ItemQuality(jurors=[Juror("a"), Juror("a")])
