"""Optional dependencies of the evaluation harness, imported on first use with an install hint."""

from __future__ import annotations

import importlib
from types import ModuleType

HINTS = {
    "torch": "pip install -e '.[sft]'  (or: pip install torch==2.13.0)",
    "transformers": "pip install -e '.[sft]'  (or: pip install transformers==5.23.0)",
    "if_verifiable": "pip install if-verifiable==0.1.2",
    "reasoning_gym": "pip install reasoning-gym==0.1.25",
}


def require(module: str) -> ModuleType:
    """Import ``module`` or raise an ImportError that says how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        hint = HINTS.get(top, f"pip install {top}")
        raise ImportError(f"`{module}` is needed here but could not be imported ({exc}). Install: {hint}") from exc
