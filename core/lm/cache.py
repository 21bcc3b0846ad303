"""Where the one request cache lives, and how it is opened for a job.

The cache is a ``RequestStore`` (SQLite, JSON records, no pickle) that the LM middleware
(``core.lm.metered``) consults before every call. A rerun of a completed run makes no call (the ledger
skips committed units), and an interrupted unit re-spends only the calls that were in flight: the ones that
completed are served from this cache. DSPy's own request cache is switched off while a job runs, so that
there is one cache and a failed or rejected answer can never be served from a second one.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import dspy

from core.config import CacheConfig
from core.lm.request_store import RequestStore

log = logging.getLogger(__name__)

STORE_FILE = "requests.sqlite"


def cache_root() -> Path:
    """``$AGENTINSTRUCT_CACHE`` or ``~/.cache/agentinstruct``."""
    return Path(os.environ.get("AGENTINSTRUCT_CACHE") or Path.home() / ".cache" / "agentinstruct")


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it readable by its owner only (0700)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def open_request_cache(config: CacheConfig) -> RequestStore | None:
    """The job's request cache (None when disabled), in a private directory; DSPy's own cache is turned off."""
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    if not config.enabled:
        return None
    directory = private_dir(Path(config.dir) if config.dir else cache_root() / "requests")
    store = RequestStore(directory / STORE_FILE, size_limit_bytes=int(config.size_limit_gb * 1024**3))
    log.info("request cache: %s", store.path)
    return store
