"""Throughput under faults, end to end against the mock server on the structured-output path.

A 20% storm of 429s without ``Retry-After`` completes every unit; 10% of answers cut mid-JSON complete
every unit by asking again, no cut answer becomes a record, and none is served from the cache on a rerun.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from agentinstruct import generate
from agentinstruct.testing.mock_openai import Faults, MockOpenAIServer

MODEL = "openai/gpt-4o-mini"  # a name DSPy's catalog knows: requests carry a JSON schema


def _seeds(tmp_path: Path, n: int) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(n):
        (seeds / f"s{i:03d}.txt").write_text(f"Note {i}: the ferry to Skerry Holm sails at {6 + i % 12} o'clock.\n")
    return seeds


def _config(tmp_path: Path, url: str, cache: bool = False) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "models": {"default": {"model": MODEL, "api_key_env": "MOCK_API_KEY", "api_base": url,
                               "num_retries": 0}},  # other errors get no retry: what completes is 429 policy
        "cache": {"enabled": cache, "dir": str(tmp_path / "cache")},
        "quality": {"dedup": False, "decontaminate": False},
        "judging": {"enabled": False},
        "generation": {"concurrency": 8, "instruction_types_per_passage": 1, "refinement_rounds": 0},
    }))
    return config


def test_a_storm_of_429s_completes_every_unit(tmp_path, monkeypatch):
    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    faults = Faults(rate_limit=0.2, retry_after_s=None, fail_attempts=2)
    with MockOpenAIServer(latency_s=0.01, faults=faults, max_seconds=120) as server:
        summary = generate(_seeds(tmp_path, 24), tmp_path / "run", config=_config(tmp_path, server.url),
                           compiled_dir=None)
        assert server.stats.by_status[429] > 5
    assert summary.units_done == 24 and summary.units_failed == 0
    assert summary.failures_by_reason.get("rate_limit", 0) == 0


def test_cut_answers_are_asked_again_never_written_and_never_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    faults = Faults(malformed=0.1, fail_attempts=1)
    with MockOpenAIServer(latency_s=0.005, faults=faults, max_seconds=120) as server:
        config, seeds = _config(tmp_path, server.url, cache=True), _seeds(tmp_path, 30)
        summary = generate(seeds, tmp_path / "run", config=config, compiled_dir=None)
        cut = server.stats.faults["malformed"]
        assert cut > 0
        assert summary.units_done == 30 and summary.failures_by_reason.get("parse", 0) == 0
        assert summary.malformed_answers == cut  # each cut answer was refused by the middleware and re-asked
        # the cut answers were the mock's first attempt at those requests; the records hold the second
        records = [json.loads(line) for p in (tmp_path / "run/data").glob("*.jsonl") for line in p.open()]
        assert records and all(m["content"].strip() for r in records for m in r["messages"])
        # a rerun from the same cache sends nothing: every cached answer is a good one
        before = server.stats.requests
        again = generate(seeds, tmp_path / "run2", config=config, compiled_dir=None)
        assert server.stats.requests == before
        assert again.units_done == 30 and again.records_written == summary.records_written
