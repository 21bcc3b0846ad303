"""SQLite ledger of work units (seed x skill): the source of truth for exactly-once, resumable runs.

A unit is *committed* when its status turns ``done`` or ``failed``; its records are written to the shard
before that, so on resume any shard line of an uncommitted unit is an orphan and is dropped.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PENDING, DONE, FAILED = "pending", "done", "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS units (
    unit_id   TEXT PRIMARY KEY,
    seed_id   TEXT NOT NULL,
    skill     TEXT NOT NULL,
    status    TEXT NOT NULL,
    attempts  INTEGER NOT NULL DEFAULT 0,
    records   INTEGER NOT NULL DEFAULT 0,
    reason    TEXT,
    detail    TEXT,
    updated   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS units_status ON units(status);
"""


@dataclass(frozen=True)
class UnitRow:
    """One row of the ledger."""

    unit_id: str
    seed_id: str
    skill: str
    status: str
    attempts: int
    records: int
    reason: str | None
    detail: str | None


class Ledger:
    """Thread-safe access to a run's ``ledger.sqlite``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a commit survives a killed process (SIGKILL) without an fsync of its own; only a
        # power loss may roll back the last commits. That loses progress, never records: a unit's lines are
        # fsynced before its ``finish``, and lines of a unit that is not committed are dropped on resume.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def status(self, unit_id: str) -> str | None:
        """The unit's status, or ``None`` if it was never seen."""
        with self._lock:
            row = self._db.execute("SELECT status FROM units WHERE unit_id=?", (unit_id,)).fetchone()
        return row[0] if row else None

    def start(self, unit_id: str, seed_id: str, skill: str) -> None:
        """Register an attempt at a unit (inserting it as pending if new)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO units(unit_id, seed_id, skill, status, attempts, updated) VALUES (?,?,?,?,1,?)"
                " ON CONFLICT(unit_id) DO UPDATE SET attempts=attempts+1, updated=excluded.updated",
                (unit_id, seed_id, skill, PENDING, time.time()),
            )

    def finish(self, unit_id: str, status: str, records: int, reason: str | None = None,
               detail: str | None = None) -> None:
        """Commit a unit as ``done`` or ``failed``."""
        if status not in (DONE, FAILED):
            raise ValueError(f"a unit finishes as {DONE!r} or {FAILED!r}, not {status!r}")
        with self._lock:
            self._db.execute(
                "UPDATE units SET status=?, records=?, reason=?, detail=?, updated=? WHERE unit_id=?",
                (status, records, reason, detail, time.time(), unit_id),
            )

    def finish_many(self, rows: list[tuple[str, str, int, str | None, str | None]]) -> None:
        """Commit several units at once, each as :meth:`finish` would (``(unit_id, status, records, reason,
        detail)``), in one transaction: all of them or, should it fail, none."""
        for row in rows:
            if row[1] not in (DONE, FAILED):
                raise ValueError(f"a unit finishes as {DONE!r} or {FAILED!r}, not {row[1]!r}")
        if len(rows) == 1:
            self.finish(*rows[0])
            return
        if not rows:
            return
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "UPDATE units SET status=?, records=?, reason=?, detail=?, updated=? WHERE unit_id=?",
                    [(status, records, reason, detail, time.time(), unit_id)
                     for unit_id, status, records, reason, detail in rows],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def committed(self) -> set[str]:
        """Ids of units that are done or failed."""
        with self._lock:
            rows = self._db.execute("SELECT unit_id FROM units WHERE status IN (?,?)", (DONE, FAILED))
            return {r[0] for r in rows}

    def rows(self) -> list[UnitRow]:
        """All units, in insertion order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT unit_id, seed_id, skill, status, attempts, records, reason, detail FROM units"
                " ORDER BY rowid"
            ).fetchall()
        return [UnitRow(*r) for r in rows]

    def counts(self) -> dict[str, int]:
        """Number of units by status."""
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM units GROUP BY status").fetchall()
        return dict(rows)
