"""The multiple-choice benchmarks, each loaded from its fixture and scored end to end by a scripted student."""

from __future__ import annotations

import pytest

from eval.benchmarks import registry


def test_registry_discovers_every_benchmark_module():
    assert set(registry.names()) >= {"mmlu", "arc", "agieval", "gpqa", "gsm8k", "bbh", "drop", "ifeval",
                                     "mt_bench", "fofo", "reasoning_gym"}
    kinds = {n: registry.get(n).kind for n in registry.names()}
    assert kinds["mmlu"] == "mcq" and kinds["gsm8k"] == "math" and kinds["drop"] == "span"
    assert kinds["ifeval"] == "ifeval" and kinds["mt_bench"] == "judged" and kinds["reasoning_gym"] == "procedural"
    with pytest.raises(registry.UnknownBenchmarkError):
        registry.get("no-such-benchmark")


def test_mmlu_reads_csv_and_jsonl_layouts(run_fixture):
    items, result = run_fixture("mmlu", {
        "shortest year": "Mercury is closest to the Sun. The answer is (A).",
        "sunlight": "Answer: C",
        "orbit": "I am not sure.",
        "pH": "(C) 7",
        "air we breathe": "B",
    })
    assert [i.category for i in items] == ["astronomy"] * 3 + ["college_chemistry"] * 2
    assert [i.reference for i in items] == ["A", "B", "C", "C", "B"]
    assert result.score.estimate == pytest.approx(3 / 5) and result.n_items == 5
    assert result.extractor_counts == {"regex_strict": 3, "regex_flexible": 1, "miss": 1}
    assert result.misses == 1 and result.per_category["college_chemistry"].estimate == 1.0
    rendered = registry.get("mmlu").render(items[0])[0]
    assert "\n(B) Venus\n" in rendered and rendered.endswith('End your answer with "The answer is (X)".')


def test_arc_reads_both_layouts_and_relabels_digit_options(run_fixture):
    items, result = run_fixture("arc", {
        "ice cube": "The answer is (A)", "mass of a small stone": "Answer: B", "Green plants": "(D)",
        "pumps blood": "B", "steam": "Steam is a gas",
    })
    by_id = {i.id: i for i in items}
    assert by_id["fixture_arc_c2"].reference == "B" and by_id["fixture_arc_c2"].choices[1] == "a balance"
    assert {i.category for i in items} == {"ARC-Challenge", "ARC-Easy"}
    assert result.score.estimate == pytest.approx(4 / 5)


def test_agieval_multi_answer_rows_go_to_the_llm_extractor(run_fixture, judge_factory):
    extractor = judge_factory([{"parsed_answer": ["A", "C"]}])
    items, result = run_fixture("agieval", {
        "residents' objection": "The answer is (B)", "critics' complaint": "(A)", "3x + 5": "Answer: B",
        "prime numbers": "Both 2 and 11 are prime.",
    }, extractor_lm=extractor)
    assert len(items) == 4  # the cloze row of math.jsonl is skipped
    assert items[0].prompt.startswith("The town council") and "residents' objection" in items[0].prompt
    assert items[3].reference == "AC"
    rows = {r.id: r for r in result.items}
    assert rows["sat-math-2"].extractor == "llm" and rows["sat-math-2"].score == 1.0
    assert result.score.estimate == pytest.approx(3 / 4)
    assert result.extractor_counts == {"regex_strict": 3, "llm": 1}  # a lone "(A)" counts as strict


def test_gpqa_shuffles_options_deterministically(run_fixture, fixture_paths):
    gpqa = registry.get("gpqa")
    first, again = gpqa.load(fixture_paths["gpqa"]), gpqa.load(fixture_paths["gpqa"])
    assert [i.choices for i in first] == [i.choices for i in again]
    for item in first:
        assert item.choices["ABCD".index(item.reference)] in {"neutron", "glucose", "sodium"}
    wrong = "ABCD"[("ABCD".index(first[2].reference) + 1) % 4]
    _, result = run_fixture("gpqa", {
        "electric charge": f"The answer is ({first[0].reference})",
        "photosynthesis": f"Answer: {first[1].reference}",
        "symbol Na": f"The answer is ({wrong})",
    })
    assert result.score.estimate == pytest.approx(2 / 3)
    assert set(result.per_category) == {"Physics", "Biology", "Chemistry"}
