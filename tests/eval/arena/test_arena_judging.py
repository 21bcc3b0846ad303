"""Arena judges on DummyLM: typed labels and scores; unparsed or out-of-range answers are failures."""

import dspy
from dspy.utils import DummyLM

from eval.arena.judging import DifficultyJudge, PairJudge


def _lm(answer):
    return DummyLM([answer] * 5, adapter=dspy.JSONAdapter())


def test_a_label_and_a_pair_of_scores():
    label = PairJudge(_lm({"explanation": "A wins.", "label": "A>>B"}), "label", dspy.JSONAdapter())("q", "a", "b")
    assert label.label == "A>>B" and label.failure is None and label.explanation == "A wins."
    scorer = PairJudge(_lm({"explanation": "x", "score_a": 7, "score_b": 2}), "score", dspy.JSONAdapter())
    scores = scorer("q", "a", "b")
    assert scores.scores == (7.0, 2.0)


def test_out_of_range_scores_and_unparsable_output_are_failures_not_verdicts():
    bad = PairJudge(_lm({"explanation": "x", "score_a": 11, "score_b": 2}), "score", dspy.JSONAdapter())("q", "a", "b")
    assert bad.failure == "out_of_range" and bad.scores is None
    garbage = PairJudge(_lm({"explanation": "x", "label": "A much better"}), "label", dspy.JSONAdapter())
    out = garbage("q", "a", "b")
    assert out.failure == "parse" and out.label is None and garbage.call.parse_failures == 1


def test_difficulty_in_range_or_none():
    assert DifficultyJudge(_lm({"explanation": "hard", "difficulty": 8}), dspy.JSONAdapter())("q") == 8.0
    assert DifficultyJudge(_lm({"explanation": "x", "difficulty": 12}), dspy.JSONAdapter())("q") is None


def test_a_judge_may_give_the_verdict_alone():
    lm = _lm({"label": "B>A"})
    out = PairJudge(lm, "label", dspy.JSONAdapter(), explain=False)("q", "a", "b")
    assert out.label == "B>A" and out.explanation == ""
    assert "explanation" not in lm.history[-1]["messages"][-1]["content"]


def test_the_embedded_judges_explanation_is_one_short_line_in_its_schema():
    from dspy.adapters.json_adapter import _get_structured_outputs_response_format

    from eval.arena.judging import EXPLANATION_PATTERN, CompactJudgeAdapter
    from signatures.arena import ArenaVerdict

    kwargs = {"response_format": _get_structured_outputs_response_format(ArenaVerdict)}
    CompactJudgeAdapter().adjust_response_format(kwargs)
    schema = kwargs["response_format"].model_json_schema()
    assert schema["properties"]["explanation"] == {"type": "string", "pattern": EXPLANATION_PATTERN}
    assert schema["properties"]["label"]["enum"] == ["A>>B", "A>B", "A=B", "B>A", "B>>A"]
