"""One setting: the benchmark files configured for evaluation are the ones the quality gate decontaminates
against, read by the benchmarks' own loaders (CSV, JSON and JSONL layouts alike)."""

from __future__ import annotations

from pathlib import Path

from agentinstruct.quality.gate import QualityConfig, QualityGate
from core.config import EvaluationConfig, RunConfig, load_config
from core.records import Record

FIXTURES = Path(__file__).resolve().parents[3] / "eval" / "benchmarks" / "fixtures"
MMLU_QUESTION = "Which planet in the solar system has the shortest year?"


def record(rid: str, user: str) -> Record:
    return Record(id=rid, skill="open_domain_question_answering", subcategory="factoid",
                  messages=[{"role": "user", "content": user}, {"role": "assistant", "content": "An answer."}],
                  lineage={"seed_id": "s", "seed_sha256": "0" * 64, "seed_source": "s.txt",
                           "instruction_type": "factoid", "program_hash": "h"})


def test_the_gate_checks_the_configured_benchmark_files(tmp_path):
    evaluation = EvaluationConfig(benchmarks={"mmlu": str(FIXTURES / "mmlu"),
                                              "gsm8k": str(FIXTURES / "gsm8k_test.jsonl")})
    gate = QualityGate(QualityConfig(dedup=False, eval_paths=[]), tmp_path / "run", evaluation)
    copied = record("r1", "Quiz time. A baker makes 12 loaves in the morning and 15 in the afternoon. She sells 20 "
                          "of them. How many loaves are left?")
    assert gate.check(copied) == ("contaminated", "shares a 13-gram with evaluation set 'gsm8k'")
    csv_copy = record("r2", f"Answer this: {MMLU_QUESTION}")  # MMLU's CSV layout, read by its loader
    assert gate.check(csv_copy)[0] == "contaminated"
    assert gate.check(record("r3", "How do tides depend on the phases of the moon over a month?")) is None
    assert gate.counts["contaminated"] == 2
    # without the evaluation section nothing is known about these files
    plain = QualityGate(QualityConfig(dedup=False, eval_paths=[]), tmp_path / "run2")
    assert plain.check(copied) is None


def test_the_evaluation_section_is_one_list_in_the_run_config(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(f"evaluation:\n  benchmarks:\n    gsm8k: {FIXTURES / 'gsm8k_test.jsonl'}\n  limit: 3\n"
                    "  students:\n    teacher: {model: openai/gpt-4o-mini, api_key_env: OPENAI_API_KEY}\n")
    cfg = load_config(path)
    assert cfg.evaluation.benchmarks == {"gsm8k": str(FIXTURES / "gsm8k_test.jsonl")} and cfg.evaluation.limit == 3
    assert cfg.evaluation.students["teacher"].api_key_env == "OPENAI_API_KEY"
    assert RunConfig().evaluation.benchmarks == {}
