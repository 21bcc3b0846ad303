"""Stopping a run that every unit fails the same way: repeated identical non-retryable provider errors.

A 400 (an invalid parameter in the config) or a 404 (a model name the provider does not serve) fails every
call the same way, and no retry or later unit can succeed: without this watch each unit failed and the run
exited 0. ``FaultWatch.observe`` sees each committed unit's outcome; once ``limit`` units in a row failed
with no example and the same ``invalid_request`` error, it names that error, and the driver stops the run
(``provider_fatal``, resumable once the config is fixed; the CLI's exit code 5). A unit that produces an
example, or fails otherwise, resets the count.
"""

from __future__ import annotations

import re

from core.flow.outcome import UnitOutcome

FATAL_SAME_ERRORS = 3
"""Units in a row failed by one identical non-retryable provider error before the run stops."""

WATCHED_REASONS = frozenset({"invalid_request"})
_REQUEST_ID = re.compile(r"\b(?:req|request|chatcmpl|id)[-_:= ]*[A-Za-z0-9\-]{6,}\b", re.IGNORECASE)


class FaultWatch:
    """Counts consecutive units failed by one identical non-retryable provider error."""

    def __init__(self, limit: int = FATAL_SAME_ERRORS):
        self.limit = max(1, limit)
        self._signature: str | None = None
        self._count = 0

    def observe(self, outcome: UnitOutcome) -> str | None:
        """Update the count with one unit; the error's message once the run must stop, else None."""
        watched = [f for f in outcome.failures if f.reason in WATCHED_REASONS]
        if outcome.examples or not watched:
            self._signature, self._count = None, 0
            return None
        signature = _REQUEST_ID.sub("<id>", f"{watched[0].error}: {watched[0].excerpt}")
        if signature == self._signature:
            self._count += 1
        else:
            self._signature, self._count = signature, 1
        if self._count >= self.limit:
            return f"{self._count} units in a row failed with the same error, which no retry can fix: {signature}"
        return None
