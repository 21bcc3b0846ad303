"""Per-model call limiter: adaptive in-flight limit (AIMD on 429s), RPM/TPM buckets, and a halt switch.

One ``ModelLimiter`` serves every role that uses the same model endpoint. Each call holds a slot while its
request is on the wire. A 429 halves the limit (once per wave: calls that started before the last decrease
do not decrease it again); each success adds ``1 / limit``, so the limit climbs back by one per window of
successful calls, up to the ceiling. An authentication or quota error halts the limiter: calls waiting for
a slot and all later calls raise ``CallsHalted`` at once, so a run stops within the wave already in flight.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from core.lm.token_bucket import TokenBucket

log = logging.getLogger(__name__)

UNBOUNDED = 1024
"""The ceiling when a model sets no ``max_concurrency`` (the driver's own bound applies first)."""


class CallsHalted(RuntimeError):
    """Calls to a model were halted by an authentication or quota error; the run stops resumably."""

    def __init__(self, model: str, cause: str):
        super().__init__(f"calls to {model} halted after: {cause}")
        self.model = model


@dataclass(frozen=True)
class Permit:
    """A held slot; ``epoch`` tells whether a 429 on it is news (see ``ModelLimiter.on_rate_limit``)."""

    epoch: int


@dataclass
class LimiterStats:
    """What a limiter did, for tests and the run summary."""

    calls: int = 0
    rate_limits: int = 0
    decreases: int = 0
    lowest_limit: int = UNBOUNDED
    peak_in_flight: int = 0


class ModelLimiter:
    """Bounds the calls in flight to one model and paces them to its RPM/TPM limits."""

    def __init__(self, name: str, ceiling: int | None = None, rpm: float | None = None, tpm: float | None = None,
                 decrease: float = 0.5, floor: int = 1):
        if not 0 < decrease < 1:
            raise ValueError("decrease must be in (0, 1)")
        self.name = name
        self.ceiling = max(floor, ceiling or UNBOUNDED)
        self.floor = floor
        self.decrease = decrease
        self.requests = TokenBucket.per_minute(rpm) if rpm else None
        self.tokens = TokenBucket.per_minute(tpm) if tpm else None
        self.stats = LimiterStats(lowest_limit=self.ceiling)
        self._limit = float(self.ceiling)
        self._in_flight = 0
        self._epoch = 0
        self._halted: str | None = None
        self._cond = threading.Condition()

    def __deepcopy__(self, memo: dict) -> ModelLimiter:
        return self  # copies of an LM talk to the same endpoint: they share its limits

    @property
    def limit(self) -> int:
        """The current bound on calls in flight."""
        return int(self._limit)

    @property
    def in_flight(self) -> int:
        """Calls holding a slot now."""
        return self._in_flight

    @property
    def halted(self) -> str | None:
        """Why calls are halted, or ``None``."""
        return self._halted

    def _check(self) -> None:
        if self._halted is not None:
            raise CallsHalted(self.name, self._halted)

    @contextlib.contextmanager
    def slot(self, tokens: int = 0) -> Iterator[Permit]:
        """Hold a slot (and one request and ``tokens`` tokens from the buckets) for one call."""
        with self._cond:
            while True:
                self._check()
                if self._in_flight < int(self._limit):
                    break
                self._cond.wait(0.5)
            self._in_flight += 1
            self.stats.calls += 1
            self.stats.peak_in_flight = max(self.stats.peak_in_flight, self._in_flight)
            permit = Permit(self._epoch)
        try:
            halted = lambda: self._halted is not None
            for bucket, amount in ((self.requests, 1), (self.tokens, tokens)):
                if bucket is not None and amount and not bucket.take(amount, should_stop=halted):
                    self._check()
            yield permit
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify()

    def on_success(self) -> None:
        """Additive increase: one more slot per window of successful calls, up to the ceiling."""
        with self._cond:
            if self._limit < self.ceiling:
                grew = int(self._limit + 1 / self._limit) > int(self._limit)
                self._limit = min(float(self.ceiling), self._limit + 1 / self._limit)
                if grew:
                    self._cond.notify()

    def on_rate_limit(self, permit: Permit) -> None:
        """Multiplicative decrease, once per wave: a 429 on a call older than the last decrease is ignored."""
        with self._cond:
            self.stats.rate_limits += 1
            if permit.epoch != self._epoch:
                return
            before = self._limit
            self._limit = max(float(self.floor), min(self._limit, float(self._in_flight)) * self.decrease)
            self._epoch += 1
            self.stats.decreases += 1
            self.stats.lowest_limit = min(self.stats.lowest_limit, int(self._limit))
        log.info("%s: 429, in-flight limit %d -> %d", self.name, int(before), int(self._limit))

    def halt(self, cause: str) -> None:
        """Refuse every further call (authentication or quota errors); waiting calls raise at once."""
        with self._cond:
            if self._halted is None:
                self._halted = cause
                log.error("%s: halting calls: %s", self.name, cause)
            self._cond.notify_all()
