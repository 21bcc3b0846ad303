"""A fake API key set for a run is found in no file under the run, cache or log directories."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from agentinstruct.testing.mock_openai import Faults, MockOpenAIServer

KEY = "sk-fake-7f3a9c1e5b2d4086SECRET"


@pytest.mark.slow
def test_the_key_lands_in_no_run_cache_or_log_file(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(6):
        (seeds / f"doc{i}.txt").write_text(f"Log {i}: the lighthouse at Carn Point burned {i + 3} wicks a night.\n")
    run, cache, logs = tmp_path / "run", tmp_path / "cache", tmp_path / "logs"
    logs.mkdir()
    # 429s (retried, logged), malformed answers (failures.jsonl) and at last a 401 (the run stops, logged).
    faults = Faults(rate_limit=0.3, malformed=0.1, retry_after_s=0.01, auth_after=25)
    with MockOpenAIServer(latency_s=0.01, faults=faults, max_seconds=120) as server:
        config = tmp_path / "config.yaml"
        config.write_text(yaml.safe_dump({
            "models": {"default": {"model": "openai/mock-model", "api_key_env": "RUN_KEY", "api_base": server.url,
                                   "num_retries": 3}},
            "quality": {"dedup": False},
            "judging": {"enabled": False},  # the mock answers random words: this test is about the engine
            "generation": {"concurrency": 2, "instruction_types_per_passage": 1, "refinement_rounds": 1},
        }))
        env = dict(os.environ, RUN_KEY=KEY, AGENTINSTRUCT_CACHE=str(cache))
        with open(logs / "cli.log", "wb") as log:
            proc = subprocess.run([sys.executable, "-m", "agentinstruct.cli", "-v", "generate", "--seeds",
                                   str(seeds), "--config", str(config), "--out", str(run)],
                                  check=False, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=120)
        assert server.stats.faults["auth"] > 0 and server.stats.by_status[200] > 0
    text = (logs / "cli.log").read_text()
    assert proc.returncode == 5, text  # stopped by the provider on the 401: resumable (README "Exit codes")
    assert "auth" in text
    files = [p for root in (run, cache, logs) for p in Path(root).rglob("*") if p.is_file()]
    assert any(p.parent == run for p in files) and any(cache in p.parents for p in files)
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path
    assert "RUN_KEY" in (run / "config.json").read_text()  # the variable's name, never its value
