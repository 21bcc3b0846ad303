"""``LimitedLM``: a ``dspy.LM`` whose every attempt goes through its model's ``ModelLimiter``.

DSPy's own retry loop is switched off (``num_retries=0`` on the parent) so that each attempt is seen here:
a 429 lowers the model's in-flight limit and waits ``Retry-After`` (plus up to 25% jitter), other transient
errors (5xx, timeouts, connection) back off exponentially with full jitter, authentication and quota
errors halt the model's limiter (the run stops within the wave in flight), and errors that cannot succeed
on a retry (context length, bad request, content policy) are raised after one attempt.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from typing import Any

import dspy
from dspy.utils.exceptions import LMAuthError, LMBillingError, LMRateLimitError, is_retryable_lm_error

from core.flow.failures import excerpt
from core.lm.limiter import ModelLimiter

log = logging.getLogger(__name__)

BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 60.0


def backoff_delay(exc: BaseException, attempt: int, rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry ``attempt + 1``: ``Retry-After`` honoured, jitter always added."""
    hint = getattr(exc, "retry_after", None)
    if isinstance(hint, (int, float)) and hint >= 0:
        return float(hint) * (1 + 0.25 * rng())
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

    def __init__(self, model: str, *, limiter: ModelLimiter, retries: int = 3,
                 sleep: Callable[[float], None] = time.sleep, **kwargs: Any):
        kwargs.pop("num_retries", None)
        super().__init__(model, num_retries=0, **kwargs)
        self.limiter = limiter
        self.retries = retries
        self._sleep = sleep

    def __call__(self, prompt=None, *, messages=None, **kwargs):
        """One LM call: attempts under the limiter, retried as the module docstring says."""
        max_tokens = kwargs.get("max_tokens") or self.kwargs.get("max_tokens") \
            or self.kwargs.get("max_completion_tokens")
        tokens = estimate_tokens(messages, prompt if isinstance(prompt, str) else None, max_tokens)
        attempt = 0
        while True:
            with self.limiter.slot(tokens) as permit:
                try:
                    outputs = super().__call__(prompt, messages=messages, **kwargs)
                except (LMAuthError, LMBillingError) as exc:
                    self.limiter.halt(f"{type(exc).__name__}: {excerpt(exc, 200)}")
                    raise
                except Exception as exc:
                    if not is_retryable_lm_error(exc) or attempt >= self.retries:
                        raise
                    if isinstance(exc, LMRateLimitError):
                        self.limiter.on_rate_limit(permit)
                    delay = backoff_delay(exc, attempt)
                    log.info("%s: attempt %d failed (%s), retrying in %.2fs", self.model, attempt + 1,
                             type(exc).__name__, delay)
                else:
                    self.limiter.on_success()
                    return outputs
            attempt += 1
            self._sleep(delay)  # outside the slot: a waiting retry holds no capacity

    async def acall(self, prompt=None, *, messages=None, **kwargs):
        """The same path as ``__call__``, on a worker thread (the limiter blocks)."""
        return await asyncio.to_thread(self.__call__, prompt, messages=messages, **kwargs)
