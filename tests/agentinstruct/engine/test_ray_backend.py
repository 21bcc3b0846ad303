"""The same work units on a local Ray instance give the same records as the local engine."""

from pathlib import Path

import pytest
import yaml
from mock_runs import run_records as _records

from agentinstruct import generate
from agentinstruct.testing.mock_openai import MockOpenAIServer

ray = pytest.importorskip("ray", reason="Ray is optional: pip install 'agentinstruct[ray]'")

ROOT = Path(__file__).resolve().parents[3]



@pytest.mark.slow
def test_ray_backend_writes_the_same_records_as_the_local_engine(tmp_path, monkeypatch, local_ray):
    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(8):
        (seeds / f"doc{i}.txt").write_text(
            f"Entry {i}. The orchard at Hallow Fen grew {40 + i} kinds of apple in {1900 + i}; its cider press "
            "ran from September to the first frost, and the village sold the surplus at Ely market.\n")
    with MockOpenAIServer(latency_s=0.01, max_seconds=240) as server:
        config = tmp_path / "config.yaml"
        config.write_text(yaml.safe_dump({
            "models": {"default": {"model": "openai/mock-model", "api_key_env": "MOCK_API_KEY",
                                   "api_base": server.url}},
            "cache": {"enabled": False},  # both runs really call the endpoint
            "quality": {"dedup": False},
            "judging": {"enabled": False},  # the mock answers random words: this test is about the engine
            "generation": {"concurrency": 4, "instruction_types_per_passage": 2, "refinement_rounds": 1,
                           "refinement_suggestions": 1, "skills": ["reading_comprehension", "text_modification"],
                           "ray_workers": 2},
        }))
        local = generate(seeds, tmp_path / "local", config=config, compiled_dir=None)
        local_requests = server.stats.requests
        on_ray = generate(seeds, tmp_path / "ray", config=config, compiled_dir=None, backend="ray")
        ray_requests = server.stats.requests - local_requests
    assert local.records_written > 0 and local.units_incomplete == 0
    assert on_ray.records_written == local.records_written and on_ray.units_incomplete == 0
    got, want = _records(tmp_path / "ray"), _records(tmp_path / "local")
    assert [r["id"] for r in got] == [r["id"] for r in want]
    assert [r["messages"] for r in got] == [r["messages"] for r in want]
    assert got == want  # lineage and metadata too
    assert ray_requests == local_requests
    assert on_ray.llm_calls == local.llm_calls  # usage came back from the workers
    assert on_ray.usage_by_role.keys() == local.usage_by_role.keys()
    resumed = generate(None, tmp_path / "ray", resume=True, compiled_dir=None, backend="ray")
    assert resumed.usage_this_invocation.calls == 0 and resumed.units_skipped == on_ray.units_done + on_ray.units_failed
