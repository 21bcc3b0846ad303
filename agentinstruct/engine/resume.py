"""What ``--resume`` checks before it continues a run, and how usage adds up over its invocations."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path

from core.summary import RunSummary, UsageTotals

log = logging.getLogger(__name__)


class ResumeMismatch(ValueError):
    """The run would continue with other skills, programs or models than it started with."""


def check_resumable(run_dir: Path, skills: list[str], hashes: Mapping[str, str], models: Mapping[str, str],
                    force: bool = False) -> None:
    """Raise ``ResumeMismatch`` (naming every difference) unless the manifest matches, or ``force``."""
    path = Path(run_dir) / "manifest.json"
    if not path.is_file():
        return  # nothing started yet: a resume is a fresh start
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ResumeMismatch(f"{path}: unreadable manifest ({exc}); cannot check what the run started with") from exc
    problems = []
    if list(manifest.get("skills", [])) != list(skills):
        problems.append(f"skills {manifest.get('skills')} -> {list(skills)}")
    old_hashes = manifest.get("program_hashes", {})
    for name in sorted(set(old_hashes) | set(hashes)):
        if old_hashes.get(name) != hashes.get(name):
            problems.append(f"program {name}: {old_hashes.get(name)} -> {hashes.get(name)}")
    old_models = manifest.get("models", {})
    for role in sorted(set(old_models) | set(models)):
        if old_models.get(role) != models.get(role):
            problems.append(f"model of {role}: {old_models.get(role)} -> {models.get(role)}")
    if not problems:
        return
    message = f"{path}: the run started with other settings: " + "; ".join(problems)
    if not force:
        raise ResumeMismatch(message + " (pass --force to resume anyway: records would mix both)")
    log.warning("%s; resuming anyway (--force)", message)


def merge_usage(summary: RunSummary, previous_path: Path) -> RunSummary:
    """``summary`` with the usage of the earlier invocations (``previous_path``: their summary.json) added."""
    this = UsageTotals()
    for usage in summary.usage_by_model.values():
        this.calls += usage.calls
        this.prompt_tokens += usage.prompt_tokens
        this.completion_tokens += usage.completion_tokens
        this.cost_usd += usage.cost_usd
    summary.usage_this_invocation = this
    if not previous_path.is_file():
        return summary
    try:
        before = RunSummary.model_validate_json(previous_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        log.warning("%s: earlier usage unreadable (%s); this summary counts this invocation only",
                    previous_path, exc)
        return summary
    for field in ("usage_by_model", "usage_by_role", "usage_by_skill"):
        merged = {k: v.model_copy() for k, v in getattr(before, field).items()}
        for key, usage in getattr(summary, field).items():
            into = merged.setdefault(key, UsageTotals())
            into.calls += usage.calls
            into.prompt_tokens += usage.prompt_tokens
            into.completion_tokens += usage.completion_tokens
            into.cost_usd += usage.cost_usd
        setattr(summary, field, merged)
    summary.cache_hits += before.cache_hits
    summary.failed_calls += before.failed_calls
    summary.malformed_answers += before.malformed_answers
    summary.invocations = before.invocations + 1
    summary.unpriced_models = sorted(set(summary.unpriced_models) | set(before.unpriced_models))
    return summary
