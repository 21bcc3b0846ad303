"""Provider faults against the mock server, on DSPy's native engine and on LiteLLM.

- ``Retry-After`` in both forms (delta-seconds, HTTP-date) is parsed by DSPy into ``exc.retry_after``
  (``dspy/clients/_http.py: retry_after_seconds``, ``lm15/providers/base.py: _retry_after_seconds``) and
  honoured up to ``max_retry_after_s``; a day, or a date years ahead, waits the cap;
- a 200 with an empty ``choices`` list, and a 200 whose body is not JSON, are transient: retried, then fine;
- the same non-retryable error (400 invalid parameter, 404 model not found) in unit after unit stops the
  run once (``provider_fatal``), resumably, with exit code 5 and one line, no traceback.
"""

from __future__ import annotations

import email.utils
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # offline: LiteLLM's bundled prices, no fetch

from agentinstruct import generate
from agentinstruct.cli_commands.errors import EXIT_PROVIDER, run_exit_code
from agentinstruct.engine.fault_watch import FATAL_SAME_ERRORS
from agentinstruct.testing.mock_openai import MockOpenAIServer, Scripted
from core.lm.limited_lm import LimitedLM
from core.lm.limiter import ModelLimiter

ENGINES = ("lm15", "litellm")
BAD_REQUEST = Scripted(status=400, body={"error": {"message": "Invalid parameter: 'temperature' must be <= 1",
                                                   "type": "invalid_request_error", "code": "invalid_parameter"}})
NOT_FOUND = Scripted(status=404, body={"error": {"message": "The model `mock-model` does not exist",
                                                 "type": "invalid_request_error", "code": "model_not_found"}})


def _lm(url: str, engine: str, cap: float) -> tuple[LimitedLM, list[float]]:
    lm = LimitedLM("openai/mock-model", limiter=ModelLimiter("mock", max_pause_s=cap), retries=2, api_key="k",
                   api_base=url, engine=engine, max_retry_after_s=cap, cache=False)
    waits: list[float] = []
    lm._wait = waits.append  # record the waits instead of sleeping them
    return lm, waits


def _first(reply):
    return lambda body, n: (reply() if callable(reply) else reply) if n == 1 else None


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("form", ["seconds", "http_date"])
def test_retry_after_in_both_forms_is_honoured_and_capped(engine, form):
    def header(seconds: float) -> str:
        return str(int(seconds)) if form == "seconds" else email.utils.formatdate(time.time() + seconds, usegmt=True)

    for seconds, cap, expected in ((2, 100.0, (0.9, 2.6)), (86_400 * 365, 0.5, (0.5, 0.5))):
        reply = lambda s=seconds: Scripted(status=429, body={"error": {"message": "slow down"}},  # noqa: E731
                                           headers={"Retry-After": header(s)})
        with MockOpenAIServer(latency_s=0.0, script=_first(reply)) as server:
            lm, waits = _lm(server.url, engine, cap)
            assert lm("When does the ferry sail?")
            assert server.stats.requests == 2
        low, high = expected
        assert len(waits) == 1 and low <= waits[0] <= high + 0.01, waits


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fault", ["empty_choices", "not_json"])
def test_an_empty_or_unparseable_200_is_transient(engine, fault):
    reply = Scripted(choices=False) if fault == "empty_choices" else Scripted(body="<html>502 Bad Gateway</html>")
    with MockOpenAIServer(latency_s=0.0, script=_first(reply)) as server:
        lm, waits = _lm(server.url, engine, 10.0)
        answer = lm("When does the ferry sail?")
        assert answer and answer[0].strip()  # the retry's answer, not an empty one
        assert server.stats.requests == 2 and len(waits) == 1


def _seeds(tmp_path: Path, n: int = 8) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(n):
        (seeds / f"s{i}.txt").write_text(f"Note {i}: the ferry to Skerry Holm sails at {6 + i} o'clock, and the "
                                         "lighthouse keeper logs every ship that passes the point each night.\n")
    return seeds


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({
        "models": {"default": {"model": "openai/mock-model", "api_key_env": "MOCK_API_KEY", "api_base": url,
                               "num_retries": 1, "timeout_s": 5}},
        "quality": {"dedup": False, "decontaminate": False}, "judging": {"enabled": False},
        "generation": {"instruction_types_per_passage": 1, "refinement_rounds": 0, "concurrency": 1},
    }))
    return path


def test_the_same_400_in_unit_after_unit_stops_the_run_once(tmp_path, monkeypatch):
    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    with MockOpenAIServer(latency_s=0.0, script=lambda body, n: BAD_REQUEST) as server:
        summary = generate(_seeds(tmp_path), tmp_path / "run", config=_config(tmp_path, server.url),
                           compiled_dir=None)
    assert summary.stopped_early and summary.stopped_early.startswith("provider_fatal")
    assert "Invalid parameter" in summary.stopped_early
    assert FATAL_SAME_ERRORS <= summary.units_failed <= FATAL_SAME_ERRORS + 2  # + the units already in flight
    assert summary.failures_by_reason == {"invalid_request": summary.units_failed}
    assert run_exit_code(summary, 0.5)[0] == EXIT_PROVIDER
    assert summary.seeds_loaded < 8  # the rest of the seeds were never started: resumable once fixed


def test_a_404_model_stops_the_cli_with_exit_5_and_one_line(tmp_path):
    env = dict(os.environ, MOCK_API_KEY="mock-key", AGENTINSTRUCT_CACHE=str(tmp_path / "cache"))
    with MockOpenAIServer(latency_s=0.0, script=lambda body, n: NOT_FOUND) as server:
        proc = subprocess.run([sys.executable, "-m", "agentinstruct.cli", "generate", "--seeds",
                               str(_seeds(tmp_path)), "--config", str(_config(tmp_path, server.url)), "--out",
                               str(tmp_path / "run")], env=env, capture_output=True, text=True, timeout=120)
    output = proc.stdout + proc.stderr
    assert proc.returncode == EXIT_PROVIDER, output
    assert "Traceback" not in output
    assert "does not exist" in output and "provider_fatal" in output
    summary = json.loads((tmp_path / "run/summary.json").read_text())
    assert set(summary["failures_by_reason"]) == {"invalid_request"}
    assert summary["units_failed"] < 8  # stopped, not every unit failed one by one
