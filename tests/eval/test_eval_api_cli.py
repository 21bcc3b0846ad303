"""``agentinstruct.evaluate`` and ``agentinstruct eval run|orca-bench|report``: the same jobs, typed results,
the report written; Orca-Bench ids refused by SFT data loading."""

from __future__ import annotations

import json

import dspy
import pytest
from typer.testing import CliRunner

import agentinstruct
from agentinstruct.cli import app
from agentinstruct.evaluation import build_orca_bench, evaluate
from eval.orca_build import ODQA

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("evaluation:\n  llm_extraction: false\n  n_boot: 200\n  max_new_tokens: 6\n  batch_size: 2\n")
    return path


def _run_dir(tmp_path, n=4):
    run = tmp_path / "run"
    (run / "data").mkdir(parents=True)
    records = [{"id": f"r{i}", "skill": ODQA if i % 2 else "reading_comprehension", "subcategory": "x",
                "messages": [{"role": "user", "content": f"question {i}"},
                             {"role": "assistant", "content": f"teacher answer {i}"}],
                "lineage": {"refinement_round": 0}, "scores": {}, "metadata": {}} for i in range(n)]
    (run / "data" / "shard-00000.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return run


def test_evaluate_is_exported_and_returns_typed_results(fixture_paths, student_factory, config, tmp_path):
    assert agentinstruct.evaluate is evaluate and agentinstruct.build_orca_bench is build_orca_bench
    good = student_factory({"baker": "The answer is 7.", "": f"The answer is 14. {HOSTILE}"}, name="good")
    bad = student_factory({"": "no idea"}, name="bad")
    result = evaluate([bad, good], tmp_path / "out", benchmarks={"gsm8k": str(fixture_paths["gsm8k"])},
                      config=config)
    assert result.score("good", "gsm8k").estimate == pytest.approx(0.5)
    assert result.score("bad", "gsm8k").estimate == 0.0 and result.report.row("gsm8k").cells["bad"].misses == 4
    diff = result.report.comparison("gsm8k", "good", "bad").paired.difference
    assert diff.estimate == pytest.approx(0.5) and diff.n == 4
    html = result.html_path.read_text()
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "gsm8k_test-1" in html and "regex_strict" in html and "n=4/4" in html
    assert json.loads(result.json_path.read_text())["benchmarks"][0]["benchmark"] == "gsm8k"


def test_orca_bench_is_scored_with_a_judge_and_its_ids_are_refused_by_sft(student_factory, judge_factory,
                                                                           config, tmp_path):
    run = _run_dir(tmp_path)
    built = build_orca_bench(run, tmp_path / "bench", per_skill=1, seed=0)
    assert len(built.heldout.ids) == 2
    judge = judge_factory([{"explanation": "ok", "score_1": 8, "score_2": 4}], n=2)
    result = evaluate(student_factory({"": "student answer"}, name="s"), tmp_path / "out",
                      orca_bench=tmp_path / "bench", config=config, judge=judge, adapter=dspy.JSONAdapter())
    orca = result.run.students[0].orca_bench
    assert orca.n_items == 2 and orca.answers == {i: ["student answer"] for i in built.heldout.ids}
    assert set(orca.per_skill) == {ODQA, "reading_comprehension"}
    assert result.report.row("orca_bench").cells["s"].score.estimate == pytest.approx(
        10 * sum(t.student for t in orca.turns) / sum(t.teacher for t in orca.turns))
    assert "Orca-Bench" in result.html_path.read_text()
    from sft.config import DataSource, SFTDataConfig
    from sft.data import load_sft_dataset

    ds, stats = load_sft_dataset(SFTDataConfig(sources=[DataSource(path=run)]))
    assert len(ds) == 2 and stats[0].heldout == 2
    assert not {m["content"] for row in ds for m in row["messages"]} & {f"question {i[1:]}" for i in built.heldout.ids}


def test_cli_builds_orca_bench_runs_a_checkpoint_and_reports_several_dirs(tiny_hf_dir, fixture_paths, config,
                                                                         judge_factory, monkeypatch, tmp_path):
    runner = CliRunner()
    run = _run_dir(tmp_path, n=6)
    judge = judge_factory([{"explanation": "ok", "score_1": 9, "score_2": 3}], n=4)
    monkeypatch.setattr("eval.students.build.build_lm", lambda spec, models, engines: judge)  # the config's judge
    built = runner.invoke(app, ["eval", "orca-bench", str(run), "--out", str(tmp_path / "bench"), "--per-skill", "2",
                                "--student", f"ckpt={tiny_hf_dir}", "--config", str(config)])
    assert built.exit_code == 0, built.output
    assert (run / "heldout" / "orca-bench.json").is_file() and "held out from training" in built.output
    assert "orca_bench ckpt:" in built.output and (tmp_path / "bench" / "results" / "report.html").is_file()
    for name in ("one", "two"):
        res = runner.invoke(app, ["eval", "run", f"{name}={tiny_hf_dir}", "--bench", f"mmlu={fixture_paths['mmlu']}",
                                  "--bench", f"reasoning_gym={fixture_paths['reasoning_gym']}", "--out",
                                  str(tmp_path / name), "--config", str(config), "--device", "cpu"])
        assert res.exit_code == 0, res.output
        assert (tmp_path / name / "report.html").is_file() and f"mmlu {name}:" in res.output
    saved = json.loads((tmp_path / "one" / "students" / "one.json").read_text())
    assert saved["student"]["kind"] == "hf" and saved["settings"]["max_new_tokens"] == 6
    both = runner.invoke(app, ["eval", "report", str(tmp_path / "one"), str(tmp_path / "two"), "--out",
                               str(tmp_path / "report"), "--n-boot", "100"])
    assert both.exit_code == 0, both.output
    assert "mmlu two - one: +0.0000" in both.output  # the same checkpoint, greedy: no difference
    page = (tmp_path / "report" / "report.html").read_text()
    assert page.count('id="item-mmlu-') == 5 and "reasoning_gym" in page
    bad = runner.invoke(app, ["eval", "run", "embedded", "--bench", "gsm8k", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "NAME=PATH" in bad.output
