"""The suite: one program per skill, built from the skill files, with compiled state when it exists."""

from __future__ import annotations

import logging
from pathlib import Path

import dspy

from core.taxonomy import SkillError, SkillSpec, load_skills
from programs.compiled import load_compiled
from programs.role_lms import RoleLMs
from programs.skill import SkillProgram
from programs.special import SPECIAL_PROGRAMS

log = logging.getLogger(__name__)

DEFAULT_COMPILED_DIR = Path("artifacts/compiled")


def build_program(spec: SkillSpec, lms: RoleLMs | None = None) -> dspy.Module:
    """The program for one skill: its special module if the YAML names one, else ``SkillProgram``."""
    if spec.program is None:
        return SkillProgram(spec, lms)
    try:
        cls = SPECIAL_PROGRAMS[spec.program]
    except KeyError:
        raise ValueError(
            f"skill {spec.name}: program {spec.program!r} is not one of {sorted(SPECIAL_PROGRAMS)}"
        ) from None
    return cls(spec, lms)


def load_suite(
    skills: list[str] | None = None,
    skills_dir: str | Path | None = None,
    compiled_dir: str | Path | None = DEFAULT_COMPILED_DIR,
    lms: RoleLMs | None = None,
) -> dict[str, dspy.Module]:
    """Programs for the named skills (all when ``None`` or ``["all"]``), keyed by skill name.

    Where ``compiled_dir/<skill>.json`` exists, its saved state (compiled prompts and demos) is loaded.
    """
    specs = load_skills(skills_dir)
    if skills and skills != ["all"]:
        unknown = sorted(set(skills) - set(specs))
        if unknown:
            raise SkillError(f"unknown skills {unknown}; known: {sorted(specs)}")  # a ValueError
        specs = {name: specs[name] for name in skills}
    suite = {}
    for name, spec in specs.items():
        program = build_program(spec, lms)
        compiled = Path(compiled_dir) / f"{name}.json" if compiled_dir else None
        if compiled is not None and compiled.is_file():
            load_compiled(program, spec, compiled)
            log.info("loaded compiled program for %s from %s", name, compiled)
        suite[name] = program
    return suite
