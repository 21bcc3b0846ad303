"""A thread-safe token bucket: the RPM and TPM limits of one model."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` units per second, bursts of at most ``burst`` units.

    ``take(n)`` waits until the bucket holds ``min(n, burst)`` units and then removes ``n``: a request larger
    than the burst passes once the bucket is full and leaves a debt that the refill pays before the next.
    Over any window of ``t`` seconds at most ``burst + rate * t`` units pass (plus one oversized request).
    """

    def __init__(self, rate: float, burst: float | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else rate)
        self._clock = clock
        self._sleep = sleep
        self._level = self.burst
        self._stamp = clock()
        self._lock = threading.Lock()

    @classmethod
    def per_minute(cls, per_minute: float) -> TokenBucket:
        """A bucket for a per-minute limit that allows one second's worth at once."""
        return cls(per_minute / 60.0, burst=per_minute / 60.0)

    def _refill(self) -> None:
        now = self._clock()
        self._level = min(self.burst, self._level + (now - self._stamp) * self.rate)
        self._stamp = now

    def try_take(self, n: float = 1.0) -> float:
        """Take ``n`` units if available now and return 0; otherwise return the seconds to wait."""
        with self._lock:
            self._refill()
            need = min(n, self.burst)
            if self._level >= need - 1e-9:  # float dust must not leave a waiter sleeping 0 s forever
                self._level -= n
                return 0.0
            return (need - self._level) / self.rate

    def take(self, n: float = 1.0, should_stop: Callable[[], bool] | None = None) -> bool:
        """Wait for and take ``n`` units; returns ``False`` (taking nothing) once ``should_stop()`` is true."""
        while True:
            if should_stop is not None and should_stop():
                return False
            wait = self.try_take(n)
            if wait == 0.0:
                return True
            self._sleep(min(wait, 0.25))
