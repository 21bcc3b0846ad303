"""Command-line overrides of a loaded run config (validated again after merging)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

ConfigT = TypeVar("ConfigT", bound=BaseModel)


def parse_source(spec: str) -> dict[str, Any]:
    """``PATH`` or ``PATH@WEIGHT`` -> a ``DataSource`` mapping."""
    path, sep, weight = spec.rpartition("@")
    if sep:
        try:
            return {"path": path, "weight": float(weight)}
        except ValueError:
            pass  # an '@' that is part of the path, not a weight suffix
    return {"path": spec, "weight": 1.0}


def apply_overrides(
    cfg: ConfigT,
    *,
    model: str | None = None,
    data: list[str] | None = None,
    output_dir: Path | None = None,
    max_steps: int | None = None,
    min_score: float | None = None,
    score_keys: list[str] | None = None,
) -> ConfigT:
    """A copy of ``cfg`` with the given command-line values in place of the config file's."""
    raw = cfg.model_dump(mode="json")
    if model is not None:
        raw["model"]["path"] = model
    if data:
        raw["data"]["sources"] = [parse_source(s) for s in data]
    if output_dir is not None:
        raw["output_dir"] = str(output_dir)
    if max_steps is not None:
        raw["training"]["max_steps"] = max_steps
    if min_score is not None or score_keys:
        if "score_filter" not in raw["data"]:
            raise ValueError("--min-score / --score-key apply to SFT records only")
        current = raw["data"].get("score_filter") or {}
        if min_score is not None:
            current["min_score"] = min_score
        if score_keys:
            current["keys"] = score_keys
        if "min_score" not in current:
            raise ValueError("--score-key needs --min-score (or data.score_filter.min_score in the config)")
        raw["data"]["score_filter"] = current
    return type(cfg).model_validate(raw)
