"""agentinstruct: AgentInstruct (and Arena Learning) as a DSPy-compiled declarative program suite.

Public API::

    from agentinstruct import generate, load_suite, SeedDoc, Record, RunConfig

Names are imported lazily so that ``import agentinstruct`` stays cheap.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING

# LiteLLM otherwise fetches its price list from the network on first use; the bundled copy is used instead.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

__version__ = "0.1.0"

_EXPORTS = {
    "generate": "agentinstruct.api",
    "resolve_config": "agentinstruct.api",
    "load_suite": "programs.suite",
    "build_program": "programs.suite",
    "SkillProgram": "programs.skill",
    "SeedDoc": "agentinstruct.seeds",
    "SeedReject": "agentinstruct.seeds",
    "SeedConfig": "agentinstruct.seeds",
    "load_seeds": "agentinstruct.seeds",
    "iter_seeds": "agentinstruct.seeds",
    "Record": "agentinstruct.records",
    "Message": "agentinstruct.records",
    "Lineage": "agentinstruct.records",
    "RunConfig": "agentinstruct.config",
    "ModelsConfig": "agentinstruct.config",
    "ModelSpec": "agentinstruct.config",
    "GenerationConfig": "agentinstruct.config",
    "LocalModelConfig": "agentinstruct.config",
    "load_config": "agentinstruct.config",
    "SkillSpec": "agentinstruct.taxonomy",
    "load_skills": "agentinstruct.taxonomy",
    "load_skill": "agentinstruct.taxonomy",
    "RunSummary": "agentinstruct.engine.summary",
    "build_role_lms": "agentinstruct.lm",
}
__all__ = [
    "GenerationConfig",
    "Lineage",
    "LocalModelConfig",
    "Message",
    "ModelSpec",
    "ModelsConfig",
    "Record",
    "RunConfig",
    "RunSummary",
    "Seed",
    "SeedConfig",
    "SeedDoc",
    "SeedReject",
    "SkillProgram",
    "SkillSpec",
    "build_program",
    "build_role_lms",
    "generate",
    "iter_seeds",
    "load_config",
    "load_seeds",
    "load_skill",
    "load_skills",
    "load_suite",
    "resolve_config",
]


def __getattr__(name: str):
    if name == "Seed":
        name = "SeedDoc"
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'agentinstruct' has no attribute {name!r}")


if TYPE_CHECKING:  # pragma: no cover
    from agentinstruct.api import generate, resolve_config
    from agentinstruct.config import (
        GenerationConfig,
        LocalModelConfig,
        ModelsConfig,
        ModelSpec,
        RunConfig,
        load_config,
    )
    from agentinstruct.records import Lineage, Message, Record
    from agentinstruct.seeds import SeedConfig, SeedDoc, SeedReject, iter_seeds, load_seeds
    from programs.suite import build_program, load_suite
