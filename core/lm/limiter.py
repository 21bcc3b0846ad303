"""Per-model call limiter: adaptive in-flight limit, one shared rate-limit pause, RPM/TPM buckets, a halt switch.

One ``ModelLimiter`` serves every role that uses the same model endpoint. Each call holds a slot while its
request is on the wire.

Rate limits (measured, issue 14): a provider that answers a random 20% of requests with 429 is not asking
for fewer requests in flight, and halving the limit at the first 429 of every wave (the old AIMD policy)
kept a median of 2 of 32 calls in flight and cost 11x the clean wall time. So the limiter reads the 429s as
a signal only in aggregate: it keeps the outcomes of the last ``window`` responses, and

- while fewer than ``pressure_share`` of them are 429s, a 429 changes nothing but that one request's retry
  (a short jittered wait, ``LimitedLM``);
- once the share reaches ``pressure_share`` (the endpoint is saturated), the limit is cut by ``decrease``
  (once per wave: calls that started before the last cut do not cut again) and the whole model pauses
  for one jittered backoff that grows with each consecutive saturated wave: one pause for the model, not N
  independent sleeps. A ``Retry-After`` from the provider sets that shared pause directly (capped by
  ``max_pause_s``).
- every success adds one slot back (slow-start), up to the ceiling: the limit recovers as fast as
  successes allow, and a success resets the pressure level.

An authentication or quota error halts the limiter: calls waiting for a slot and all later calls raise
``CallsHalted`` at once, so a run stops within the wave already in flight.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from core.lm.token_bucket import TokenBucket

log = logging.getLogger(__name__)

UNBOUNDED = 1024
"""The ceiling when a model sets no ``max_concurrency`` (the driver's own bound applies first)."""
PAUSE_BASE_S = 0.25
"""The first shared pause when the endpoint is saturated and gives no ``Retry-After``."""


class CallsHalted(RuntimeError):
    """Calls to a model were halted by an authentication or quota error; the run stops resumably."""

    def __init__(self, model: str, cause: str):
        super().__init__(f"calls to {model} halted after: {cause}")
        self.model = model


@dataclass(frozen=True)
class Permit:
    """A held slot; ``epoch`` tells whether a saturation signal on it is news (see ``on_rate_limit``)."""

    epoch: int


@dataclass
class LimiterStats:
    """What a limiter did, for tests, the bench and the log."""

    calls: int = 0
    rate_limits: int = 0
    decreases: int = 0
    pauses: int = 0
    paused_s: float = 0.0
    lowest_limit: int = UNBOUNDED
    peak_in_flight: int = 0


class ModelLimiter:
    """Bounds the calls in flight to one model and paces them to its RPM/TPM limits."""

    def __init__(self, name: str, ceiling: int | None = None, rpm: float | None = None, tpm: float | None = None,
                 decrease: float = 0.7, floor: int = 1, window: int = 50, pressure_share: float = 0.5,
                 max_pause_s: float = 120.0, clock: Callable[[], float] = time.monotonic,
                 rng: Callable[[], float] = random.random):
        if not 0 < decrease < 1:
            raise ValueError("decrease must be in (0, 1)")
        if not 0 < pressure_share <= 1:
            raise ValueError("pressure_share must be in (0, 1]")
        self.name = name
        self.ceiling = max(floor, ceiling or UNBOUNDED)
        self.floor = floor
        self.decrease = decrease
        self.pressure_share = pressure_share
        self.max_pause_s = max_pause_s
        self.requests = TokenBucket.per_minute(rpm) if rpm else None
        self.tokens = TokenBucket.per_minute(tpm) if tpm else None
        self.stats = LimiterStats(lowest_limit=self.ceiling)
        self._clock = clock
        self._rng = rng
        self._limit = float(self.ceiling)
        self._in_flight = 0
        self._epoch = 0
        self._recent: deque[bool] = deque(maxlen=max(4, window))  # True: a 429
        self._pressure = 0
        self._pause_until = 0.0
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

    def pause_remaining(self) -> float:
        """Seconds left of the model's shared rate-limit pause (0 when none)."""
        return max(0.0, self._pause_until - self._clock())

    def _check(self) -> None:
        if self._halted is not None:
            raise CallsHalted(self.name, self._halted)

    @contextlib.contextmanager
    def slot(self, tokens: int = 0) -> Iterator[Permit]:
        """Hold a slot (and one request and ``tokens`` tokens from the buckets) for one call.

        Waits while the model is paused or full; a halt ends the wait at once."""
        with self._cond:
            while True:
                self._check()
                pause = self._pause_until - self._clock()
                if pause <= 0 and self._in_flight < int(self._limit):
                    break
                self._cond.wait(min(0.5, pause) if pause > 0 else 0.5)
            self._in_flight += 1
            self.stats.calls += 1
            self.stats.peak_in_flight = max(self.stats.peak_in_flight, self._in_flight)
            permit = Permit(self._epoch)
        try:
            halted = lambda: self._halted is not None  # noqa: E731 - a tiny predicate for the buckets
            for bucket, amount in ((self.requests, 1), (self.tokens, tokens)):
                if bucket is not None and amount and not bucket.take(amount, should_stop=halted):
                    self._check()
            yield permit
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify()

    def on_success(self) -> None:
        """One more slot per success (up to the ceiling); the pressure level resets."""
        with self._cond:
            self._recent.append(False)
            self._pressure = 0
            if self._limit < self.ceiling:
                self._limit = min(float(self.ceiling), self._limit + 1)
                self._cond.notify()

    def on_rate_limit(self, permit: Permit, retry_after: float | None = None) -> float:
        """Record a 429; returns the seconds of shared pause now in force (0 when the model is not paused).

        A ``Retry-After`` pauses the model for that long (capped). Without one, the model pauses and its
        limit is cut only when the endpoint is saturated (see the module docstring)."""
        with self._cond:
            self.stats.rate_limits += 1
            self._recent.append(True)
            now = self._clock()
            if retry_after is not None and retry_after > 0:
                self._pause(now, min(float(retry_after), self.max_pause_s))
            share = sum(self._recent) / len(self._recent)
            saturated = len(self._recent) >= min(8, self._recent.maxlen) and share >= self.pressure_share
            if saturated and permit.epoch == self._epoch:
                before = self._limit
                self._limit = max(float(self.floor), min(self._limit, float(max(self._in_flight, 1))) * self.decrease)
                self._epoch += 1
                self._pressure += 1
                self.stats.decreases += 1
                self.stats.lowest_limit = min(self.stats.lowest_limit, int(self._limit))
                if retry_after is None:
                    backoff = min(self.max_pause_s, PAUSE_BASE_S * 2 ** (self._pressure - 1))
                    self._pause(now, backoff * (0.5 + 0.5 * self._rng()))
                log.info("%s: saturated (%.0f%% of the last %d responses were 429), in-flight limit %d -> %d, "
                         "pause %.2fs", self.name, 100 * share, len(self._recent), int(before), int(self._limit),
                         self.pause_remaining())
            return max(0.0, self._pause_until - now)

    def _pause(self, now: float, seconds: float) -> None:
        until = now + seconds
        if until > self._pause_until:
            self.stats.pauses += 1
            self.stats.paused_s += until - max(now, self._pause_until)
            self._pause_until = until

    def halt(self, cause: str) -> None:
        """Refuse every further call (authentication or quota errors); waiting calls raise at once."""
        with self._cond:
            if self._halted is None:
                self._halted = cause
                log.error("%s: halting calls: %s", self.name, cause)
            self._cond.notify_all()
