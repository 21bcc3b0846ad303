"""The judging stage around a runner: ranking candidates, preference pairs, refusals with evidence, difficulty."""

from dataclasses import replace

import dspy
import pytest
from dspy.utils import DummyLM
from dummies import ALL_FIELDS, make_dummy
from judged_items import PASSAGE, SPEC, example

from core.flow.outcome import FatalRunError, UnitOutcome
from core.flow.plan import PathPlan, UnitPlan
from core.records import text_sha256
from metrics.item_jury import SkillJury
from metrics.judging import JudgedRunner
from metrics.jury import Juror
from metrics.pairwise import PairwiseComparison
from programs.base import seed_doc

GOOD = "The authors caution that diet and kidney function were not fully controlled in the study."
FAIR = "Diet and kidney function, the authors say, were not fully controlled in this cohort study."
BAD = "BAD ANSWER: the passage is about bees and their hive temperature in winter and summer."
SEED = seed_doc("s", PASSAGE, SPEC)
PLAN = UnitPlan([PathPlan("identity", ["literal_comprehension"])], instructions_per_type=1, suggestions=1)


def judge_lm() -> DummyLM:
    """Rates by the response it reads: BAD 2/10, FAIR 7/10, anything else 9/10 (dict mode: first key found)."""
    return DummyLM({"BAD ANSWER": {**ALL_FIELDS, "score": 2}, "this cohort study": {**ALL_FIELDS, "score": 7},
                    "": {**ALL_FIELDS, "score": 9}}, adapter=dspy.JSONAdapter())


class StubRunner:
    """A runner whose plan always yields the given outcome."""

    spec = SPEC

    def __init__(self, outcome: UnitOutcome):
        self.outcome = outcome

    def run_plan(self, plan, seed):
        return self.outcome


def candidates(*responses: str, **kwargs):
    first, *rest = (example(response=r, **kwargs) for r in responses)
    first.alternatives = rest
    return first


def judged(outcome: UnitOutcome, lm: DummyLM | None = None, **kwargs) -> UnitOutcome:
    jury = SkillJury(SPEC, ["quality"], [Juror("judge")], thresholds={"quality": 0.5})
    runner = JudgedRunner(StubRunner(outcome), jury, **kwargs)
    with dspy.context(lm=lm or judge_lm(), adapter=dspy.JSONAdapter()):
        return runner.run_plan(PLAN, SEED)


@pytest.mark.parametrize("responses", [(GOOD, BAD), (BAD, GOOD)])
def test_the_best_candidate_is_kept_and_a_refused_sibling_makes_a_pair(responses):
    out = judged(UnitOutcome(examples=[candidates(*responses)]))
    (kept,) = out.examples
    assert kept.response == GOOD and kept.alternatives == [] and kept.scores.candidates == 2
    (pair,) = out.pairs
    assert pair.chosen is kept and pair.rejected.response == BAD and pair.source == "refused"
    assert pair.margin == pytest.approx(8 / 9 - 1 / 9)
    assert out.failures == [] and out.refused == []  # the item was kept: its worse sample is no refusal


def test_two_passing_candidates_make_a_pair_only_past_the_margin():
    wide = judged(UnitOutcome(examples=[candidates(FAIR, GOOD)]), min_margin=0.1)
    narrow = judged(UnitOutcome(examples=[candidates(FAIR, GOOD)]), min_margin=0.5)
    assert [(p.chosen.response, p.rejected.response, p.source) for p in wide.pairs] == [(GOOD, FAIR, "candidates")]
    assert narrow.pairs == [] and narrow.examples[0].response == GOOD


def test_identical_samples_make_no_pair():
    out = judged(UnitOutcome(examples=[candidates(GOOD, GOOD)]))
    assert out.pairs == [] and len(out.examples) == 1


def test_a_pairwise_judge_asked_in_both_orders_counts_its_position_flips():
    always_a = make_dummy(preferred="A")  # prefers the first position whatever it shows
    jury_lm = judge_lm()
    pairwise = PairwiseComparison([Juror("judge", always_a)])
    out = judged(UnitOutcome(examples=[candidates(GOOD, BAD)]), lm=jury_lm, pairwise=pairwise)
    assert out.pairs == []  # a verdict that flips with the order confirms nothing
    assert out.examples[0].scores.position_flips == 1 and pairwise.position_bias == 1
    assert len(always_a.history) == 2  # asked in both orders


def test_a_refused_item_goes_to_the_failures_with_its_scores_and_text_hash():
    bad = example(response=BAD)
    out = judged(UnitOutcome(examples=[bad]))
    assert out.examples == [] and out.refused == [bad]
    (failure,) = out.failures
    assert (failure.stage, failure.reason, failure.error) == ("judge", "judge", "Rejected")
    assert failure.criteria == ["quality"] and failure.excerpt == "quality 0.11 < 0.50"
    assert failure.scores.criteria == {"quality": pytest.approx(1 / 9)} and failure.scores.ballots
    assert failure.text_sha256 == text_sha256(bad.messages) and failure.key == bad.key


def test_a_check_refusal_is_recorded_as_a_check():
    out = judged(UnitOutcome(examples=[example(response="{response}")]))
    (failure,) = out.failures
    assert failure.reason == "check" and failure.criteria == ["check:placeholder"]


def test_a_refined_item_is_rated_against_its_parent():
    parent = example()
    child = replace(example(instruction="Which two confounders could together explain the heart attacks?",
                            goal="make_complex"), key=f"{parent.key}>make_complex.0", parent=parent.key)
    out = judged(UnitOutcome(examples=[parent, child]))
    assert [e.scores.difficulty for e in out.examples] == [None, 1.0]
    assert out.examples[1].scores.ballots[-1].criterion == "difficulty"


def test_a_fatal_judge_error_leaves_the_unit_uncommitted():
    def guard():
        raise type("StopRequested", (RuntimeError,), {})("stopping")

    jury = SkillJury(SPEC, ["quality"], [Juror("judge", make_dummy())], guard=guard)
    runner = JudgedRunner(StubRunner(UnitOutcome(examples=[example()])), jury)
    with dspy.context(adapter=dspy.JSONAdapter()), pytest.raises(FatalRunError) as info:
        runner.run_plan(PLAN, SEED)
    assert info.value.reason == "stopped"
