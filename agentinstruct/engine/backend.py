"""Where work units run: ``LocalBackend`` (threads in this process) or ``RayBackend`` (ray_backend.py).

A backend turns a unit into a ``concurrent.futures.Future`` of its ``UnitOutcome``; the driver waits on
those futures and commits every outcome itself, so the run directory and ledger stay on the driver side.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from core.flow.outcome import UnitOutcome
from core.seeds import SeedDoc

UnitRunner = Callable[[str, SeedDoc, str], UnitOutcome]


class UnitBackend(Protocol):
    """Runs units somewhere; used as a context manager around a run."""

    concurrency: int

    def submit(self, unit_id: str, seed: SeedDoc, skill: str) -> Future:
        """Start a unit; the future holds its ``UnitOutcome`` or raises (``FatalRunError`` stops the run)."""

    def __enter__(self) -> UnitBackend: ...  # noqa: PYI034 - returns self

    def __exit__(self, *exc) -> None: ...


class LocalBackend:
    """Units on a thread pool of ``concurrency`` workers, each in a copy of the submitting context."""

    def __init__(self, concurrency: int, runner: UnitRunner):
        self.concurrency = max(1, concurrency)
        self._runner = runner
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> LocalBackend:  # noqa: PYI034 - returns self
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="unit")
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def submit(self, unit_id: str, seed: SeedDoc, skill: str) -> Future:
        """Run the unit on a worker thread; dspy.context settings (usage tracker, adapter) come along."""
        if self._pool is None:
            raise RuntimeError("LocalBackend.submit outside its `with` block")
        ctx = contextvars.copy_context()
        return self._pool.submit(ctx.run, self._runner, unit_id, seed, skill)
