"""The skill metric: checks gate judge calls, components weighted, refined items judged for difficulty."""

import dspy
import pytest
from dspy.utils import DummyLM
from dummies import make_dummy

from core.taxonomy import load_skills
from metrics import Juror, SkillMetric, SkillMetricConfig
from programs import PassageItem

RC = load_skills()["reading_comprehension"]
ANSWER = "The passage says purine breakdown produces uric acid, so that is the answer."
EXAMPLE = dspy.Example(seed_text="Uric acid comes from purines.", suggestions=1)


def item(instruction="Which substance does the passage say uric acid comes from?", **kw):
    fields = {"passage": "Uric acid comes from purines.", "instruction": instruction,
              "instruction_type": "literal_comprehension", "transformation": "identity", "response": ANSWER}
    return PassageItem(**{**fields, **kw})


def test_a_failed_check_scores_zero_without_any_judge_call():
    lm = make_dummy()
    metric = SkillMetric(RC, jurors=[Juror("judge", lm)])
    pred = dspy.Prediction(generated=[item("Why?")])  # too short an instruction
    with dspy.context(adapter=dspy.JSONAdapter()):
        assert metric(EXAMPLE, pred) == 0.0
        assert metric(EXAMPLE, pred, trace=[]) is False
    assert lm.history == []


def test_components_are_weighted_and_difficulty_applies_to_refined_items_only():
    lm = make_dummy(score=10, harder=False)
    config = SkillMetricConfig(weights={"quality": 1.0, "difficulty": 1.0, "faithfulness": 2.0})
    metric = SkillMetric(RC, config, jurors=[Juror("judge", lm)])
    base = item(key="0/literal_comprehension/0")
    refined = item("Which substance, named in the passage, is uric acid made from?", round=1,
                   goal="make_complex", key="0/literal_comprehension/0>make_complex.0",
                   parent="0/literal_comprehension/0")
    with dspy.context(adapter=dspy.JSONAdapter()):
        scores = metric.score_items(EXAMPLE, dspy.Prediction(generated=[base, refined]))
        assert scores[0].parts == {"quality": 1.0, "faithfulness": 1.0} and scores[0].score == 1.0
        assert scores[1].parts == {"quality": 1.0, "difficulty": 0.0, "faithfulness": 1.0}
        assert scores[1].score == pytest.approx(3 / 4)
        assert metric(EXAMPLE, dspy.Prediction(generated=[base, refined])) == pytest.approx(7 / 8)
    difficulty_prompt = next(e for e in lm.history if "original_instruction" in e["messages"][-1]["content"])
    assert "Which substance does the passage say" in difficulty_prompt["messages"][-1]["content"]
    assert set(metric.report()) == {"quality", "difficulty", "faithfulness"}


def test_gepa_style_calls_get_a_score_and_feedback():
    metric = SkillMetric(RC, SkillMetricConfig(check_mode="score"), jurors=[Juror("judge", make_dummy())])
    with dspy.context(adapter=dspy.JSONAdapter()):
        out = metric(EXAMPLE, dspy.Prediction(generated=[item()]), None, "generators['flaw']", None)
    assert out.score == pytest.approx((1.0 + 7 / 9) / 2)
    assert "[quality] judge: Grounded and correct." in out.feedback


def test_an_item_no_judge_could_rate_earns_no_credit_and_is_counted():
    broken = DummyLM([{"rationale": "no score"}] * 5, adapter=dspy.JSONAdapter())
    metric = SkillMetric(RC, jurors=[Juror("judge", broken)])
    with dspy.context(adapter=dspy.JSONAdapter()):
        scores = metric.score_items(EXAMPLE, dspy.Prediction(generated=[item()]))
    assert scores[0].score == 0.0 and "no judge returned a usable ballot" in scores[0].feedback[0]
    assert metric.report()["quality"].failures_by_judge == {"judge": 1}


def test_no_items_score_zero_and_bad_weights_are_refused():
    metric = SkillMetric(RC, jurors=[Juror("judge", make_dummy())])
    assert metric(EXAMPLE, dspy.Prediction(generated=[])) == 0.0
    with pytest.raises(ValueError, match="positive weight"):
        SkillMetricConfig(weights={"quality": 0.0})
