"""A memo over DSPy's model-metadata lookup, which dominated the per-call CPU of the native engine.

DSPy 3.4.1 reads its model catalog (capabilities before every call, prices after it) with
``dspy.clients.model_metadata.model_info``. For a model the catalog does not name -- any model served by
vLLM, SGLang or another OpenAI-compatible server -- that function scans the whole catalog, twice per call:
about 19% of the process's GIL time at 64 calls in flight (py-spy, docs/engine.md). The catalog is fixed once
loaded, so the answer for ``(provider, model, namespaces)`` never changes: this module memoizes it and hands
out deep copies, as the original does.
"""

from __future__ import annotations

import copy
import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from core.dspy_internals import MODEL_INFO_USERS as _USERS

log = logging.getLogger(__name__)

_lock = threading.Lock()
_installed = False


def memoized(lookup: Callable[..., dict[str, Any]], maxsize: int = 4096) -> Callable[..., dict[str, Any]]:
    """``lookup(provider, model, *, namespaces=None)`` memoized; every caller gets its own deep copy."""

    @functools.lru_cache(maxsize=maxsize)
    def cached(provider: str, model: str, namespaces: tuple[str, ...] | None) -> dict[str, Any]:
        return lookup(provider, model, namespaces=namespaces)

    def model_info(provider: str, model: str, *, namespaces=None) -> dict[str, Any]:
        key = None if namespaces is None else tuple(namespaces)
        return copy.deepcopy(cached(provider, model, key))

    model_info.__wrapped__ = lookup  # type: ignore[attr-defined]
    model_info.cache_info = cached.cache_info  # type: ignore[attr-defined]
    return model_info


def install() -> bool:
    """Memoize DSPy's ``model_info`` in every module that uses it (idempotent); returns whether it is on."""
    global _installed
    import importlib

    with _lock:
        if _installed:
            return True
        modules = [importlib.import_module(name) for name in _USERS]
        original = modules[0].model_info
        if any(getattr(m, "model_info", None) is not original for m in modules):
            log.warning("DSPy's model_info is not shared as expected; leaving it unmemoized")
            return False
        fast = memoized(original)
        for module in modules:
            module.model_info = fast
        _installed = True
        return True
