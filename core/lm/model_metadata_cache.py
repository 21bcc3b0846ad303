"""A memo over DSPy's model-metadata lookup, which dominated the per-call CPU of the native engine.

DSPy 3.4.1 reads its model catalog (capabilities before every call, prices after it) with
``dspy.clients.model_metadata.model_info``. For a model the catalog does not name -- any model served by
vLLM, SGLang or another OpenAI-compatible server -- that function scans the whole catalog, twice per call:
about 19% of the process's GIL time at 64 calls in flight (py-spy, docs/engine.md). The catalog is fixed once
loaded, so the answer for ``(provider, model, namespaces)`` never changes: this module memoizes it and hands
every caller its own copy, as the original does. The copy is a new top-level dict whose nested containers
(``search_context_cost_per_query`` and the like) are deep-copied and whose immutable values (numbers,
strings) are shared: the same isolation as ``copy.deepcopy`` -- no caller's edit reaches the memo or another
caller -- at a fraction of its cost (a ``deepcopy`` of a 23-key entry was ~35 us, twice per call).
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


_IMMUTABLE = (str, int, float, bool, bytes, type(None))
"""Value types a copy may share with the memo: nothing can change them in place."""


def _isolated(entry: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A private deep copy of ``entry`` (the memo's own, never handed out) and the keys whose values are
    mutable (containers), which every handed-out copy deep-copies again."""
    own = copy.deepcopy(entry)
    return own, tuple(k for k, v in own.items() if not isinstance(v, _IMMUTABLE))


def copy_entry(own: dict[str, Any], mutable: tuple[str, ...]) -> dict[str, Any]:
    """A caller's copy of a memoized entry: a new dict, its ``mutable`` values deep-copied, the rest shared
    (immutable). Equal to ``copy.deepcopy(own)`` and as isolated from it."""
    result = dict(own)
    for key in mutable:
        result[key] = copy.deepcopy(own[key])
    return result


def memoized(lookup: Callable[..., dict[str, Any]], maxsize: int = 4096) -> Callable[..., dict[str, Any]]:
    """``lookup(provider, model, *, namespaces=None)`` memoized; every caller gets its own copy
    (:func:`copy_entry`: a new dict, nested containers deep-copied)."""

    @functools.lru_cache(maxsize=maxsize)
    def cached(provider: str, model: str, namespaces: tuple[str, ...] | None
               ) -> tuple[dict[str, Any], tuple[str, ...]]:
        return _isolated(lookup(provider, model, namespaces=namespaces))

    def model_info(provider: str, model: str, *, namespaces=None) -> dict[str, Any]:
        key = None if namespaces is None else tuple(namespaces)
        return copy_entry(*cached(provider, model, key))

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
