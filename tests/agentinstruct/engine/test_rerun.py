"""Rerunning a completed run sends no request at all (the ledger skips it, not the cache)."""

import json
from pathlib import Path

import yaml

from agentinstruct import generate
from agentinstruct.testing.mock_openai import MockOpenAIServer


def test_rerunning_a_completed_run_sends_zero_requests(tmp_path, monkeypatch):
    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(6):
        (seeds / f"doc{i}.txt").write_text(f"Note {i}: the ferry to Skerry Holm sails at {6 + i} o'clock daily.\n")
    with MockOpenAIServer(latency_s=0.01, max_seconds=120) as server:
        config = tmp_path / "config.yaml"
        config.write_text(yaml.safe_dump({
            "models": {"default": {"model": "openai/mock-model", "api_key_env": "MOCK_API_KEY",
                                   "api_base": server.url}},
            "cache": {"enabled": False},  # so that zero requests is the ledger's doing
            "quality": {"dedup": False},
            "judging": {"enabled": False},  # the mock answers random words: this test is about the engine
            "generation": {"concurrency": 4, "instruction_types_per_passage": 1, "refinement_rounds": 0},
        }))
        first = generate(seeds, tmp_path / "run", config=config, compiled_dir=None)
        sent = server.stats.requests
        records = sorted(Path(tmp_path / "run/data").glob("*.jsonl"))
        before = [p.read_bytes() for p in records]
        again = generate(None, tmp_path / "run", resume=True, compiled_dir=None)
        assert server.stats.requests == sent > 0
    assert first.units_incomplete == 0 and first.records_written > 0
    assert again.usage_this_invocation.calls == 0 and again.records_written == 0
    # usage adds up over the invocations of one run: the rerun spent nothing more
    assert again.invocations == 2 and again.llm_calls == first.llm_calls
    assert again.units_skipped == first.units_done + first.units_failed
    assert [p.read_bytes() for p in records] == before
    assert json.loads((tmp_path / "run/summary.json").read_text())["units_skipped"] == again.units_skipped
