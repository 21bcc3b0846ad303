"""The benchmark registry: each module under ``eval/benchmarks`` registers its own declaration.

Adding a benchmark is one file that calls :func:`register` at import time; :func:`discover` imports every
module of the package (``pkgutil``), so ``get``/``names`` see it without any list to edit. Optional
dependencies (``if_verifiable``, ``reasoning_gym``) are imported inside loaders and scorers, so discovery
never fails for want of them.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil

from eval.benchmarks.base import Benchmark

log = logging.getLogger(__name__)

_REGISTRY: dict[str, Benchmark] = {}
_discovered = False


class UnknownBenchmarkError(KeyError):
    """No benchmark of that name is registered."""


def register(benchmark: Benchmark) -> Benchmark:
    """Add ``benchmark`` under its name; a second, different declaration under the same name is an error."""
    existing = _REGISTRY.get(benchmark.name)
    if existing is not None and existing is not benchmark:
        raise ValueError(f"benchmark {benchmark.name!r} is already registered")
    _REGISTRY[benchmark.name] = benchmark
    return benchmark


def discover() -> None:
    """Import every module of ``eval.benchmarks`` once, so each registers itself."""
    global _discovered
    if _discovered:
        return
    import eval.benchmarks as package

    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{info.name}")
    _discovered = True
    log.debug("benchmarks registered: %s", sorted(_REGISTRY))


def get(name: str) -> Benchmark:
    """The benchmark registered as ``name``."""
    discover()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownBenchmarkError(f"unknown benchmark {name!r}; known: {', '.join(names())}") from None


def names() -> list[str]:
    """Names of all registered benchmarks, sorted."""
    discover()
    return sorted(_REGISTRY)
