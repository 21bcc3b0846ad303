"""Typed generic DSPy signatures of the AgentInstruct flows.

Each signature's docstring is the generic part of its prompt; a skill YAML adds the agent-specific prose
through ``Signature.with_instructions`` (see ``signatures.specialize``).
"""

from signatures.appendix_b import (
    GeneralVerdict,
    HallucinationJudge,
    MathVerdict,
    MCQExtraction,
    SummaryQualityJudge,
)
from signatures.coding import FixCode, SolveCodingTask
from signatures.conversation import ChatReply, SimulateUser
from signatures.edit import Edit, EditInstruction
from signatures.format import SynthesizeFormatGuidelines
from signatures.generate import GenerateInstruction
from signatures.judge import JudgeQuality
from signatures.pairwise import PairwiseJudge
from signatures.respond import Respond
from signatures.specialize import specialize
from signatures.suggest import Suggest
from signatures.tool_use import ReconstructLibrary, SimulateApiResult, ToolAgentStep
from signatures.transform import Transform

__all__ = [
    "ChatReply", "Edit", "EditInstruction", "FixCode", "GenerateInstruction", "JudgeQuality",
    "ReconstructLibrary", "Respond", "SimulateApiResult", "SimulateUser", "SolveCodingTask", "Suggest",
    "SynthesizeFormatGuidelines", "ToolAgentStep", "Transform", "specialize",
]
__all__ += [
    "GeneralVerdict",
    "HallucinationJudge",
    "MCQExtraction",
    "MathVerdict",
    "PairwiseJudge",
    "SummaryQualityJudge",
]
