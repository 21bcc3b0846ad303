"""Typed generic DSPy signatures of the AgentInstruct flows.

Each signature's docstring is the generic part of its prompt; a skill YAML adds the agent-specific prose
through ``Signature.with_instructions`` (see ``signatures.specialize``).
"""

from signatures.edit import Edit, EditInstruction
from signatures.generate import GenerateInstructions
from signatures.judge import JudgeQuality
from signatures.respond import Respond
from signatures.specialize import specialize
from signatures.suggest import Suggest
from signatures.transform import Transform

__all__ = ["Edit", "EditInstruction", "GenerateInstructions", "JudgeQuality", "Respond", "Suggest", "Transform", "specialize"]
