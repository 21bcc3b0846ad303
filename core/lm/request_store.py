"""The request cache: one SQLite file of JSON records (no pickle), keyed by request (generate, compile, eval).

Only completed calls are stored (a call that raised is never written), and each is committed as soon as it
returns, so an interrupted job, rerun, re-spends at most the calls that were in flight.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SCHEMA = "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, response TEXT NOT NULL)"


def request_key(model: str, request: dict[str, Any], salt: Any = None) -> str:
    """SHA-256 over everything that changes the answer: model, the request as data, and a rollout salt."""
    blob = json.dumps({"model": model, "request": request, "salt": salt}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class RequestStore:
    """A persistent key -> response (JSON) map, safe to share between threads.

    With ``size_limit_bytes`` the oldest entries are evicted once the file grows past the limit (checked
    every ``PRUNE_EVERY`` writes), down to 90% of it.
    """

    PRUNE_EVERY = 1000

    def __init__(self, path: str | Path, size_limit_bytes: int | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.size_limit_bytes = size_limit_bytes
        self._writes = 0
        self._refused: dict[str, str] = {}
        """Responses forgotten by this process (``forget``), still served to it."""
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(SCHEMA)

    def get(self, key: str) -> dict | None:
        """The stored response for ``key``, or ``None``."""
        with self._lock:
            row = self._conn.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
            blob = row[0] if row else self._refused.get(key)
        return json.loads(blob) if blob is not None else None

    def put(self, key: str, model: str, response: dict) -> None:
        """Store a completed call's response (committed at once)."""
        blob = json.dumps(response, sort_keys=True)
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO responses (key, model, response) VALUES (?, ?, ?)",
                               (key, model, blob))
            self._writes += 1
            if self.size_limit_bytes and self._writes % self.PRUNE_EVERY == 0:
                self._prune()

    def forget(self, key: str) -> int:
        """Remove the response for ``key`` from the file (an answer a check refused: a rerun asks again); 1 if
        one was stored. This process keeps it in memory: the same request, refused again within this job
        (a compile trial repeating an example), costs no second call."""
        with self._lock:
            row = self._conn.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
            if row is None:
                return 0
            self._refused[key] = row[0]
            return self._conn.execute("DELETE FROM responses WHERE key = ?", (key,)).rowcount

    def _prune(self) -> None:
        """Evict the oldest entries while the database is larger than its limit (caller holds the lock)."""
        page_size = self._conn.execute("PRAGMA page_size").fetchone()[0]
        used = (self._conn.execute("PRAGMA page_count").fetchone()[0]
                - self._conn.execute("PRAGMA freelist_count").fetchone()[0]) * page_size
        if used <= self.size_limit_bytes:
            return
        rows = self._conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        drop = max(1, int(rows * (1 - 0.9 * self.size_limit_bytes / used)))
        self._conn.execute("DELETE FROM responses WHERE rowid IN "
                           "(SELECT rowid FROM responses ORDER BY rowid LIMIT ?)", (drop,))
        log.info("request cache %s: evicted %d of %d entries (%.1f MB > limit)", self.path, drop, rows, used / 1e6)

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()
