"""A server that refuses connections stops the run resumably (units pending, none committed as failed), and
the manifest records each role's structured-output mode."""

import json

import yaml
from mock_runs import run_records, write_seeds

from agentinstruct import generate
from agentinstruct.cli_commands.errors import EXIT_PROVIDER, run_exit_code
from agentinstruct.testing.mock_openai import MockOpenAIServer


def _config(root, url, **model):
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump({
        "models": {"default": {"model": "openai/mock-model", "api_base": url, "num_retries": 1, "timeout_s": 5,
                               **model}},
        "quality": {"dedup": False}, "judging": {"enabled": False},
        "generation": {"instruction_types_per_passage": 1, "refinement_rounds": 0, "concurrency": 2},
    }))
    return path


def test_a_refused_connection_stops_the_run_with_every_unit_pending(tmp_path):
    seeds = write_seeds(tmp_path, 4)
    summary = generate(seeds, tmp_path / "run", config=_config(tmp_path, "http://127.0.0.1:9/v1"), compiled_dir=None)
    assert summary.stopped_early and summary.stopped_early.startswith("unreachable")
    assert summary.units_failed == summary.units_done == 0 and summary.units_incomplete >= 1
    failures = (tmp_path / "run/failures.jsonl").read_text()
    assert "provider" not in failures and "unreachable" not in failures  # nothing committed as failed
    assert run_exit_code(summary, 0.5)[0] == EXIT_PROVIDER

    with MockOpenAIServer(latency_s=0.01, max_seconds=120) as server:  # the server is back (at a new port)
        config = _config(tmp_path, server.url)
        resumed = generate(None, tmp_path / "run", config=config, resume=True, compiled_dir=None)
    assert resumed.units_incomplete == 0 and resumed.stopped_early is None
    assert resumed.records_written == len(run_records(tmp_path / "run")) > 0


def test_the_manifest_records_each_roles_mode(tmp_path):
    with MockOpenAIServer(latency_s=0.01, max_seconds=120) as server:
        config = _config(tmp_path, server.url, structured_output="prompt")
        data = yaml.safe_load(config.read_text())
        data["models"]["responder"] = {"model": "openai/mock-model", "api_base": server.url}
        config.write_text(yaml.safe_dump(data))
        summary = generate(write_seeds(tmp_path, 1), tmp_path / "run", config=config, compiled_dir=None)
    manifest = json.loads((tmp_path / "run/manifest.json").read_text())
    assert manifest["structured_output"]["transformer"] == "prompt"
    assert manifest["structured_output"]["responder"] == "json_schema"  # auto, an OpenAI-compatible server
    assert summary.records_written > 0  # the mock reads the fields from the prompt in prompt mode
