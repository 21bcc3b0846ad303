"""Runs against the OpenAI-compatible mock server: SIGKILL at random moments, SIGTERM, injected faults."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from agentinstruct import generate
from agentinstruct.testing.mock_openai import Faults, MockOpenAIServer

CONCURRENCY = 4


def _seeds(root: Path, n: int = 10) -> Path:
    seeds = root / "seeds"
    seeds.mkdir()
    for i in range(n):
        (seeds / f"doc{i:02d}.txt").write_text(
            f"Document {i}. The river town of Aberford had {100 + i} bridges in {1800 + i}. "
            "Its mills ground wheat and barley, and its market drew traders from three valleys.\n")
    return seeds


def _config(root: Path, url: str, name: str = "config.yaml") -> Path:
    path = root / name
    path.write_text(yaml.safe_dump({
        "models": {"default": {"model": "openai/mock-model", "api_key_env": "MOCK_API_KEY", "api_base": url,
                               "num_retries": 4, "timeout_s": 5}},
        "quality": {"dedup": False},  # the mock's answers share a tiny vocabulary
        "generation": {"concurrency": CONCURRENCY, "instruction_types_per_passage": 2, "refinement_rounds": 1,
                       "refinement_suggestions": 1},
    }))
    return path


def _records(run: Path) -> list[dict]:
    rows = [json.loads(line) for p in sorted((run / "data").glob("*.jsonl")) for line in p.open()]
    return sorted(rows, key=lambda r: r["id"])


def _cli(*args: str, env: dict, log: Path) -> subprocess.Popen:
    """The CLI in a subprocess; its output goes to a file (a pipe nobody reads would block it)."""
    with open(log, "ab") as fh:
        return subprocess.Popen([sys.executable, "-m", "agentinstruct.cli", *args], env=env,
                                stdout=fh, stderr=subprocess.STDOUT)


@pytest.fixture
def env(tmp_path):
    env = dict(os.environ, MOCK_API_KEY="mock-key", AGENTINSTRUCT_CACHE=str(tmp_path / "cache"))
    return env


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_equals_an_uninterrupted_run(tmp_path, env, monkeypatch):
    seeds = _seeds(tmp_path)
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
        assert proc.returncode == 3, output  # stopped early: resumable
        assert "stopped early: SIGTERM" in output
        assert took < 10
        resumed = _cli("generate", "--resume", str(run), env=env, log=log)
        resumed.wait(timeout=120)
        assert resumed.returncode == 0, log.read_text()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["units_incomplete"] == 0
    ids = [r["id"] for r in _records(run)]
    assert len(ids) == len(set(ids)) > 0


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
    assert failures and {f["reason"] for f in failures} == {"parse"}  # 429s were retried away
    assert summary.failures_by_reason == {"parse": len(failures)}
