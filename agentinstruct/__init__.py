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
    "evaluate": "agentinstruct.evaluation",
    "build_orca_bench": "agentinstruct.evaluation",
    "write_eval_report": "agentinstruct.evaluation",
    "load_suite": "programs.suite",
    "build_program": "programs.suite",
    "SkillProgram": "programs.skill",
    "SeedDoc": "core.seeds",
    "SeedReject": "core.seeds",
    "SeedConfig": "core.seeds",
    "load_seeds": "core.seeds",
    "iter_seeds": "core.seeds",
    "Record": "core.records",
    "Message": "core.records",
    "Lineage": "core.records",
    "RunConfig": "core.config",
    "ModelsConfig": "core.config",
    "ModelSpec": "core.config",
    "GenerationConfig": "core.config",
    "LocalModelConfig": "core.config",
    "load_config": "core.config",
    "SkillSpec": "core.taxonomy",
    "load_skills": "core.taxonomy",
    "load_skill": "core.taxonomy",
    "RunSummary": "core.summary",
    "build_role_lms": "core.lm.roles",
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
    "build_orca_bench",
    "build_program",
    "build_role_lms",
    "evaluate",
    "generate",
    "iter_seeds",
    "load_config",
    "load_seeds",
    "load_skill",
    "load_skills",
    "load_suite",
    "resolve_config",
    "write_eval_report",
]


def __getattr__(name: str):
    if name == "Seed":
        name = "SeedDoc"
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'agentinstruct' has no attribute {name!r}")


if TYPE_CHECKING:  # pragma: no cover
    from agentinstruct.api import generate, resolve_config
    from agentinstruct.evaluation import build_orca_bench, evaluate, write_eval_report
    from core.config import (
        GenerationConfig,
        LocalModelConfig,
        ModelsConfig,
        ModelSpec,
        RunConfig,
        load_config,
    )
    from core.records import Lineage, Message, Record
    from core.seeds import SeedConfig, SeedDoc, SeedReject, iter_seeds, load_seeds
    from programs.suite import build_program, load_suite
