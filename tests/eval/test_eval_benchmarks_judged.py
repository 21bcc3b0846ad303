"""MT-Bench and FoFo end to end with DummyLM students and judges; judge garbage is a parse failure, not 0."""

from __future__ import annotations

import pytest

from eval.benchmarks import registry
from eval.scoring.context import MissingJudgeError

MT_REPLIES = {
    "invitation": "Join us at the garden opening on Saturday. Bring a friend and a trowel.",
    "letter G": "Gardens open Saturday. Guests bring gloves.",
    "first ten": "55",
    "first twenty": "210",
    "Anna is taller": "Cara is the shortest.",
    "Dan is shorter": "Dan.",
    "ship's cook": "Ahoy! Porridge and salted fish today.",
    "porridge is cold": "Then eat faster, sailor!",
}


def _rating(r):
    return {"explanation": "ok", "rating": r}


def test_mt_bench_grades_each_turn_and_counts_parse_failures(run_fixture, judge_factory):
    judge = judge_factory([_rating(8), _rating(6), _rating(10), {"explanation": "hm", "rating": "ten-ish"},
                           _rating(7), _rating(5), _rating(9), _rating(9)])
    items, result = run_fixture("mt_bench", MT_REPLIES, judge_lm=judge)
    assert items[1].reference == ["55", "210"]  # from question.jsonl
    assert items[2].reference == ["Cara is the shortest.", "Dan is now the shortest."]  # from reference_answer/
    rows = {r.id: r for r in result.items}
    assert rows["9102"].turn_scores == [10.0, None] and rows["9102"].score == 10.0
    assert rows["9102"].judge_parse_failure and result.judge_parse_failures == 1
    assert [rows[i].score for i in ("9101", "9103", "9104")] == [7.0, 6.0, 9.0]
    assert result.scale == "rating10" and result.score.estimate == pytest.approx(8.0)
    assert result.extra == {"turn_1": pytest.approx(8.5), "turn_2": pytest.approx(20 / 3)}
    assert rows["9101"].turn_answers == [MT_REPLIES["invitation"], MT_REPLIES["letter G"]]


def test_mt_bench_prompts_reference_and_multi_turn_judges(run_fixture, judge_factory):
    judge = judge_factory([_rating(5)] * 8)
    run_fixture("mt_bench", MT_REPLIES, judge_lm=judge)
    prompts = [h["messages"] for h in judge.history]
    system = [" ".join(p[0]["content"].split()) for p in prompts]
    user = [p[-1]["content"] for p in prompts]
    # 9101 writing: single, then multi-turn (whole conversation); 9102 math: reference-guided both turns
    assert "reference_answer" not in user[0] and "conversation" in user[1]
    assert "Bring a friend" in user[1] and "letter G" in user[1]
    assert "reference_answer" in user[2] and "55" in user[2]
    assert "reference_conversation" in user[3] and "210" in user[3]
    assert "focus on the assistant's answer to the final question" in system[3]


def test_the_student_answers_turn_two_after_its_own_turn_one(run_fixture, judge_factory, fixture_paths,
                                                             student_factory):
    from eval.harness import generate
    from eval.students import GenerationSettings

    student = student_factory(MT_REPLIES)
    bench = registry.get("mt_bench")
    answers = generate(bench, bench.load(fixture_paths["mt_bench"]), student, GenerationSettings())
    assert answers["9102"] == ["55", "210"]
    second_turn = student.lm.history[4]["request"]  # turn 2 calls come after the four turn-1 calls
    texts = [m.text for m in second_turn.messages]
    assert texts == ["Write a two-sentence invitation to a community garden opening.", MT_REPLIES["invitation"],
                     "Now rewrite it so that every sentence starts with the letter G."]


def test_fofo_scores_format_verdicts_and_leaves_garbage_unscored(run_fixture, judge_factory):
    judge = judge_factory([{"reasons": "- valid JSON", "format_correct": True},
                           {"reasons": "- header missing", "format_correct": False},
                           {"reasons": "- ?", "verdict": "maybe"}])
    items, result = run_fixture("fofo", {"clinic appointment": '{"patient_id": "P1"}', "CSV": "month,income",
                                         "lesson plan": "# Plan"}, judge_lm=judge)
    assert [i.category for i in items] == ["Json", "CSV", "Markdown"]
    assert [r.score for r in result.items] == [1.0, 0.0, None]
    assert result.items[2].judge_parse_failure and result.judge_parse_failures == 1
    assert result.n_scored == 2 and result.score.estimate == pytest.approx(0.5)


def test_judged_benchmarks_need_a_judge(run_fixture):
    with pytest.raises(MissingJudgeError):
        run_fixture("fofo", {})
