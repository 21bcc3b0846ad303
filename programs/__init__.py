"""DSPy modules composed from the generic signatures: one program per skill, and the suite."""

from programs.base import FlowProgram
from programs.item import PassageItem
from programs.role_lms import RoleLMs
from programs.skill import SkillProgram, program_hash
from programs.suite import build_program, load_suite

__all__ = ["FlowProgram", "PassageItem", "RoleLMs", "SkillProgram", "build_program", "load_suite", "program_hash"]
