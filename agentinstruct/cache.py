"""The request cache: DSPy's cache in a private directory, with restricted (plain-data) unpickling.

A rerun of a completed run makes no call (the ledger skips committed units), and an interrupted unit
re-spends only the calls that were in flight: the ones that completed are served from this cache.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import dspy

from agentinstruct.config import CacheConfig

log = logging.getLogger(__name__)


def cache_root() -> Path:
    """``$AGENTINSTRUCT_CACHE`` or ``~/.cache/agentinstruct``."""
    return Path(os.environ.get("AGENTINSTRUCT_CACHE") or Path.home() / ".cache" / "agentinstruct")


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it readable by its owner only (0700)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def configure_request_cache(config: CacheConfig) -> Path | None:
    """Point DSPy's cache at a private directory, restricted to plain-data records; returns the directory."""
    if not config.enabled:
        dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
        return None
    directory = private_dir(Path(config.dir) if config.dir else cache_root() / "requests")
    dspy.configure_cache(
        enable_disk_cache=True,
        enable_memory_cache=True,
        disk_cache_dir=str(directory),
        disk_size_limit_bytes=int(config.size_limit_gb * 1024**3),
        restrict_pickle=True,
    )
    log.info("request cache: %s", directory)
    return directory
