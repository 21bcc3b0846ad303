"""The manifest written next to a compiled program: what was optimised, how, with which models, what it
cost, and the judge score before and after on held-out seeds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import dspy
from pydantic import BaseModel, ConfigDict, Field

from compile.evaluate import HeldoutScore


class CompileManifest(BaseModel):
    """``artifacts/compiled/<skill>.manifest.json``."""

    model_config = ConfigDict(extra="forbid")

    skill: str
    optimizer: str
    status: Literal["completed", "budget_exhausted"]
    stopped: str | None = None
    settings: dict[str, Any] = Field(description="The chosen optimizer's settings.")
    config: dict[str, Any] = Field(description="The whole CompileConfig.")
    models: dict[str, str] = Field(description="Model per role (names only, never keys).")
    judges: list[str]
    program_path: str | None
    saved: bool
    program_hash: str
    baseline_hash: str
    changed_predictors: list[str]
    optimized_predictors: list[str]
    seeds: dict[str, list[str]]
    examples: dict[str, int]
    before: HeldoutScore | None
    after: HeldoutScore | None
    improvement: float | None
    regressed: bool = Field(description="The held-out score fell: the program is saved, but look before using it.")
    trail: list[dict[str, Any]]
    usage: dict[str, Any] = Field(description="Calls, cache hits, tokens and cost, in total and per phase.")
    started: str
    finished: str
    elapsed_s: float
    versions: dict[str, str]

    def write(self, path: str | Path) -> Path:
        """Write the manifest as JSON (atomically)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=False) + "\n",
                       encoding="utf-8")
        tmp.replace(path)
        return path


def changed_predictors(before: dict, after: dict) -> list[str]:
    """Names of predictors whose saved state (instructions, demos) differs between two ``dump_state``s."""
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def manifest_path(out_dir: str | Path, skill: str) -> Path:
    """Where a skill's compile manifest lives."""
    return Path(out_dir) / f"{skill}.manifest.json"


def versions() -> dict[str, str]:
    """Versions of the packages that shape a compile."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"dspy": dspy.__version__}
    for name in ("agentinstruct", "optuna", "gepa"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out
