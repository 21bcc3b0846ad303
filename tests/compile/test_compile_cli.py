"""``agentinstruct compile`` and ``agentinstruct tune`` as typer commands (models replaced by DummyLM)."""

import json
from pathlib import Path

import pytest
import typer
import yaml
from dummies import make_dummy
from typer.testing import CliRunner

from agentinstruct.cli_commands.compile_cmd import compile as compile_command
from agentinstruct.cli_commands.tune_cmd import tune as tune_command

SEEDS = Path(__file__).resolve().parents[2] / "examples" / "seeds"


@pytest.fixture
def app(monkeypatch) -> typer.Typer:
    dummy = make_dummy(5000)
    # Every configured model is the dummy; the middleware (cache, budget) wraps it as it would a real one.
    monkeypatch.setattr("core.lm.roles.build_lm", lambda *args, **kwargs: dummy)
    app = typer.Typer()
    app.command("compile")(compile_command)
    app.command("tune")(tune_command)
    return app


def test_compile_command_writes_program_and_manifest(app, tmp_path):
    cc = tmp_path / "compile.yaml"
    cc.write_text(yaml.safe_dump({"metric": {"check_mode": "off"}, "bootstrap": {"max_bootstrapped_demos": 1},
                                  "generation": {"refinement_rounds": 0, "instruction_types_per_passage": 1}}))
    result = CliRunner().invoke(app, [
        "compile", "--skill", "reading_comprehension", "--optimizer", "bootstrap", "--seeds", str(SEEDS),
        "--compile-config", str(cc), "--out", str(tmp_path / "out"), "--train", "2", "--heldout", "1",
        "--budget-calls", "500", "--budget-cost", "2.5"])
    assert result.exit_code == 0, result.output
    assert "held-out judge score: before" in result.output and "jury quality" in result.output
    manifest = json.loads((tmp_path / "out" / "reading_comprehension.manifest.json").read_text())
    assert manifest["config"]["budget"] == {"max_calls": 500, "max_cost_usd": 2.5, "prices": {}}
    assert manifest["config"]["data"]["train"] == 2
    assert manifest["settings"]["max_bootstrapped_demos"] == 1 and manifest["saved"]


def test_compile_command_exits_3_when_the_budget_stops_it(app, tmp_path):
    result = CliRunner().invoke(app, ["compile", "--skill", "reading_comprehension", "--optimizer", "bootstrap",
                                      "--seeds", str(SEEDS), "--out", str(tmp_path), "--budget-calls", "2"])
    assert result.exit_code == 3 and "budget_exhausted" in result.output


def test_bad_compile_settings_are_refused(app, tmp_path):
    result = CliRunner().invoke(app, ["compile", "--skill", "reading_comprehension", "--optimizer", "sgd",
                                      "--seeds", str(SEEDS), "--out", str(tmp_path)])
    assert result.exit_code != 0 and "optimizer" in str(result.exception or result.output)


def test_tune_command_writes_a_run_config(app, tmp_path):
    tc = tmp_path / "tune.yaml"
    tc.write_text(yaml.safe_dump({"seeds": 1, "metric": {"check_mode": "off"},
                                  "space": {"weighted_agents": ["identity"], "refinement_rounds": [0, 1]}}))
    out = tmp_path / "tuned.yaml"
    result = CliRunner().invoke(app, ["tune", "--skill", "reading_comprehension", "--trials", "2", "--seeds",
                                      str(SEEDS), "--tune-config", str(tc), "--out", str(out), "--work-dir",
                                      str(tmp_path / "work")])
    assert result.exit_code == 0, result.output
    assert "2 trials complete" in result.output and out.is_file()
    assert "refinement_rounds" in yaml.safe_load(out.read_text())["generation"]


@pytest.mark.parametrize(("command", "option"), [("compile", "--compile-config"), ("tune", "--tune-config")])
def test_a_settings_file_that_is_not_a_mapping_is_refused(app, tmp_path, command, option):
    bad = tmp_path / "settings.yaml"
    bad.write_text("- just\n- a list\n")
    result = CliRunner().invoke(app, [command, "--skill", "reading_comprehension", "--seeds", str(SEEDS), option,
                                      str(bad), "--work-dir", str(tmp_path / "work")])
    assert result.exit_code == 2 and "must be a mapping" in result.output
