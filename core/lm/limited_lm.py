"""``LimitedLM``: a ``dspy.LM`` whose every attempt goes through its model's ``ModelLimiter``.

DSPy's own retry loop is switched off (``num_retries=0`` on the parent) so that each attempt is seen here:

- a 429 is retried for as long as ``rate_limit_patience_s`` allows (a rate limit is transient by nature:
  no unit should fail because the provider would have served it a few seconds later), after the model's
  shared pause (``ModelLimiter.on_rate_limit``; a ``Retry-After`` sets it, capped) or a short jittered wait
  of its own when the model is not paused;
- other transient errors (5xx, timeouts, connection) back off exponentially with full jitter, at most
  ``retries`` times;
- authentication and quota errors halt the model's limiter (the run stops within the wave in flight);
- errors that cannot succeed on a retry (context length, bad request, content policy) are raised after one
  attempt.

Every wait is interruptible: ``interrupt`` (a ``threading.Event`` the runner sets on SIGINT/SIGTERM or a
budget stop) ends it at once with ``RetryInterrupted``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import dspy
from dspy.lm15 import Request, Response
from dspy.utils.exceptions import LMAuthError, LMBillingError, LMRateLimitError

from core.dspy_internals import complete_request
from core.flow.failures import excerpt
from core.lm.limiter import ModelLimiter
from core.lm.replies import EmptyReply, is_empty_reply, is_transient

log = logging.getLogger(__name__)

BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 60.0
RATE_LIMIT_BASE_S = 0.1
"""A rate-limited request's own first retry wait (full jitter, doubling per attempt) when the model is not
paused: random 429s cost a fraction of a second, not a backoff ladder."""
RATE_LIMIT_CAP_S = 10.0


class RetryInterrupted(RuntimeError):
    """A retry wait was cut short by a stop; the call was not completed (the unit is redone on resume)."""


def backoff_delay(exc: BaseException, attempt: int, rng: Callable[[], float] = random.random,
                  max_retry_after_s: float = 120.0) -> float:
    """Seconds to wait before retry ``attempt + 1``: ``Retry-After`` honoured (capped), jitter always added."""
    hint = getattr(exc, "retry_after", None)
    if isinstance(hint, (int, float)) and hint >= 0:
        return min(float(hint), max_retry_after_s) * (1 + 0.25 * rng())
    return rng() * min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt)


def estimate_tokens(messages: list[dict[str, Any]] | None, prompt: str | None, max_tokens: int | None) -> int:
    """Tokens a request counts against a TPM limit: prompt characters / 4 plus ``max_tokens``."""
    chars = len(prompt or "")
    for message in messages or ():
        content = message.get("content", "")
        chars += len(content) if isinstance(content, str) else len(str(content))
    return chars // 4 + int(max_tokens or 0)


class LimitedLM(dspy.LM):
    """A ``dspy.LM`` with per-model adaptive concurrency, RPM/TPM pacing and jittered retries."""

    def __init__(self, model: str, *, limiter: ModelLimiter, retries: int = 3, rate_limit_patience_s: float = 600.0,
                 max_retry_after_s: float = 120.0, interrupt: threading.Event | None = None,
                 rng: Callable[[], float] = random.random, **kwargs: Any):
        kwargs.pop("num_retries", None)
        super().__init__(model, num_retries=0, **kwargs)
        self.limiter = limiter
        self.retries = retries
        self.rate_limit_patience_s = rate_limit_patience_s
        self.max_retry_after_s = max_retry_after_s
        self.interrupt = interrupt or threading.Event()
        self._rng = rng

    def __call__(self, prompt=None, *, messages=None, **kwargs):
        """One LM call: attempts under the limiter, retried as the module docstring says."""
        return self._limited(lambda: super(LimitedLM, self).__call__(prompt, messages=messages, **kwargs),
                             self._tokens(prompt, messages, kwargs))

    def complete_request(self, request: Request) -> Response:
        """One ``Request`` (the middleware's call), limited and retried as ``__call__``; each attempt goes to
        DSPy's execution directly (``core.dspy_internals.complete_request``), so the one ``dspy.LM`` layer a
        metered call runs is the middleware's (its callbacks, history and usage), not two. DSPy's own request
        cache is not consulted: the middleware's request store is the one cache (``core.lm.cache``; every job
        switches DSPy's off anyway, but its key and record were still built per call)."""
        return self._limited(lambda: complete_request(self, request, cache=False), self._tokens(request, None, {}))

    def _tokens(self, prompt, messages, kwargs) -> int:
        max_tokens = kwargs.get("max_tokens") or self.kwargs.get("max_tokens") \
            or self.kwargs.get("max_completion_tokens")
        return estimate_tokens(messages, prompt if isinstance(prompt, str) else None, max_tokens)

    def _limited(self, send: Callable[[], Any], tokens: int) -> Any:
        """``send()`` under the limiter, retried as the module docstring says."""
        attempt, rate_limited, started = 0, 0, time.monotonic()
        while True:
            with self.limiter.slot(tokens) as permit:
                try:
                    outputs = send()
                    if is_empty_reply(outputs):  # a 200 with no choice in it: transient (core.lm.replies)
                        raise EmptyReply(self.model)
                except (LMAuthError, LMBillingError) as exc:
                    self.limiter.halt(f"{type(exc).__name__}: {excerpt(exc, 200)}")
                    raise
                except Exception as exc:
                    delay = self._retry_delay(exc, permit, attempt, rate_limited, started)
                    if delay is None:
                        raise
                    rate_limited += isinstance(exc, LMRateLimitError)
                    log.debug("%s: attempt %d failed (%s), retrying in %.2fs", self.model, attempt + 1,
                              type(exc).__name__, delay)
                else:
                    self.limiter.on_success()
                    return outputs
            attempt += 1
            self._wait(delay)  # outside the slot: a waiting retry holds no capacity

    def _retry_delay(self, exc: Exception, permit, attempt: int, rate_limited: int, started: float) -> float | None:
        """Seconds to wait before the next attempt, or None when ``exc`` is final."""
        if not is_transient(exc):  # DSPy's retryable errors, and a 200 whose body is not JSON
            return None
        if isinstance(exc, LMRateLimitError):
            hint = getattr(exc, "retry_after", None)
            hint = float(hint) if isinstance(hint, (int, float)) and hint >= 0 else None
            paused = self.limiter.on_rate_limit(permit, None if hint is None else min(hint, self.max_retry_after_s))
            own = self._rng() * min(RATE_LIMIT_CAP_S, RATE_LIMIT_BASE_S * 2**rate_limited)
            delay = max(paused, own)
            if time.monotonic() - started + delay > self.rate_limit_patience_s:
                log.warning("%s: still rate limited after %.0fs (rate_limit_patience_s); giving up on this call",
                            self.model, time.monotonic() - started)
                return None
            return delay
        if attempt >= self.retries:
            return None
        return backoff_delay(exc, attempt, self._rng, self.max_retry_after_s)

    def _wait(self, seconds: float) -> None:
        if self.interrupt.wait(seconds):
            raise RetryInterrupted(f"{self.model}: retry wait interrupted by a stop")

    async def acall(self, prompt=None, *, messages=None, **kwargs):
        """The same path as ``__call__``, on a worker thread (the limiter blocks)."""
        return await asyncio.to_thread(self.__call__, prompt, messages=messages, **kwargs)
