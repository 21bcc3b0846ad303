"""Benchmark adapters reading local evaluation files; ``data/`` holds the sets decontamination checks."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
"""The project's evaluation sets (package data): what generation decontaminates against by default."""


def default_eval_paths() -> list[str]:
    """The evaluation files generation's quality gate checks when the config names none."""
    return [str(DATA_DIR)] if DATA_DIR.is_dir() else []
