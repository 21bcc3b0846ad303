"""The harness: batched generation, dspy.Evaluate scoring, audit agreement, intervals, saved results."""

from __future__ import annotations

import json

import pytest

from eval.benchmarks import registry
from eval.benchmarks.base import BenchItem, Benchmark
from eval.extraction.decide import AuditConfig, LLMDecision
from eval.harness import BenchmarkResult, HarnessConfig, run_benchmark
from eval.scoring.context import ScoringContext
from eval.students import GenerationSettings

REPLIES = {"baker": "The answer is 7.", "notebooks": "#### 15", "tulips": "#### 1000", "tank": "45 litres"}


def test_generation_is_one_batched_call_per_turn(fixture_paths):
    calls = []

    class Batch:
        name = "batch"

        def generate(self, prompts, settings):
            calls.append((len(prompts), settings.max_new_tokens))
            return ["The answer is 1."] * len(prompts)

    bench = registry.get("gsm8k")
    result = run_benchmark(bench, bench.load(fixture_paths["gsm8k"]), Batch(),
                           config=HarnessConfig(settings=GenerationSettings(max_new_tokens=64)))
    assert calls == [(4, 64)]
    assert result.student == "batch" and result.settings.max_new_tokens == 64


def test_audit_mode_runs_the_llm_on_regex_rows_and_reports_agreement(run_fixture, judge_factory):
    verdicts = [{"error_analysis": "x", "verdict": v} for v in ("Correct", "Correct", "Correct", "Incorrect")]
    _, result = run_fixture("gsm8k", REPLIES, extractor_lm=judge_factory(verdicts),
                           config=HarnessConfig(audit=AuditConfig(rate=1.0)))
    # regex: 7 right, 15 wrong (14), 1000 right, 45 right; the LLM says right, right, right, wrong
    assert [r.score for r in result.items] == [1.0, 0.0, 1.0, 1.0]
    assert [r.audit.agree for r in result.items] == [True, False, True, False]
    assert result.agreement.audited == 4 and result.agreement.rate == pytest.approx(0.5)
    assert all(r.extractor.startswith("regex") for r in result.items)


def test_scores_come_with_bootstrap_intervals_and_categories(run_fixture):
    _, result = run_fixture("gsm8k", REPLIES, config=HarnessConfig(n_boot=500, seed=4))
    assert result.score.estimate == pytest.approx(0.75) and result.score.n_boot == 500
    assert 0.0 <= result.score.low <= 0.75 <= result.score.high <= 1.0
    assert set(result.per_category) == {"all"}


def test_result_round_trips_through_json(run_fixture, tmp_path):
    _, result = run_fixture("gsm8k", REPLIES)
    path = result.save(tmp_path / "gsm8k.json")
    again = BenchmarkResult.model_validate(json.loads(path.read_text()))
    assert again == result


def test_threads_give_the_same_results(run_fixture):
    _, one = run_fixture("gsm8k", REPLIES)
    _, four = run_fixture("gsm8k", REPLIES, config=HarnessConfig(num_threads=4))
    assert [r.model_dump() for r in one.items] == [r.model_dump() for r in four.items]


def test_a_scorer_that_raises_is_a_recorded_scoring_error(student_factory):
    def compare(extracted, item):
        if item.id == "b":
            raise RuntimeError("boom")
        return 1.0

    bench = Benchmark(name="flaky", kind="math", load=lambda p: [], render=lambda it: [it.prompt],
                      extract=lambda resp, it: registry.get("gsm8k").extract(resp, it), compare=compare)
    items = [BenchItem(id=i, prompt=f"question {i}", reference="1") for i in "abc"]
    result = run_benchmark(bench, items, student_factory({"question": "The answer is 1"}))
    assert result.scoring_errors == 1 and result.n_scored == 2
    assert next(r for r in result.items if r.id == "b").miss_reason == "scoring_error"


def test_a_ready_made_context_replaces_the_lms(run_fixture):
    seen = []

    def fallback(item, response):
        seen.append(item.id)
        return LLMDecision(correct=True)

    _, result = run_fixture("gsm8k", {**REPLIES, "tank": "no idea"},
                            context=ScoringContext(fallbacks={"math": fallback}))
    assert seen == ["gsm8k_test-4"] and result.extractor_counts["llm"] == 1


def test_benchmark_declaration_requires_one_way_to_score():
    with pytest.raises(ValueError):
        Benchmark(name="x", kind="mcq", load=lambda p: [], render=lambda it: [])
