"""Lazy imports of the heavy training stack, with an install hint when it is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

INSTALL_HINT = "pip install -e '.[sft]'"


def require(module: str) -> ModuleType:
    """Import ``module`` or raise an ImportError that says how to install the training extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"`{module}` is needed for training but could not be imported ({exc}). Install it with: {INSTALL_HINT}"
        ) from exc
