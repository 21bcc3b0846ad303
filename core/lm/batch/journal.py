"""What batch mode commits to the run's ledger database (``RUN/ledger.sqlite``, tables of its own).

- ``batches``: every batch as soon as the provider gave it an id, before it is polled once, with its state;
- ``batch_items``: which custom ids it holds;
- ``batch_results``: every answer read from a batch, by custom id, committed before the call that asked for it
  wakes up.

A killed run therefore resumes polling its open batches instead of sending their requests again, and an
answer read before the kill is never asked for again. The database opens on first use (the run directory
exists by then).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from dspy.lm15 import Response

from core.dspy_internals import response_from_dict, response_to_dict

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    batch_id  TEXT PRIMARY KEY,
    provider  TEXT NOT NULL,
    endpoint  TEXT NOT NULL,
    state     TEXT NOT NULL,
    requests  INTEGER NOT NULL,
    created   REAL NOT NULL,
    ended     REAL
);
CREATE TABLE IF NOT EXISTS batch_items (
    custom_id TEXT NOT NULL,
    batch_id  TEXT NOT NULL,
    PRIMARY KEY (custom_id, batch_id)
);
CREATE TABLE IF NOT EXISTS batch_results (
    custom_id TEXT PRIMARY KEY,
    batch_id  TEXT NOT NULL,
    response  TEXT NOT NULL
);
"""
OPEN, INGESTED = "submitted", "ingested"


class BatchJournal:
    """The batch tables of one run's ledger database (thread-safe)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)
        return self._db

    def submitted(self, batch_id: str, provider: str, endpoint: str, custom_ids: list[str]) -> None:
        """Commit a batch the provider accepted (before it is polled)."""
        with self._lock:
            db = self._conn()
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT OR REPLACE INTO batches VALUES (?, ?, ?, ?, ?, ?, NULL)",
                       (batch_id, provider, endpoint, OPEN, len(custom_ids), time.time()))
            db.executemany("INSERT OR IGNORE INTO batch_items VALUES (?, ?)", [(c, batch_id) for c in custom_ids])
            db.execute("COMMIT")

    def open_batches(self, endpoint: str) -> dict[str, list[str]]:
        """Batches of ``endpoint`` not ingested yet -> their custom ids."""
        with self._lock:
            db = self._conn()
            rows = db.execute("SELECT b.batch_id, i.custom_id FROM batches b JOIN batch_items i USING (batch_id) "
                              "WHERE b.endpoint = ? AND b.state = ?", (endpoint, OPEN)).fetchall()
        out: dict[str, list[str]] = {}
        for batch_id, custom_id in rows:
            out.setdefault(batch_id, []).append(custom_id)
        return out

    def ingested(self, batch_id: str, state: str, answers: dict[str, Response]) -> None:
        """Commit a batch's answers and mark it ingested, in one transaction."""
        with self._lock:
            db = self._conn()
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO batch_results VALUES (?, ?, ?)",
                           [(cid, batch_id, json.dumps(response_to_dict(r))) for cid, r in answers.items()])
            db.execute("UPDATE batches SET state = ?, ended = ? WHERE batch_id = ?",
                       (f"{INGESTED}:{state}", time.time(), batch_id))
            db.execute("COMMIT")

    def answer(self, custom_id: str) -> Response | None:
        """The answer a batch gave ``custom_id``, if one did."""
        with self._lock:
            row = self._conn().execute("SELECT response FROM batch_results WHERE custom_id = ?",
                                       (custom_id,)).fetchone()
        return response_from_dict(json.loads(row[0])) if row else None

    def attempts(self, custom_id: str) -> int:
        """How many batches ``custom_id`` was sent in."""
        with self._lock:
            return self._conn().execute("SELECT COUNT(*) FROM batch_items WHERE custom_id = ?",
                                        (custom_id,)).fetchone()[0]

    def counts(self) -> dict[str, int]:
        """Batches by state, and requests sent (for the summary)."""
        with self._lock:
            db = self._conn()
            states = dict(db.execute("SELECT state, COUNT(*) FROM batches GROUP BY state").fetchall())
            sent = db.execute("SELECT COUNT(*) FROM batch_items").fetchone()[0]
        return {**states, "requests_sent": sent}

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
