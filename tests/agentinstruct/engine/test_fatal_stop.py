"""Authentication and quota errors stop a run within the wave of calls in flight, resumably."""

import json
from pathlib import Path

import pytest
from mock_runs import mock_config
from mock_runs import write_seeds as _seeds

from agentinstruct import generate
from agentinstruct.testing.mock_openai import Faults, MockOpenAIServer

CONCURRENCY = 4
GOOD_REQUESTS = 10


def _config(root: Path, url: str) -> Path:
    return mock_config(root, url, num_retries=3, concurrency=CONCURRENCY, instruction_types_per_passage=1,
                       refinement_rounds=0)


@pytest.mark.parametrize("fault", ["auth_after", "quota_after"])
def test_auth_or_quota_error_stops_within_one_wave_and_the_run_resumes(tmp_path, monkeypatch, fault):
    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    monkeypatch.setenv("AGENTINSTRUCT_CACHE", str(tmp_path / "cache"))  # no answers from another test
    seeds = _seeds(tmp_path, 16)
    faults = Faults(**{fault: GOOD_REQUESTS})
    with MockOpenAIServer(latency_s=0.05, faults=faults, max_seconds=120) as server:
        config = _config(tmp_path, server.url)
        cut = generate(seeds, tmp_path / "run", config=config, compiled_dir=None)
        # Calls in flight when the first refusal came back may still be answered; none is sent after it.
        assert server.stats.requests <= GOOD_REQUESTS + CONCURRENCY
        assert cut.stopped_early is not None and cut.stopped_early.startswith("auth")
        assert cut.units_incomplete > 0
        server.faults = Faults()  # a new key, or a topped-up account
        done = generate(None, tmp_path / "run", resume=True, compiled_dir=None)
    assert done.stopped_early is None and done.units_incomplete == 0
    ledger_units = done.units_done + done.units_failed + done.units_skipped
    assert ledger_units == 16
    ids = [json.loads(line)["id"] for p in (tmp_path / "run/data").glob("*.jsonl") for line in p.open()]
    assert len(ids) == len(set(ids)) == cut.records_written + done.records_written
