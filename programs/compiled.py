"""Compiled program files that know what they belong to: the skill, its file's content and its agents.

A compiled file is DSPy's JSON state of a skill program plus an ``agentinstruct`` block: the skill name,
``spec_hash`` of the skill file's content, a hash of each agent's prose and the predictor names. Loading
checks all of it against the skill as it is now. Policy: any difference (an agent added or removed, prose
edited, another skill) is a ``CompiledStateError`` that names the file, the skill and the difference: the
compiled prompts were optimised for text that no longer exists, so they are never loaded silently;
recompile, or delete the file to run the skill's own prompts.

Only prompts are loaded: each predictor's ``signature`` (instructions and field descriptions) and its
``demos``. A file whose state carries anything else a predictor could act on (an ``lm`` with a model or a
key) is refused: a compiled file must not be able to send calls to another provider.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dspy

from core.taxonomy import SkillSpec, agent_prose_hashes, spec_hash

PROVENANCE = "agentinstruct"
_ALLOWED = {"signature", "demos", "traces", "train", "lm"}


class CompiledStateError(ValueError):
    """A compiled program file cannot be used for its skill as it is now; the message says why."""


def provenance(program: dspy.Module, spec: SkillSpec) -> dict[str, Any]:
    """What a compiled file records about the skill it was compiled for."""
    return {"skill": spec.name, "spec_hash": spec_hash(spec), "agents": agent_prose_hashes(spec),
            "predictors": sorted(name for name, _ in program.named_predictors())}


def save_compiled(program: dspy.Module, spec: SkillSpec, path: str | Path) -> Path:
    """Write the program's state (prompts and demos only) with its provenance."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = program.dump_state()
    for _name, entry in state.items():
        if isinstance(entry, dict):
            entry["lm"] = None  # models are configuration, never part of a compiled file
    state[PROVENANCE] = provenance(program, spec)
    path.write_text(json.dumps(state, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def load_compiled(program: dspy.Module, spec: SkillSpec, path: str | Path) -> None:
    """Load a compiled file's prompts into ``program``, or raise ``CompiledStateError`` naming the problem."""
    path = Path(path)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CompiledStateError(f"{path}: not a readable compiled program file ({type(exc).__name__}: "
                                 f"{str(exc)[:120]})") from None
    if not isinstance(state, dict):
        raise CompiledStateError(f"{path}: a compiled program file holds a JSON object")
    meta = state.pop(PROVENANCE, None)
    state.pop("metadata", None)  # DSPy's own dependency versions
    if not isinstance(meta, dict):
        raise CompiledStateError(f"{path}: no '{PROVENANCE}' block: the file does not say which skill file it "
                                 f"was compiled from; recompile skill {spec.name}")
    problems = _differences(meta, provenance(program, spec))
    if problems:
        raise CompiledStateError(f"{path}: compiled for another version of skill {spec.name}: "
                                 + "; ".join(problems) + ". Recompile, or delete the file to use the skill's "
                                 "own prompts")
    names = {name for name, _ in program.named_predictors()}
    for name, entry in state.items():
        if name not in names:
            raise CompiledStateError(f"{path}: field {name!r} is not a predictor of skill {spec.name}")
        if not isinstance(entry, dict):
            raise CompiledStateError(f"{path}: field {name!r} is not a predictor's state")
        extra = set(entry) - _ALLOWED
        if extra:
            raise CompiledStateError(f"{path}: field {name!r} carries {sorted(extra)}; only prompts and demos "
                                     "are loaded from a compiled file")
        if entry.get("lm") is not None:
            raise CompiledStateError(f"{path}: field {name!r}.lm names a model; a compiled file carries "
                                     "prompts and demos only (models come from the run's config)")
    missing = names - set(state)
    if missing:
        raise CompiledStateError(f"{path}: no state for predictors {sorted(missing)} of skill {spec.name}")
    try:
        program.load_state(state)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CompiledStateError(f"{path}: malformed predictor state ({type(exc).__name__}: "
                                 f"{str(exc)[:160]})") from None


def _differences(saved: dict, now: dict) -> list[str]:
    problems = []
    if saved.get("skill") != now["skill"]:
        return [f"it is a program of skill {saved.get('skill')!r}"]
    old_agents, new_agents = saved.get("agents") or {}, now["agents"]
    added, removed = sorted(set(new_agents) - set(old_agents)), sorted(set(old_agents) - set(new_agents))
    if added:
        problems.append(f"agents added since: {added}")
    if removed:
        problems.append(f"agents removed since: {removed}")
    edited = sorted(a for a in set(old_agents) & set(new_agents) if old_agents[a] != new_agents[a])
    if edited:
        problems.append(f"prose edited since: {edited}")
    if not problems and saved.get("spec_hash") != now["spec_hash"]:
        problems.append("the skill file changed since (outside the agents' prose)")
    return problems
