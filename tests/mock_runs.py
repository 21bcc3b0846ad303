"""Helpers for the tests that run generation against the OpenAI-compatible mock server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml


def write_seeds(root: Path, n: int = 10) -> Path:
    """``n`` small, distinct text seeds in ``root/seeds``."""
    seeds = root / "seeds"
    seeds.mkdir()
    for i in range(n):
        (seeds / f"doc{i:02d}.txt").write_text(
            f"Document {i}. The river town of Aberford had {100 + i} bridges in {1800 + i}. "
            "Its mills ground wheat and barley, and its market drew traders from three valleys.\n")
    return seeds


def mock_config(root: Path, url: str, name: str = "config.yaml", num_retries: int = 4, **generation) -> Path:
    """A run config with every role on the mock server (key from ``MOCK_API_KEY``); dedup off because
    the mock's answers share a tiny vocabulary. ``generation`` overrides the generation settings."""
    path = root / name
    path.write_text(yaml.safe_dump({
        "models": {"default": {"model": "openai/mock-model", "api_key_env": "MOCK_API_KEY", "api_base": url,
                               "num_retries": num_retries, "timeout_s": 5}},
        "quality": {"dedup": False},
        "judging": {"enabled": False},  # the mock answers random words: this test is about the engine
        "generation": {"instruction_types_per_passage": 2, "refinement_rounds": 1, "refinement_suggestions": 1,
                       **generation},
    }))
    return path


def run_records(run: Path) -> list[dict]:
    """Every record of a run directory, sorted by id."""
    rows = [json.loads(line) for p in sorted((run / "data").glob("*.jsonl")) for line in p.open()]
    return sorted(rows, key=lambda r: r["id"])


def cli(*args: str, env: dict, log: Path) -> subprocess.Popen:
    """The CLI in a subprocess; its output goes to a file (a pipe nobody reads would block it)."""
    with open(log, "ab") as fh:
        return subprocess.Popen([sys.executable, "-m", "agentinstruct.cli", *args], env=env,
                                stdout=fh, stderr=subprocess.STDOUT)


def resume_to_completion(run: Path, env: dict, log: Path) -> list[dict]:
    """``generate --resume`` the run; assert it completes with no unit pending and no record twice."""
    resumed = cli("generate", "--resume", str(run), env=env, log=log)
    resumed.wait(timeout=120)
    assert resumed.returncode == 0, log.read_text()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["units_incomplete"] == 0
    records = run_records(run)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) > 0
    return records
