"""Secrets in configs and artefacts: refused with a message that names the file and the field, never the
value, exit code 2 and no traceback (unless ``--verbose``, and then redacted); nothing is written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from agentinstruct.cli import app
from agentinstruct.cli_commands.errors import EXIT_USAGE
from agentinstruct.testing.mock_openai import MockOpenAIServer
from core.config import ConfigError, load_config

KEY = "sk-live-9f8e7d6c5b4a39281726354abcdef"
UNDERSCORED = "sk_live_9f8e7d6c5b4a39281726354abcdef"
PASSWORD = "hunter2-Correct-Horse-42"

CONFIGS = {
    # name -> (the config, the field the message must name)
    "inline_key_as_env_name": ({"models": {"default": {"model": "openai/x", "api_key_env": KEY}}},
                               "models.default.api_key_env"),
    "key_shaped_env_name": ({"models": {"default": {"model": "openai/x", "api_key_env": UNDERSCORED}}},
                            "models.default.api_key_env"),
    "api_key_field": ({"models": {"default": {"model": "openai/x", "api_key": KEY}}}, "models.default.api_key"),
    "extra_api_key": ({"models": {"responder": {"model": "openai/x", "extra": {"api_key": KEY}}}},
                      "models.responder.extra"),
    "extra_aws_secret": ({"models": {"default": {"model": "bedrock/x", "extra": {"aws_secret_access_key": KEY}}}},
                         "models.default.extra"),
    "extra_key_shaped_value": ({"models": {"default": {"model": "openai/x", "extra": {"user": KEY}}}},
                               "models.default.extra"),
    "password_in_api_base": ({"models": {"default": {"model": "openai/x",
                                                     "api_base": f"https://me:{PASSWORD}@llm.internal/v1"}}},
                             "models.default.api_base"),
    "juror_extra_key": ({"judging": {"jurors": [{"name": "j", "model": {"model": "openai/x",
                                                                          "extra": {"api_key": KEY}}}]}},
                        "judging.jurors.0.model.extra"),
}
SECRETS = (KEY, UNDERSCORED, PASSWORD)


def _seeds(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("The ferry to Skerry Holm sails at dawn and the keeper logs every ship.\n")
    return seeds


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_a_config_holding_a_key_is_refused_naming_the_field_never_the_value(case, tmp_path):
    config, field = CONFIGS[case]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message and field in message
    assert not any(secret in message for secret in SECRETS)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no chained pydantic error

    result = CliRunner().invoke(app, ["generate", "--seeds", str(_seeds(tmp_path)), "--config", str(path),
                                      "--out", str(tmp_path / "run")])
    assert result.exit_code == EXIT_USAGE, result.output
    assert field in result.output and "Traceback" not in result.output
    assert not any(secret in result.output for secret in SECRETS)
    assert not (tmp_path / "run").exists()  # refused before anything was written (no config.json in clear)


def test_a_yaml_error_on_the_line_of_a_key_shows_where_not_what(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(f'models:\n  default:\n    model: openai/x\n    api_key_env: "{KEY}\n')  # unterminated quote
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value) and "line" in str(caught.value) and KEY not in str(caught.value)


def test_verbose_shows_the_traceback_redacted(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(CONFIGS["api_key_field"][0]))
    env = dict(os.environ, AGENTINSTRUCT_CACHE=str(tmp_path / "cache"))
    seeds = _seeds(tmp_path)
    for verbose in ([], ["--verbose"]):
        proc = subprocess.run([sys.executable, "-m", "agentinstruct.cli", *verbose, "generate", "--seeds",
                               str(seeds), "--config", str(path), "--out", str(tmp_path / "run")],
                              env=env, capture_output=True, text=True, timeout=120)
        output = proc.stdout + proc.stderr
        assert proc.returncode == EXIT_USAGE, output
        assert ("Traceback" in output) == bool(verbose)
        assert KEY not in output and "models.default.api_key" in output


def _mock_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"models": {"default": {"model": "openai/mock-model", "api_key_env": "MOCK_KEY",
                                                           "api_base": url}},
                                    "judging": {"enabled": False}}))
    return path


@pytest.mark.parametrize("problem", ["truncated", "lm_in_state", "not_json_object"])
def test_a_bad_compiled_file_is_named_exit_2_and_no_call_is_made(problem, tmp_path, monkeypatch):
    monkeypatch.setenv("MOCK_KEY", KEY)
    compiled = tmp_path / "compiled"
    compiled.mkdir()
    target = compiled / "reading_comprehension.json"
    if problem == "truncated":
        target.write_text('{"transformers.argument_passage": {"signature": {"instructions": "Wri')
    elif problem == "not_json_object":
        target.write_text("[1, 2, 3]")
    else:
        target.write_text(json.dumps({"responder": {"lm": {"model": "openai/evil", "api_key": KEY}, "demos": []},
                                      "agentinstruct": {"skill": "reading_comprehension"}}))
    with MockOpenAIServer(latency_s=0.0) as server:
        result = CliRunner().invoke(app, ["generate", "--seeds", str(_seeds(tmp_path)), "--config",
                                          str(_mock_config(tmp_path, server.url)), "--out", str(tmp_path / "run"),
                                          "--compiled-dir", str(compiled)])
        assert server.stats.requests == 0
    assert result.exit_code == EXIT_USAGE, result.output
    assert str(target) in result.output.replace("\n", "") and "Traceback" not in result.output
    assert KEY not in result.output
