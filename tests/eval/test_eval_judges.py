"""Judges on DummyLMs: ratings parsed by type, off-scale or garbage output is a parse failure."""

from __future__ import annotations

import dspy
import pytest

from eval.benchmarks.base import BenchItem
from eval.judges import FoFoJudge, MTBenchJudge, TeacherRelativeJudge, transcript

JSON = dspy.JSONAdapter()
ITEM = BenchItem(id="1", turns=["Q1", "Q2"], category="writing")


@pytest.mark.parametrize(("reply", "score"), [
    ({"explanation": "good", "rating": 7}, 7.0),
    ({"explanation": "good", "rating": 11}, None),
    ({"explanation": "good", "rating": 0}, None),
    ({"explanation": "good", "rating": "seven"}, None),
    ({"text": "Rating: [[7]]"}, None),
])
def test_mt_bench_ratings_outside_1_to_10_or_unparseable_fail(judge_factory, reply, score):
    verdict = MTBenchJudge(judge_factory([reply]), JSON)(ITEM, 0, ["A1"])
    assert verdict.score == score
    assert verdict.parse_failure == (score is None)


def test_judge_call_counts_parse_failures(judge_factory):
    judge = MTBenchJudge(judge_factory([{"x": 1}, {"explanation": "e", "rating": 3}]), JSON)
    judge(ITEM, 0, ["A1"])
    judge(ITEM, 0, ["A1"])
    assert judge.single.parse_failures == 1


def test_fofo_and_teacher_relative_judges(judge_factory):
    fofo = FoFoJudge(judge_factory([{"reasons": "- fine", "format_correct": False}]), JSON)
    assert fofo("Answer in JSON.", "{}").score == 0.0
    pair = TeacherRelativeJudge(judge_factory([{"explanation": "e", "score_1": 0, "score_2": 10}]), JSON)
    verdict = pair("### User:\nhi", "a", "b")
    assert (verdict.first, verdict.second, verdict.parse_failure) == (0.0, 10.0, False)
    bad = TeacherRelativeJudge(judge_factory([{"explanation": "e", "score_1": 5}]), JSON)
    assert bad("c", "a", "b").parse_failure


def test_transcript_layout():
    assert transcript(["q1", "q2"], ["a1", "a2"]) == (
        "### User:\nq1\n\n### Assistant:\na1\n\n### User:\nq2\n\n### Assistant:\na2")


class _Raising(dspy.BaseLM):
    """An LM whose every call raises ``error`` (as a provider or the local engine would)."""

    def __init__(self, error: Exception):
        super().__init__(model="raising")
        self.error = error

    def forward(self, prompt=None, messages=None, **kwargs):
        raise self.error


def test_a_judge_answer_cut_at_max_tokens_is_a_parse_failure_and_a_provider_error_propagates():
    from core.lm.local_engine import OutputTruncated

    cut = TeacherRelativeJudge(_Raising(OutputTruncated("structured output cut at max_tokens=320")), JSON)
    assert cut("### User:\nhi", "a", "b").parse_failure and cut.call.parse_failures == 1
    down = TeacherRelativeJudge(_Raising(ConnectionError("connection refused")), JSON)
    with pytest.raises(Exception, match="connection refused"):
        down("### User:\nhi", "a", "b")
    assert down.call.parse_failures == 0
