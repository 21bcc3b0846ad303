"""Orca-Bench: turn prompts on the teacher's history, the ratio score and its interval, orders, held-out."""

from __future__ import annotations

import pytest

from eval.judges import PairScore, TeacherRelativeJudge
from eval.orca_bench import OrcaBenchConfig, build_heldout, run_orca_bench, score_orca_bench
from eval.orca_items import OrcaItem, generate_answers, turn_prompts
from eval.students import GenerationSettings


def _item(i: int, skill: str, turns: int = 1, system: bool = False) -> OrcaItem:
    messages = [{"role": "system", "content": "Be brief."}] if system else []
    for t in range(turns):
        messages += [{"role": "user", "content": f"item {i} question {t}"},
                     {"role": "assistant", "content": f"teacher {i}.{t}"}]
    return OrcaItem(id=f"rec-{i}", skill=skill, messages=messages)


class TableJudge:
    """Rates by lookup: ``scores[(who, item id)]``; who is "teacher" or "student" (answers are tagged)."""

    def __init__(self, scores, swap_bias: float = 0.0):
        self.scores, self.swap_bias, self.calls = scores, swap_bias, []

    def rate(self, answer: str) -> float:
        who = "teacher" if answer.startswith("teacher") else "student"
        return self.scores[(who, answer.split()[1].split(".")[0])]

    def __call__(self, conversation: str, first: str, second: str) -> PairScore:
        self.calls.append((conversation, first, second))
        return PairScore(first=self.rate(first) + self.swap_bias, second=self.rate(second))


def test_each_assistant_turn_is_prompted_with_the_teachers_history():
    item = _item(1, "rc", turns=2, system=True)
    prompts = turn_prompts(item)
    assert [p.turn for p in prompts] == [0, 1]
    assert prompts[0].messages == item.messages[:2] and prompts[0].teacher_answer == "teacher 1.0"
    assert prompts[1].messages == item.messages[:4]
    assert prompts[1].messages[2] == {"role": "assistant", "content": "teacher 1.0"}


def test_student_answers_every_turn_in_one_batch(student_factory):
    items = [_item(1, "rc", turns=2), _item(2, "math")]
    calls = []

    class Recorder:
        name = "rec"

        def generate(self, prompts, settings):
            calls.append(len(prompts))
            return [f"student {p[-1]['content'].split()[1]}" for p in prompts]

    answers = generate_answers(items, Recorder(), GenerationSettings())
    assert calls == [3] and answers == {"rec-1": ["student 1", "student 1"], "rec-2": ["student 2"]}


def test_score_is_ten_times_student_sum_over_teacher_sum():
    items = [_item(1, "rc"), _item(2, "rc")]
    judge = TableJudge({("student", "1"): 5, ("teacher", "1"): 10, ("student", "2"): 7, ("teacher", "2"): 8})
    result = score_orca_bench(items, {"rec-1": ["student 1"], "rec-2": ["student 2"]}, judge,
                              OrcaBenchConfig(n_boot=4000, seed=1))
    assert result.score.estimate == pytest.approx(10 * 12 / 18)
    assert result.score.low == pytest.approx(5.0) and result.score.high == pytest.approx(8.75)
    assert result.per_skill["rc"].estimate == pytest.approx(10 * 12 / 18)
    assert [(t.student, t.teacher) for t in result.turns] == [(5, 10), (7, 8)]


def test_multi_turn_items_sum_their_turns_and_skills_break_down():
    items = [_item(1, "rc", turns=2), _item(2, "math")]
    judge = TableJudge({("student", "1"): 6, ("teacher", "1"): 9, ("student", "2"): 4, ("teacher", "2"): 8})
    result = score_orca_bench(items, {"rec-1": ["student 1", "student 1"], "rec-2": ["student 2"]}, judge)
    assert result.score.estimate == pytest.approx(10 * (6 + 6 + 4) / (9 + 9 + 8))
    assert result.per_skill["rc"].estimate == pytest.approx(10 * 12 / 18)
    assert result.per_skill["math"].estimate == pytest.approx(5.0)
    assert "item 1 question 1" in judge.calls[1][0] and "teacher 1.0" in judge.calls[1][0]


def test_random_order_is_seeded_per_turn_and_both_orders_average():
    items = [_item(i, "rc") for i in range(40)]
    answers = {f"rec-{i}": [f"student {i}"] for i in range(40)}
    table = {(w, str(i)): s for i in range(40) for w, s in (("student", 6), ("teacher", 8))}
    first = TableJudge(table)
    score_orca_bench(items, answers, first, OrcaBenchConfig(order="random", seed=3))
    second = TableJudge(table)
    score_orca_bench(list(reversed(items)), answers, second, OrcaBenchConfig(order="random", seed=3))
    orders = {c[1] for c in first.calls}
    assert sorted(orders) == sorted({c[1] for c in second.calls})
    teacher_first = sum(c[1].startswith("teacher") for c in first.calls)
    assert 10 < teacher_first < 30
    biased = TableJudge(table, swap_bias=2.0)  # the judge favours whatever it sees first by 2 points
    result = score_orca_bench(items, answers, biased, OrcaBenchConfig(order="both"))
    assert len(biased.calls) == 80
    assert all(t.student == 7.0 and t.teacher == 9.0 for t in result.turns)  # bias split evenly
    assert result.score.estimate == pytest.approx(10 * 7 / 9)


def test_unparseable_turns_are_left_out_and_counted():
    items = [_item(1, "rc"), _item(2, "rc")]

    def judge(conversation, first, second):
        if "item 2" in conversation:
            return PairScore(first=None, second=None, parse_failure=True)
        return PairScore(first=10, second=5)

    result = score_orca_bench(items, {"rec-1": ["student 1"], "rec-2": ["student 2"]}, judge,
                              OrcaBenchConfig(order="teacher_first"))
    assert result.judge_parse_failures == 1 and result.n_items == 1
    assert result.score.estimate == pytest.approx(5.0)
    assert result.turns[1].parse_failure and result.turns[1].student is None


def test_teacher_relative_judge_on_a_dummy_lm(judge_factory, student_factory):
    import dspy

    lm = judge_factory([{"explanation": "first better", "score_1": 9, "score_2": 6},
                        {"explanation": "oops", "score_1": 14, "score_2": 3}])
    judge = TeacherRelativeJudge(lm, dspy.JSONAdapter())
    items = [_item(1, "rc"), _item(2, "rc")]
    student = student_factory({"item 1": "student one", "item 2": "student two"})
    result = run_orca_bench(items, student, judge, config=OrcaBenchConfig(order="teacher_first"))
    assert result.turns[0].teacher == 9 and result.turns[0].student == 6
    assert result.turns[1].parse_failure  # 14 is off the 0-10 scale: a parse failure, not a score
    assert result.score.estimate == pytest.approx(10 * 6 / 9)
    assert result.student == student.name and result.settings == GenerationSettings()


def test_build_heldout_is_seeded_per_skill_and_order_independent():
    records = [{"id": f"r{i}", "skill": "rc" if i % 3 else "math", "subcategory": "x", "messages": []}
               for i in range(30)]
    chosen = build_heldout(records, per_skill=4, seed=11)
    assert len(chosen) == 8
    assert chosen == build_heldout(list(reversed(records)), per_skill=4, seed=11)
    assert chosen != build_heldout(records, per_skill=4, seed=12)
    skills = {r["id"]: r["skill"] for r in records}
    assert sorted(skills[i] for i in chosen) == ["math"] * 4 + ["rc"] * 4
    # a skill with too few records gives all of them
    assert len(build_heldout(records[:5], per_skill=4, seed=0)) == 4 + 1
    # a custom grouping splits a skill
    split = build_heldout(records, per_skill=2, seed=0, group_by=lambda r: f"{r['skill']}:{int(r['id'][1:]) % 2}")
    assert len(split) == 8


def test_orca_item_from_a_generated_record():
    record = {"id": "rec-9", "skill": "odqa", "subcategory": "seed", "messages": _item(9, "odqa").messages,
              "lineage": {"seed_id": "s"}, "scores": {"judge": 8}, "metadata": {}}
    item = OrcaItem.from_record(record)
    assert (item.id, item.skill, item.subcategory, len(turn_prompts(item))) == ("rec-9", "odqa", "seed", 1)


def test_a_teacher_rated_zero_everywhere_leaves_the_score_undefined():
    items = [_item(1, "rc"), _item(2, "rc")]
    result = score_orca_bench(items, {"rec-1": ["student 1"], "rec-2": ["student 2"]},
                              lambda c, first, second: PairScore(first=0, second=3),
                              OrcaBenchConfig(order="teacher_first"))
    assert result.score is None and result.per_skill == {} and [t.student for t in result.turns] == [3, 3]


def test_a_judge_whose_every_rating_fails_to_parse_gives_no_score_and_says_so():
    items = [_item(1, "rc"), _item(2, "math")]

    def judge(conversation, first, second):
        return PairScore(first=None, second=None, parse_failure=True)

    result = score_orca_bench(items, {"rec-1": ["student 1"], "rec-2": ["student 2"]}, judge)
    assert result.score is None and result.per_skill == {} and result.n_items == 0
    assert result.judge_parse_failures == 2 and all(t.parse_failure for t in result.turns)
