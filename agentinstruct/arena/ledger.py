"""SQLite ledger of an arena's work units (an answer, a judgement, a difficulty rating): exactly once and
resumable, like the generation ledger (``agentinstruct.engine.ledger``), with the unit's result stored in
the same commit as its status, so a completed unit is never redone and never half-written.

A unit that failed (an LM error) is kept with its reason and tried again by the next invocation; a unit
that is ``done`` holds its result (a judgement that could not be parsed is a done unit whose result says
so: the judge was asked, and its answer is the evidence).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

PENDING, DONE, FAILED = "pending", "done", "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS units (
    unit_id   TEXT PRIMARY KEY,
    kind      TEXT NOT NULL,
    status    TEXT NOT NULL,
    attempts  INTEGER NOT NULL DEFAULT 0,
    result    TEXT,
    reason    TEXT,
    updated   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS units_kind_status ON units(kind, status);
"""


class ArenaLedger:
    """Thread-safe access to an arena's ``ledger.sqlite``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # a commit survives a killed process (see engine.ledger)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def start(self, unit_id: str, kind: str) -> None:
        """Register an attempt at a unit (inserting it as pending if new)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO units(unit_id, kind, status, attempts, updated) VALUES (?,?,?,1,?)"
                " ON CONFLICT(unit_id) DO UPDATE SET attempts=attempts+1, status=?, updated=excluded.updated",
                (unit_id, kind, PENDING, time.time(), PENDING))

    def finish(self, unit_id: str, result: dict[str, Any]) -> None:
        """Commit a unit as done with its result."""
        with self._lock:
            self._db.execute("UPDATE units SET status=?, result=?, reason=NULL, updated=? WHERE unit_id=?",
                             (DONE, json.dumps(result, ensure_ascii=False), time.time(), unit_id))

    def fail(self, unit_id: str, reason: str) -> None:
        """Record that a unit's attempt failed (it is tried again on the next invocation)."""
        with self._lock:
            self._db.execute("UPDATE units SET status=?, reason=?, updated=? WHERE unit_id=?",
                             (FAILED, reason[:500], time.time(), unit_id))

    def results(self, kind: str) -> dict[str, dict[str, Any]]:
        """Results of the done units of ``kind``, by unit id."""
        with self._lock:
            rows = self._db.execute("SELECT unit_id, result FROM units WHERE kind=? AND status=?", (kind, DONE))
            return {u: json.loads(r) for u, r in rows.fetchall()}

    def failures(self, kind: str) -> dict[str, str]:
        """Reasons of the units of ``kind`` whose last attempt failed, by unit id."""
        with self._lock:
            rows = self._db.execute("SELECT unit_id, reason FROM units WHERE kind=? AND status=?", (kind, FAILED))
            return dict(rows.fetchall())

    def counts(self) -> dict[str, dict[str, int]]:
        """Units by kind and status."""
        with self._lock:
            rows = self._db.execute("SELECT kind, status, COUNT(*) FROM units GROUP BY kind, status").fetchall()
        out: dict[str, dict[str, int]] = {}
        for kind, status, n in rows:
            out.setdefault(kind, {})[status] = n
        return out
