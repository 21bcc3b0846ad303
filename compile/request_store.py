"""The compile's own request cache: one SQLite file of JSON records (no pickle), keyed by request.

Only completed calls are stored (a call that raised is never written), and each is committed as soon as it
returns, so an interrupted compile, rerun, re-spends at most the calls that were in flight.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

SCHEMA = "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, response TEXT NOT NULL)"


def request_key(model: str, request: dict[str, Any], salt: Any = None) -> str:
    """SHA-256 over everything that changes the answer: model, the request as data, and a rollout salt."""
    blob = json.dumps({"model": model, "request": request, "salt": salt}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class RequestStore:
    """A persistent key -> response (JSON) map, safe to share between threads."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(SCHEMA)

    def get(self, key: str) -> dict | None:
        """The stored response for ``key``, or ``None``."""
        with self._lock:
            row = self._conn.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, model: str, response: dict) -> None:
        """Store a completed call's response (committed at once)."""
        blob = json.dumps(response, sort_keys=True)
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO responses (key, model, response) VALUES (?, ?, ?)",
                               (key, model, blob))

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()
