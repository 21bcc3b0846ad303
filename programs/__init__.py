"""DSPy modules composed from the generic signatures: one program per skill, and the suite."""

from programs.role_lms import RoleLMs
from programs.skill import PassageItem, SkillProgram, program_hash
from programs.suite import build_program, load_suite

__all__ = ["PassageItem", "RoleLMs", "SkillProgram", "build_program", "load_suite", "program_hash"]
