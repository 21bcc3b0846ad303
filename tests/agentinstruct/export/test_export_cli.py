"""The ``export`` typer command: options reach export_runs, bad input becomes a usage error."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from agentinstruct.cli_commands.export_cmd import export
from core.records import Record

app = typer.Typer()
app.command("export")(export)
app.command("noop")(lambda: None)  # two commands, so "export" stays a subcommand


def write_run(root: Path) -> Path:
    record = Record(id="r1", skill="fermi", subcategory="estimate",
                    messages=[{"role": "user", "content": "How many piano tuners work in a city?"},
                              {"role": "assistant", "content": "About a hundred."}],
                    lineage={"seed_id": "s", "seed_sha256": "c" * 64, "seed_source": "d.txt",
                             "instruction_type": "estimate", "program_hash": "p"})
    (root / "data").mkdir(parents=True)
    (root / "data" / "shard-00000.jsonl").write_text(record.to_json() + "\n")
    return root


def test_export_command_writes_an_orca_dataset(tmp_path):
    run = write_run(tmp_path / "run")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["export", str(run), "--out", str(out), "--format", "orca", "--no-card"])
    assert result.exit_code == 0, result.output
    assert "exported 1 records" in result.output and "fermi=1" in result.output
    assert (out / "data" / "fermi-00000-of-00001.parquet").is_file()
    assert not (out / "README.md").exists()


def test_export_command_reports_bad_runs_as_usage_errors(tmp_path):
    result = CliRunner().invoke(app, ["export", str(tmp_path / "missing"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    text = " ".join(result.output.replace("│", " ").split())  # unwrap rich's error box
    assert "not a run directory" in text
