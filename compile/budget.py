"""Budgets of a compile: a ceiling on LLM calls and on dollars, and the exception that stops the work.

``BudgetExceeded`` derives from ``BaseException`` on purpose: DSPy's optimizers and ``Evaluate`` catch
``Exception`` per example (a failed example scores 0 and the loop goes on), which would turn a spent budget
into a stream of failing calls. Like ``KeyboardInterrupt`` it passes through them to the compile driver,
which keeps the best program found so far.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field


class BudgetExceeded(BaseException):
    """The next LLM call would exceed the compile's budget; no call was made."""


class Budget(BaseModel):
    """Ceilings on what a compile may spend; ``None`` means no ceiling. Cache hits are free."""

    model_config = ConfigDict(extra="forbid")

    max_calls: int | None = Field(default=None, ge=0)
    max_cost_usd: float | None = Field(default=None, ge=0)


@dataclass
class Usage:
    """What was spent: calls that reached a model, requests served by the compile's cache, tokens, dollars."""

    calls: int = 0
    failed_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    by_model: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """A JSON-ready copy."""
        return {"calls": self.calls, "failed_calls": self.failed_calls, "cache_hits": self.cache_hits,
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "tokens": self.prompt_tokens + self.completion_tokens, "cost_usd": round(self.cost_usd, 6),
                "calls_by_model": dict(self.by_model)}


class Meter:
    """Counts the calls of every metered LM of one compile and enforces its ``Budget`` (thread-safe)."""

    def __init__(self, budget: Budget | None = None):
        self.budget = budget or Budget()
        self.usage = Usage()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._held_calls = 0
        self._held_cost = 0.0

    @contextlib.contextmanager
    def hold_back(self, calls: int = 0, cost_usd: float = 0.0) -> Iterator[None]:
        """Meanwhile, keep ``calls`` and ``cost_usd`` of the budget in reserve (e.g. for a final evaluation)."""
        with self._lock:
            self._held_calls, self._held_cost = calls, cost_usd
        try:
            yield
        finally:
            with self._lock:
                self._held_calls, self._held_cost = 0, 0.0

    def _over(self) -> str | None:
        spent = self.usage.calls + self.usage.failed_calls + self._in_flight
        if self.budget.max_calls is not None and spent >= self.budget.max_calls - self._held_calls:
            return f"call budget of {self.budget.max_calls} LLM calls is spent ({self._held_calls} held back)"
        if self.budget.max_cost_usd is not None and \
                self.usage.cost_usd >= self.budget.max_cost_usd - self._held_cost:
            return f"cost budget of ${self.budget.max_cost_usd} is spent (${self.usage.cost_usd:.4f})"
        return None

    def reserve(self, model: str) -> None:
        """Account for a call about to be made; ``BudgetExceeded`` if it would pass the budget."""
        with self._lock:
            reason = self._over()
            if reason:
                raise BudgetExceeded(reason)
            self._in_flight += 1

    def settle(self, model: str, *, ok: bool, prompt_tokens: int = 0, completion_tokens: int = 0,
               cost_usd: float = 0.0) -> None:
        """Record the outcome of a reserved call."""
        with self._lock:
            self._in_flight -= 1
            if ok:
                self.usage.calls += 1
            else:
                self.usage.failed_calls += 1
            self.usage.prompt_tokens += prompt_tokens
            self.usage.completion_tokens += completion_tokens
            self.usage.cost_usd += cost_usd
            self.usage.by_model[model] = self.usage.by_model.get(model, 0) + 1

    def hit(self) -> None:
        """Record a request served by the compile's cache."""
        with self._lock:
            self.usage.cache_hits += 1

    @property
    def exhausted(self) -> bool:
        """Whether no further call may be made."""
        with self._lock:
            return self._over() is not None

    def snapshot(self) -> dict:
        """The usage so far, JSON-ready."""
        with self._lock:
            return self.usage.as_dict()
