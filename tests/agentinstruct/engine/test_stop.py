"""A stop (SIGTERM) interrupts units in flight at their next LLM call; resume redoes them from the cache."""

import json
import os
import signal
import time

import pytest
from mock_runs import cli, mock_config, resume_to_completion, write_seeds

from agentinstruct.engine.driver import StopFlag, StopRequested
from agentinstruct.testing.mock_openai import MockOpenAIServer
from core.flow.failures import FATAL_REASONS, classify


def test_stop_flag_raises_once_set():
    flag = StopFlag()
    flag.check()  # not set: nothing happens
    flag.set("SIGTERM")
    flag.set("later reasons do not overwrite the first")
    assert flag.reason == "SIGTERM"
    try:
        flag.check()
    except StopRequested as exc:
        assert classify(exc) == "stopped" and "stopped" in FATAL_REASONS
    else:
        raise AssertionError("check() did not raise once the flag was set")


CONCURRENCY = 4


@pytest.fixture
def env(tmp_path):
    return dict(os.environ, MOCK_API_KEY="mock-key", AGENTINSTRUCT_CACHE=str(tmp_path / "cache"))


def test_sigterm_does_not_wait_for_slow_units(tmp_path, env):
    """With 1 s per call a unit needs ~8 s; the stop lands within about one call, not one unit."""
    seeds = write_seeds(tmp_path, n=4)
    with MockOpenAIServer(latency_s=1.0, max_seconds=120) as server:
        config = mock_config(tmp_path, server.url, concurrency=CONCURRENCY)
        run, log = tmp_path / "run", tmp_path / "cli.log"
        proc = cli("generate", "--seeds", str(seeds), "--config", str(config), "--out", str(run), env=env,
                    log=log)
        while server.stats.requests < CONCURRENCY + 1 and proc.poll() is None:  # units are mid-way
            time.sleep(0.05)
        at_signal = server.stats.requests
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        took = time.monotonic() - sent
        output = log.read_text()
        assert proc.returncode == 143, output  # SIGTERM: stopped, resumable (README "Exit codes")
        assert took < 4.0, f"stop took {took:.1f}s"
        assert server.stats.requests - at_signal <= CONCURRENCY  # at most the wave already in flight
        summary = json.loads((run / "summary.json").read_text())
        assert summary["units_incomplete"] >= 1 and summary["stopped_early"] == "SIGTERM"
        resume_to_completion(run, env, log)
