"""Runs against the OpenAI-compatible mock server: SIGKILL at random moments, SIGTERM, injected faults."""

import json
import os
import random
import signal
import time
from pathlib import Path

import pytest
from mock_runs import cli as _cli
from mock_runs import mock_config, resume_to_completion
from mock_runs import run_records as _records
from mock_runs import write_seeds as _seeds

from agentinstruct import generate
from agentinstruct.testing.mock_openai import Faults, MockOpenAIServer

CONCURRENCY = 4


def _config(root: Path, url: str, name: str = "config.yaml") -> Path:
    return mock_config(root, url, name, concurrency=CONCURRENCY)


@pytest.fixture
def env(tmp_path):
    env = dict(os.environ, MOCK_API_KEY="mock-key", AGENTINSTRUCT_CACHE=str(tmp_path / "cache"))
    return env


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_equals_an_uninterrupted_run(tmp_path, env, monkeypatch):
    seeds = _seeds(tmp_path, 24)  # long enough to be killed at least twice (10 seeds once finished after 1 kill)
    with MockOpenAIServer(latency_s=0.05, max_seconds=300) as server:
        config = _config(tmp_path, server.url)
        # The reference: an uninterrupted run with its own cache.
        monkeypatch.setenv("MOCK_API_KEY", "mock-key")
        monkeypatch.setenv("AGENTINSTRUCT_CACHE", str(tmp_path / "ref-cache"))
        reference = generate(seeds, tmp_path / "ref", config=config, compiled_dir=None)
        reference_calls = server.stats.requests
        assert reference.records_written > 0 and reference.units_incomplete == 0

        run = tmp_path / "run"
        rng = random.Random(1234)
        kills = 0
        log = tmp_path / "cli.log"
        proc = _cli("generate", "--seeds", str(seeds), "--config", str(config), "--out", str(run), env=env,
                    log=log)
        before = server.stats.requests
        while True:
            # Kill only once this process is calling the model (its start-up imports take seconds).
            started = server.stats.requests
            while server.stats.requests == started and proc.poll() is None:
                time.sleep(0.02)
            deadline = time.monotonic() + rng.uniform(0.1, 1.5)
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.02)
            if proc.poll() is not None:
                break
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            proc = _cli("generate", "--resume", str(run), env=env, log=log)
        output = log.read_text()
        assert proc.returncode == 0, output
        spent = server.stats.requests - before
    assert kills >= 2, "the run finished before it could be killed twice; make it longer"
    got, want = _records(run), _records(tmp_path / "ref")
    assert [r["id"] for r in got] == [r["id"] for r in want]  # 0 lost, 0 duplicated
    assert got == want  # record for record
    assert spent - reference_calls <= kills * CONCURRENCY * 6  # at most the calls in flight, per unit stage


@pytest.mark.slow
def test_sigterm_stops_quickly_and_resumably(tmp_path, env):
    seeds = _seeds(tmp_path, n=16)
    with MockOpenAIServer(latency_s=0.1, max_seconds=300) as server:
        config = _config(tmp_path, server.url)
        run = tmp_path / "run"
        log = tmp_path / "cli.log"
        proc = _cli("generate", "--seeds", str(seeds), "--config", str(config), "--out", str(run), env=env,
                    log=log)
        while server.stats.requests < 10 and proc.poll() is None:  # past start-up, generating
            time.sleep(0.05)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        took = time.monotonic() - sent
        output = log.read_text()
        assert proc.returncode == 143, output  # stopped early by SIGTERM: resumable (README "Exit codes")
        assert "stopped early: SIGTERM" in output
        assert took < 10
        resume_to_completion(run, env, log)


@pytest.mark.slow
def test_rate_limits_and_malformed_outputs_end_in_terminal_states(tmp_path, monkeypatch):
    seeds = _seeds(tmp_path, n=8)
    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    faults = Faults(rate_limit=0.20, malformed=0.05, retry_after_s=0.05, fail_attempts=2)
    with MockOpenAIServer(latency_s=0.02, faults=faults, max_seconds=300) as server:
        summary = generate(seeds, tmp_path / "run", config=_config(tmp_path, server.url), compiled_dir=None)
        assert server.stats.by_status[429] > 0 and server.stats.faults["malformed"] > 0
    assert summary.units_incomplete == 0 and summary.stopped_early is None
    assert summary.records_written > 0
    failures = [json.loads(line) for line in (tmp_path / "run/failures.jsonl").open()]
    # 429s were retried away; cut answers are refused by the middleware and asked again (strict JSON under the
    # JSONAdapter even where no schema is sent), so any that remain are parse failures
    assert {f["reason"] for f in failures} <= {"parse"} and summary.malformed_answers > 0
    assert summary.failures_by_reason == ({"parse": len(failures)} if failures else {})
