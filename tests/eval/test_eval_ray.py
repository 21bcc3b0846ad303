"""An evaluation job on a local Ray instance gives the same results, files and report as the local job. The
students are models on the mock OpenAI server (Ray workers build students from the config, so DummyLM
students cannot stand in), scripted with the replies of ``test_eval_job``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentinstruct.evaluation import evaluate
from agentinstruct.testing.mock_openai import MockOpenAIServer, Scripted
from core.config import RunConfig

ray = pytest.importorskip("ray", reason="Ray is optional: pip install 'agentinstruct[ray]'")

ROOT = Path(__file__).resolve().parents[2]
REPLIES = {
    "base": {"baker": "The answer is 7.", "notebooks": "#### 15", "tulips": "#### 1000", "tank": "no idea",
             "": "The answer is (B)."},
    "tuned": {"baker": "The answer is 7.", "notebooks": "#### 14", "tulips": "#### 1000",
              "tank": "The answer is 45", "": "The answer is (A)."},
}


def _script(body: dict, number: int) -> Scripted:
    prompt = json.dumps(body["messages"])
    replies = REPLIES[body["model"]]
    return Scripted(content=next(v for k, v in replies.items() if k in prompt))



def _config(url: str) -> RunConfig:
    spec = lambda name: {"model": f"openai/{name}", "api_base": url, "api_key_env": "MOCK_API_KEY"}  # noqa: E731
    return RunConfig.model_validate({
        "cache": {"enabled": False},  # both jobs really call the endpoint
        "evaluation": {"students": {n: spec(n) for n in REPLIES}, "llm_extraction": False, "n_boot": 300,
                       "seed": 3}})


def _without_timing(path: Path) -> dict:
    data = json.loads(path.read_text())
    data.pop("elapsed_s", None)
    return data


def test_a_ray_job_gives_the_local_results_files_and_report(fixture_paths, tmp_path, monkeypatch, local_ray):
    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    benchmarks = {"gsm8k": str(fixture_paths["gsm8k"]), "mmlu": str(fixture_paths["mmlu"])}
    with MockOpenAIServer(latency_s=0.0, script=_script, max_seconds=300) as server:
        config = _config(server.url)
        local = evaluate(["base", "tuned"], tmp_path / "local", benchmarks=benchmarks, config=config)
        local_requests = server.stats.requests
        on_ray = evaluate(["base", "tuned"], tmp_path / "ray", benchmarks=benchmarks, config=config,
                          backend="ray", ray_workers=2)
        ray_requests = server.stats.requests - local_requests
    assert local.score("base", "gsm8k").estimate == pytest.approx(0.5)
    assert local.score("tuned", "gsm8k").estimate == pytest.approx(1.0)
    assert on_ray.run.config.backend == "ray" and local.run.config.backend == "local"
    for got, want in zip(on_ray.run.students, local.run.students, strict=True):
        assert got.student == want.student and got.settings == want.settings
        assert got.benchmarks == want.benchmarks  # typed BenchmarkResults, item by item
        assert got.usage == want.usage  # each pair's usage came back to the driver
        assert list(got.benchmarks) == ["gsm8k", "mmlu"]
    assert ray_requests == local_requests > 0
    assert on_ray.run.usage == local.run.usage and on_ray.run.usage["calls"] == ray_requests
    for name in ("base", "tuned"):
        assert _without_timing(tmp_path / "ray/students" / f"{name}.json") == _without_timing(
            tmp_path / "local/students" / f"{name}.json")
    for name in ("gsm8k", "mmlu"):
        assert (tmp_path / "ray/items" / f"{name}.jsonl").read_text() == (
            tmp_path / "local/items" / f"{name}.jsonl").read_text()
    assert _report(tmp_path / "ray") == _report(tmp_path / "local")


def _report(directory: Path) -> dict:
    """report.json without what differs by design: the students' directories and timings."""
    data = json.loads((directory / "report.json").read_text())
    for student in data["students"]:
        student.pop("directory")
        student.pop("elapsed_s")
    return data


def test_a_spent_budget_stops_a_ray_job_between_pairs(fixture_paths, tmp_path, monkeypatch, local_ray):
    from core.lm.accounting import BudgetExhausted

    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    benchmarks = {"gsm8k": str(fixture_paths["gsm8k"]), "mmlu": str(fixture_paths["mmlu"])}
    with MockOpenAIServer(latency_s=0.0, script=_script, max_seconds=300) as server:
        with pytest.raises(BudgetExhausted, match="call budget"):
            evaluate(["base", "tuned"], tmp_path / "out", benchmarks=benchmarks, config=_config(server.url),
                     max_calls=3, backend="ray")
        assert server.stats.requests == 4  # the first pair (sent within the budget) finished past it
    saved = json.loads((tmp_path / "out/students/base.json").read_text())
    assert list(saved["benchmarks"]) == ["gsm8k"] and saved["usage"]["calls"] == 4


def test_eval_run_backend_ray_from_the_command_line(fixture_paths, tmp_path, monkeypatch, local_ray):
    import yaml
    from typer.testing import CliRunner

    from agentinstruct.cli import app

    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    with MockOpenAIServer(latency_s=0.0, script=_script, max_seconds=300) as server:
        cfg = tmp_path / "run.yaml"
        cfg.write_text(yaml.safe_dump(_config(server.url).model_dump(mode="json", exclude_defaults=True)))
        res = CliRunner().invoke(app, ["eval", "run", "base", "--bench", f"gsm8k={fixture_paths['gsm8k']}",
                                       "--config", str(cfg), "--out", str(tmp_path / "out"), "--backend", "ray"])
        assert res.exit_code == 0, res.output
    assert "gsm8k base: 0.5000" in res.output
    assert json.loads((tmp_path / "out/evaluation.json").read_text())["config"]["backend"] == "ray"


def test_a_ray_job_refuses_student_objects(student_factory, fixture_paths, tmp_path):
    student = student_factory({"": "The answer is 7."}, name="scripted")
    with pytest.raises(ValueError, match="backend ray builds students and the judge in its workers"):
        evaluate([student], tmp_path / "out", benchmarks={"gsm8k": str(fixture_paths["gsm8k"])},
                 config=RunConfig.model_validate({"evaluation": {"llm_extraction": False}}), backend="ray")
