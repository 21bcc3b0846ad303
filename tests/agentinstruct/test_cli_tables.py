"""``skills`` and ``report``: readable when piped (no name cut at 80 columns), and a ``--json`` form."""

import io
import json
import sys

import pytest
from dummies import make_dummy
from mock_runs import write_seeds
from typer.testing import CliRunner

from agentinstruct import RunConfig, generate
from agentinstruct.cli import app
from agentinstruct.cli_commands import render
from core.config import GenerationConfig
from core.taxonomy import load_skills

runner = CliRunner()


@pytest.fixture(autouse=True)
def _piped(monkeypatch):
    """The CLI's console as a pipe gets it (the shared console was made when render was imported)."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setattr(render.console, "width", render.make_console().width)


def test_console_is_wide_off_a_terminal_and_honours_columns(monkeypatch):
    assert render.make_console().width == render.PIPED_WIDTH
    monkeypatch.setenv("COLUMNS", "132")
    assert render.make_console().width == 132


def test_skills_piped_shows_every_name_whole():
    result = runner.invoke(app, ["skills"])
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    for name in load_skills(None):
        assert name in result.output  # e.g. creative_content_generation, not creative_c…
    assert max(len(line) for line in result.output.splitlines()) > 80  # wider than rich's piped default


def test_skills_json_lists_every_agent():
    result = runner.invoke(app, ["skills", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    specs = load_skills(None)
    assert [s["name"] for s in data["skills"]] == list(specs)
    assert data["total_subcategories"] == sum(spec.n_subcategories for spec in specs.values())
    rc = next(s for s in data["skills"] if s["name"] == "reading_comprehension")
    assert rc["transformations"] == [t.id for t in specs["reading_comprehension"].transformations]


def test_report_json_and_piped_table(tmp_path):
    cfg = RunConfig(generation=GenerationConfig(refinement_rounds=0))
    summary = generate(write_seeds(tmp_path, 2), tmp_path / "run", lms=make_dummy(), config=cfg, compiled_dir=None)
    result = runner.invoke(app, ["report", str(tmp_path / "run"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["summary"]["records_written"] == summary.records_written > 0
    assert data["units_by_status"] == {"done": summary.units_done}
    assert isinstance(data["failures"], list) and data["judging"] is not None

    table = runner.invoke(app, ["report", str(tmp_path / "run")])
    assert table.exit_code == 0 and "reading_comprehension" in table.output and "…" not in table.output
