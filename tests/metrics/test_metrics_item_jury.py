"""A skill's jury for generated items: checks before judges, thresholds, failed ballots, agreement, difficulty."""

import dspy
from dummies import make_dummy
from judged_items import PASSAGE, SPEC, example

from metrics.item_jury import SkillJury, item_agreement
from metrics.jury import Juror


def jury(**kwargs) -> SkillJury:
    kwargs.setdefault("thresholds", {"quality": 0.5, "faithfulness": 0.5})
    return SkillJury(SPEC, kwargs.pop("criteria", ["quality", "faithfulness"]),
                     kwargs.pop("jurors", [Juror("judge")]), **kwargs)


def test_a_good_item_gets_every_criterion_and_its_ballots():
    lm = make_dummy()
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        verdict = jury().judge(example(), seed_text=PASSAGE)
    assert verdict.passed and verdict.checks and all(c.passed for c in verdict.checks)
    assert verdict.scores.criteria == {"quality": 7 / 9, "faithfulness": 1.0}
    assert verdict.scores.overall == (7 / 9 + 1.0) / 2
    assert [(b.criterion, b.judge, b.model, b.parsed) for b in verdict.scores.ballots] == [
        ("quality", "judge", "dummy", True), ("faithfulness", "judge", "dummy", True)]
    assert verdict.scores.ballots[0].rationale == "Grounded and correct."
    assert len(lm.history) == 2  # one call per criterion and juror


def test_a_judge_that_returns_garbage_casts_failed_ballots_not_zeros():
    garbage = make_dummy(score="not a number", hallucination_detected="perhaps")
    with dspy.context(lm=garbage, adapter=dspy.JSONAdapter()):
        refused = jury().judge(example())
        kept = jury(no_verdict="keep").judge(example())
    assert refused.scores.criteria == {"quality": None, "faithfulness": None}  # no verdict, not 0.0
    assert refused.scores.overall is None
    assert all(not b.parsed and b.score is None and b.error for b in refused.scores.ballots)
    assert refused.refused_by == ["quality", "faithfulness"] and "no verdict (1 failed ballots)" in refused.detail
    assert kept.passed and kept.scores.criteria["quality"] is None


def test_a_placeholder_response_is_refused_by_its_check_before_any_judge_call():
    lm = make_dummy()
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        verdict = jury().judge(example(response="{ response } to the requested answer { request_text },"))
    assert verdict.by_check and verdict.refused_by == ["check:placeholder"]
    assert verdict.scores.checks_failed == ["placeholder"] and verdict.scores.ballots == []
    assert lm.history == []


def test_an_instruction_that_is_a_heading_of_the_seed_is_refused_by_a_check():
    seed = "Hyperuricemia and the Heart\n\n" + PASSAGE
    with dspy.context(lm=make_dummy(), adapter=dspy.JSONAdapter()):
        verdict = jury().judge(example(instruction="Hyperuricemia and the Heart"), seed_text=seed)
    assert "check:heading" in verdict.refused_by


def test_an_item_below_a_threshold_is_refused_with_the_criterion_and_its_score():
    with dspy.context(lm=make_dummy(score=3), adapter=dspy.JSONAdapter()):
        verdict = jury().judge(example())
        lenient = jury(thresholds={"quality": 0.2}).judge(example())
    assert verdict.refused_by == ["quality"] and verdict.detail == "quality 0.22 < 0.50"
    assert lenient.passed


def test_format_and_correctness_judge_only_the_items_they_apply_to():
    lm = make_dummy()
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        plain = jury(criteria=["format", "correctness"]).judge(example())
        formatted = example()
        formatted.guidelines = ['{"kind": "max_words", "number": 60}']
        formatted.metadata = {"reference": "diet and kidney function"}
        both = jury(criteria=["format", "correctness"]).judge(formatted)
    assert plain.scores.criteria == {} and plain.passed
    assert both.scores.criteria == {"format": 1.0, "correctness": 1.0}


def test_two_jurors_give_an_agreement_and_a_weighted_aggregate():
    jurors = [Juror("a", make_dummy(score=10), weight=3.0), Juror("b", make_dummy(score=1))]
    with dspy.context(adapter=dspy.JSONAdapter()):
        verdict = jury(criteria=["quality"], jurors=jurors, aggregate="weighted").judge(example())
    assert verdict.scores.criteria["quality"] == 0.75
    assert verdict.scores.agreement == 0.0  # one says 1.0, the other 0.0
    assert item_agreement(verdict.scores.ballots[:1]) is None


def test_a_refined_item_is_rated_harder_than_its_parent():
    parent, child = example(), example(instruction="Which two confounders together could explain the finding?",
                                       goal="make_complex", key="0/x/0>make_complex.0", parent="0/x/0")
    with dspy.context(lm=make_dummy(harder=True), adapter=dspy.JSONAdapter()):
        share, ballots = jury().harder(parent, child)
    with dspy.context(lm=make_dummy(harder="sometimes"), adapter=dspy.JSONAdapter()):
        none, failed = jury().harder(parent, child)
    assert share == 1.0 and ballots[0].criterion == "difficulty"
    assert none is None and not failed[0].parsed
    assert jury(difficulty=False).harder(parent, child) == (None, [])
