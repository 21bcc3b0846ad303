"""The judging stage runs with the unit on a Ray worker: the same scores, refusals and usage as locally."""

import json
import os
from pathlib import Path

import pytest
import yaml
from mock_runs import run_records as _records

from agentinstruct import generate
from agentinstruct.testing.mock_openai import MockOpenAIServer

ray = pytest.importorskip("ray", reason="Ray is optional: pip install 'agentinstruct[ray]'")

ROOT = Path(__file__).resolve().parents[3]


def _refusals(run: Path) -> list[dict]:
    rows = [json.loads(line) for line in (run / "failures.jsonl").read_text().splitlines()]
    return sorted((r for r in rows if r["reason"] in ("judge", "check")), key=lambda r: (r["unit_id"], r["item_key"]))


@pytest.mark.slow
def test_a_judged_run_on_ray_matches_the_local_one(tmp_path, monkeypatch):
    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(4):
        (seeds / f"doc{i}.txt").write_text(
            f"Entry {i}. The orchard at Hallow Fen grew {40 + i} kinds of apple in {1900 + i}; its cider press "
            "ran from September to the first frost, and the village sold the surplus at Ely market.\n")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}})
    try:
        with MockOpenAIServer(latency_s=0.01, max_seconds=240) as server:
            config = tmp_path / "config.yaml"
            config.write_text(yaml.safe_dump({
                "models": {"default": {"model": "openai/mock-model", "api_key_env": "MOCK_API_KEY",
                                       "api_base": server.url}},
                "cache": {"enabled": False},
                # the mock's answers are random words and random ratings: keep the ones rated 5/10 or more
                "quality": {"dedup": False, "min_score": 0.4},
                "judging": {"checks": False},
                "generation": {"concurrency": 2, "instruction_types_per_passage": 2, "refinement_rounds": 1,
                               "refinement_suggestions": 1, "ray_workers": 2},
            }))
            local = generate(seeds, tmp_path / "local", config=config, compiled_dir=None)
            on_ray = generate(seeds, tmp_path / "ray", config=config, compiled_dir=None, backend="ray")
    finally:
        ray.shutdown()
    assert local.usage_by_role["judge"].calls > 0
    assert on_ray.usage_by_role["judge"].calls == local.usage_by_role["judge"].calls
    assert _records(tmp_path / "ray") == _records(tmp_path / "local")  # scores and lineage included
    assert _refusals(tmp_path / "ray") == _refusals(tmp_path / "local")
    assert on_ray.judging == local.judging and local.judging.judged > 0
