"""``generation.batch`` end to end against the mock batch endpoint: the flow stage by stage as batches, the
discount in the summary, and a run killed while it polls, resumed with 0 completed requests sent again."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
import yaml
from mock_runs import cli, resume_to_completion, run_records, write_seeds

from agentinstruct import generate
from agentinstruct.testing.mock_batch import MockBatchServer

SEEDS = 6


def _config(root: Path, url: str, name: str, provider: str = "openai", **batch) -> Path:
    model = "openai/gpt-4o-mini" if provider == "openai" else "anthropic/claude-sonnet-4-5"
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump({
        "models": {"default": {"model": model, "api_base": url, "api_key_env": "BATCH_KEY"}},
        "cache": {"dir": str(root / f"cache-{name}")},
        "quality": {"dedup": False},
        "judging": {"enabled": False},
        "generation": {"instruction_types_per_passage": 2, "refinement_rounds": 1, "refinement_suggestions": 1,
                       "concurrency": 16,
                       "batch": {"provider": provider, "window_s": 0.3, "poll_s": 0.1, **batch}},
    }))
    return path


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("BATCH_KEY", "batch-key")


@pytest.mark.slow
@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_the_flow_runs_stage_by_stage_as_batches(tmp_path, provider):
    seeds = write_seeds(tmp_path, SEEDS)
    with MockBatchServer(batch_latency_s=0.1, error_every=5) as server:
        summary = generate(seeds, tmp_path / "run", config=_config(tmp_path, server.url, "run", provider),
                           compiled_dir=None)
    assert summary.units_incomplete == 0 and summary.units_failed == 0 and summary.records_written > 0
    calls = sum(u.calls for u in summary.usage_by_model.values())
    b = summary.batch
    assert b["answers_read"] == calls and b["failed"] == 0
    assert b["requests_sent"] == calls + b["resent"] and b["resent"] > 0  # failed lines went again, once
    # Stage by stage: the six units' transformations travel together, then their instructions, ...
    assert server.stats.batches < calls / 3
    if provider == "openai":  # priced by DSPy's catalog: half the list price
        usage = summary.usage_by_model["openai/gpt-4o-mini"]
        assert b["list_cost_usd"] > 0 and usage.cost_usd == pytest.approx(b["list_cost_usd"] * 0.5, rel=1e-3)
        assert b["discount_usd"] == pytest.approx(b["list_cost_usd"] * 0.5, rel=1e-3)
    with sqlite3.connect(tmp_path / "run/ledger.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM batches").fetchone()[0] == server.stats.batches


@pytest.mark.slow
def test_a_run_killed_while_polling_resumes_without_sending_a_request_twice(tmp_path):
    seeds = write_seeds(tmp_path, SEEDS)
    with MockBatchServer(batch_latency_s=0.2) as reference_server:  # the same run, never interrupted
        generate(seeds, tmp_path / "ref", config=_config(tmp_path, reference_server.url, "ref"), compiled_dir=None)
    env = dict(os.environ, AGENTINSTRUCT_CACHE=str(tmp_path / "cache"))
    run, log = tmp_path / "run", tmp_path / "cli.log"
    with MockBatchServer(batch_latency_s=2.0) as server:
        config = _config(tmp_path, server.url, "killed")
        proc = cli("generate", "--seeds", str(seeds), "--config", str(config), "--out", str(run), env=env, log=log)
        deadline = time.monotonic() + 120
        while server.stats.batches < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # polling the second batch (it ends 2 s after it was sent)
        assert proc.poll() is None, log.read_text()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with sqlite3.connect(run / "ledger.sqlite") as db:
            states = dict(db.execute("SELECT batch_id, state FROM batches").fetchall())
        assert "submitted" in states.values()  # a batch id committed and still open when the run died

        records = resume_to_completion(run, env, log)
        summary = json.loads((run / "summary.json").read_text())
    assert max(server.stats.submitted.values()) == 1  # 0 requests sent twice, completed or in flight
    assert summary["batch"]["resumed_batches"] >= 1
    assert records == run_records(tmp_path / "ref")  # record for record what the uninterrupted run wrote
