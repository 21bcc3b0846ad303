"""The evaluation job and its report data: several students, several benchmarks, paired comparisons."""

from __future__ import annotations

import json

import pytest

from eval.harness import HarnessConfig
from eval.job import EvalJobConfig, read_item_texts, read_student_reports, run_job
from eval.report import build_report, load_students
from eval.stats import paired_bootstrap
from eval.students.build import StudentInfo

GSM8K_A = {"baker": "The answer is 7.", "notebooks": "#### 15", "tulips": "#### 1000", "tank": "no idea"}
GSM8K_B = {"baker": "The answer is 7.", "notebooks": "#### 14", "tulips": "#### 1000", "tank": "The answer is 45"}


def _job(fixture_paths, **kw) -> EvalJobConfig:
    return EvalJobConfig(benchmarks={"gsm8k": str(fixture_paths["gsm8k"]), "mmlu": str(fixture_paths["mmlu"])},
                         harness=HarnessConfig(n_boot=500, seed=3), llm_extraction=False, **kw)


def _students(student_factory):
    a = student_factory({**GSM8K_A, "": "The answer is (B)."}, name="base")
    b = student_factory({**GSM8K_B, "": "The answer is (A)."}, name="tuned")
    return [(StudentInfo(name=s.name, kind="model", source="dummy"), s) for s in (a, b)]


def test_job_writes_one_report_per_student_and_the_item_texts(fixture_paths, student_factory, tmp_path):
    seen = []
    run = run_job(_students(student_factory), _job(fixture_paths), tmp_path,
                  on_result=lambda s, b, r: seen.append((s, b)))
    assert seen == [("base", "gsm8k"), ("base", "mmlu"), ("tuned", "gsm8k"), ("tuned", "mmlu")]
    reports = {r.student.name: r for r in read_student_reports(tmp_path)}
    assert reports["base"].benchmarks["gsm8k"].score.estimate == pytest.approx(0.5)
    assert reports["tuned"].benchmarks["gsm8k"].score.estimate == pytest.approx(1.0)
    assert reports["base"].settings == run.config.harness.settings  # generation settings recorded
    texts = read_item_texts(tmp_path)
    assert "baker" in texts["gsm8k"]["gsm8k_test-1"]["turns"][0] and texts["gsm8k"]["gsm8k_test-1"]["reference"] == "7"
    saved = json.loads((tmp_path / "evaluation.json").read_text())
    assert [s["student"]["name"] for s in saved["students"]] == ["base", "tuned"]


def test_report_pairs_students_on_common_items_and_breaks_down_categories(fixture_paths, student_factory, tmp_path):
    run_job(_students(student_factory), _job(fixture_paths), tmp_path)
    report = build_report(load_students([tmp_path]), n_boot=500, seed=3)
    gsm = report.row("gsm8k")
    assert set(gsm.cells) == {"base", "tuned"} and gsm.cells["base"].misses == 1
    c = report.comparison("gsm8k", "tuned", "base")
    # item scores: base 1,0,1,0 (a miss) ; tuned 1,1,1,1 -> the paired bootstrap of tuned - base
    expected = paired_bootstrap([1, 1, 1, 1], [1, 0, 1, 0], n_boot=500, seed=3)
    assert c.paired == expected and c.paired.difference.estimate == pytest.approx(0.5)
    mmlu = report.row("mmlu")
    assert set(mmlu.cells["base"].per_category) == {"astronomy", "college_chemistry"}


def test_report_names_students_met_twice_by_their_directory(fixture_paths, student_factory, tmp_path):
    students = _students(student_factory)[:1]
    run_job(students, _job(fixture_paths), tmp_path / "one")
    run_job(students, _job(fixture_paths), tmp_path / "two")
    loaded = load_students([tmp_path / "one", tmp_path / "two"])
    assert [s.name for s in loaded] == ["base", "base (two)"]
    report = build_report(loaded, n_boot=200)
    assert report.comparison("gsm8k", "base (two)", "base").paired.difference.estimate == 0.0


def test_judged_benchmarks_and_the_llm_fallback_need_a_judge(fixture_paths):
    assert not _job(fixture_paths).needs_judge()
    assert EvalJobConfig(benchmarks={"gsm8k": "x"}).needs_judge()  # the Appendix B fallback
    assert EvalJobConfig(benchmarks={"mt_bench": "x"}, llm_extraction=False).needs_judge()
    assert EvalJobConfig(orca_bench="dir", llm_extraction=False).needs_judge()


def test_a_missing_results_directory_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="eval run"):
        read_student_reports(tmp_path)


def test_the_evaluation_section_sets_generation_statistics_and_orca_order():
    from core.config import EvaluationConfig

    ev = EvaluationConfig(benchmarks={"gsm8k": "g.jsonl"}, max_new_tokens=64, temperature=0.5, batch_size=4, seed=9,
                          n_boot=300, audit_rate=0.25, orca_order="both", limit=7)
    job = EvalJobConfig.from_evaluation(ev, orca_bench="o")
    s = job.harness.settings
    assert (s.max_new_tokens, s.temperature, s.batch_size, s.seed) == (64, 0.5, 4, 9)
    assert (job.harness.n_boot, job.harness.audit.rate, job.orca.order, job.orca.n_boot, job.limit) == (
        300, 0.25, "both", 300, 7)
    assert EvalJobConfig.from_evaluation(ev, benchmarks={}).benchmarks == {}  # an explicit list replaces it
    assert (job.backend, job.ray_address, job.ray_workers) == ("local", None, 1)
    ray = EvalJobConfig.from_evaluation(EvaluationConfig(backend="ray", ray_address="auto", ray_workers=3))
    assert (ray.backend, ray.ray_address, ray.ray_workers) == ("ray", "auto", 3)  # the YAML section says where
