"""GSM8K, BBH, DROP, IFEval and reasoning-gym: fixture loaded, scored end to end by a scripted student."""

from __future__ import annotations

import pytest

from eval.benchmarks import registry
from eval.benchmarks.files import BenchmarkFileError


def test_gsm8k_reference_is_the_number_after_the_hashes(run_fixture):
    items, result = run_fixture("gsm8k", {
        "baker": "27 loaves minus 20 sold. The answer is 7.",
        "notebooks": "3 * 4 + 2\n#### $14.00",
        "tulips": "4 rows of 250 gives 1,000 tulips in total",
        "tank": "I do not know how to solve this.",
    })
    assert [i.reference for i in items] == ["7", "14", "1000", "45"]
    assert "#### 1,000" in items[2].metadata["solution"]
    assert result.score.estimate == pytest.approx(3 / 4)
    assert result.extractor_counts == {"regex_strict": 2, "regex_flexible": 1, "miss": 1}
    miss = next(r for r in result.items if r.extractor is None)
    assert miss.score == 0.0 and miss.miss_reason == "no_pattern_matched"


def test_gsm8k_math_judge_decides_the_unextractable_row(run_fixture, judge_factory):
    extractor = judge_factory([{"error_analysis": "The student gives forty-five, as the setter.",
                                "verdict": "Correct"}])
    _, result = run_fixture("gsm8k", {
        "baker": "The answer is 7.", "notebooks": "#### 14", "tulips": "#### 1000", "tank": "forty-five litres",
    }, extractor_lm=extractor)
    assert result.score.estimate == 1.0 and result.extractor_counts["llm"] == 1
    assert "#### 45" in extractor.history[-1]["messages"][-1]["content"]


def test_bbh_tasks_are_categories_and_answers_match_by_type(run_fixture):
    items, result = run_fixture("bbh", {
        "not ( True": "not(False) is True. So the answer is True.",
        "True and not True": "The left side is False, and False or False gives false",
        "3 March 2021": "Tomorrow is 4 March. So the answer is (A).",
        "31 December 1999": "(C)",
        "((3 + 4)": "7 * -3. So the answer is -21.",
        "((10 - 2)": "8 * 2 makes 16",
    })
    assert {i.category for i in items} == {"boolean_expressions", "date_understanding", "multistep_arithmetic_two"}
    assert result.score.estimate == pytest.approx(5 / 6)
    assert result.per_category["date_understanding"].estimate == pytest.approx(0.5)


def test_drop_is_scored_by_span_f1(run_fixture):
    items, result = run_fixture("drop", {
        "How many touchdowns": "They scored three times. Answer: 3 touchdowns",
        "field goal": "Answer: the Otters",
        "When did the canal open": "Answer: June 4, 1822",
        "What goods": "Answer: coal",
    })
    assert items[3].reference == ["coal", "grain"] and items[3].category == "spans"
    scores = {r.id: r.score for r in result.items}
    assert scores == {"fixture-q1": 0.67, "fixture-q2": 1.0, "fixture-q3": 1.0, "fixture-q4": 0.5}
    assert result.score.estimate == pytest.approx((0.67 + 1 + 1 + 0.5) / 4)


def test_ifeval_checks_instructions_strict_and_loose(run_fixture):
    pytest.importorskip("if_verifiable")
    _, result = run_fixture("ifeval", {
        "lighthouse": "The lighthouse glows over the black sea and the boats come home.",
        "lost cat": "dear neighbour, our grey cat with long whiskers is lost. please call us.",
        "paperclip": "* hold papers\n* reset a router",
        "leaves change colour": "Leaves lose chlorophyll in autumn. Is there anything else I can help with?",
    })
    assert [r.score for r in result.items] == [1.0, 1.0, 0.0, 1.0]
    assert result.score.estimate == pytest.approx(0.75) and result.extractor_counts == {}
    assert result.extra["instruction_level_strict"] == pytest.approx(5 / 6)
    assert result.items[1].details["per_instruction"] == [
        {"id": "change_case:english_lowercase", "strict": True, "loose": True},
        {"id": "keywords:existence", "strict": True, "loose": True},
    ]


def test_ifeval_rejects_unknown_instruction_ids(tmp_path):
    pytest.importorskip("if_verifiable")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"key": 1, "prompt": "p", "instruction_id_list": ["made:up"], "kwargs": [{}]}\n')
    with pytest.raises(BenchmarkFileError, match="made:up"):
        registry.get("ifeval").load(bad)


def test_reasoning_gym_generates_offline_and_uses_its_verifiers(run_fixture, fixture_paths):
    pytest.importorskip("reasoning_gym")
    items = registry.get("reasoning_gym").load(fixture_paths["reasoning_gym"])
    assert [i.category for i in items] == ["basic_arithmetic"] * 2 + ["leg_counting"] * 2 + ["letter_counting"]
    assert items == registry.get("reasoning_gym").load(fixture_paths["reasoning_gym"])  # seeded
    replies = {items[0].prompt: f"Adding up... <answer>{items[0].reference}</answer>",
               items[1].prompt: f"<answer>{int(items[1].reference) + 1}</answer>",
               items[2].prompt: f"Counting legs.\n{items[2].reference}",
               items[3].prompt: f"<answer>{items[3].reference}</answer>",
               items[4].prompt: "no idea"}
    _, result = run_fixture("reasoning_gym", replies)
    assert [r.score for r in result.items] == [1.0, 0.0, 1.0, 1.0, 0.0]
    assert [r.extractor for r in result.items] == ["regex_strict", "regex_strict", "regex_flexible",
                                                   "regex_strict", "regex_flexible"]


def test_loaders_name_the_file_and_line_of_a_bad_row(tmp_path):
    bad = tmp_path / "test.jsonl"
    bad.write_text('{"question": "q", "answer": "no hashes here"}\n')
    with pytest.raises(BenchmarkFileError, match=r"test.jsonl:1"):
        registry.get("gsm8k").load(bad)
    with pytest.raises(BenchmarkFileError, match="not found"):
        registry.get("mmlu").load(tmp_path / "missing.csv")
