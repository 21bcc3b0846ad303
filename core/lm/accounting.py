"""The one accountant: calls, tokens and cost per model, role and skill, and the call and cost budgets.

Every LM call of a generation run, a compile, a knob study (and evaluation or arena jobs) goes through the
one middleware (``core.lm.metered``), which asks ``reserve`` before a call, ``settle``s it afterwards and
counts cache hits (free). The role and skill of a call are read from context variables that the program
(``RoleLMs.use``) and the runner set. ``check()`` runs before every predictor call as well.

``BudgetExhausted`` is the one budget exception and derives from ``BaseException`` on purpose: DSPy's
optimizers and ``Evaluate`` catch ``Exception`` per example (a failed example scores 0 and the loop goes
on), and so does the flow per item; a spent budget must pass through all of them to the job's runner, which
stops cleanly (a run stays resumable; a compile keeps its best program so far).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
import threading
from collections import defaultdict
from collections.abc import Iterator
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from core.summary import UsageTotals

log = logging.getLogger(__name__)

current_role: contextvars.ContextVar[str] = contextvars.ContextVar("agentinstruct_role", default="-")
current_skill: contextvars.ContextVar[str] = contextvars.ContextVar("agentinstruct_skill", default="-")
usage_journal: contextvars.ContextVar[list | None] = contextvars.ContextVar("agentinstruct_journal", default=None)
"""When set to a list, every call recorded in this context is appended (a Ray worker sends it back)."""


class BudgetConfig(BaseModel):
    """Hard limits for one invocation of a job; ``None`` means no limit. Cache hits are free."""

    model_config = ConfigDict(extra="forbid")

    max_calls: int | None = Field(default=None, ge=0)
    """LLM calls that reach a model (completed or failed)."""
    max_cost_usd: float | None = Field(default=None, ge=0)
    prices: dict[str, tuple[float, float]] = Field(default_factory=dict)
    """USD per 1M (input, output) tokens by model name; overrides LiteLLM's price list."""


class UsageRecord(NamedTuple):
    """One completed call, attributed to its model, role and skill."""

    model: str
    role: str
    skill: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


class BudgetExhausted(BaseException):
    """The next LLM call would pass a budget; no call was made. The job stops cleanly and can resume."""


def _litellm_cost(model: str, prompt: int, completion: int) -> float | None:
    """LiteLLM's price for a call, only when LiteLLM is already loaded (its compatibility engine is in use).

    Importing LiteLLM costs seconds (and tries to fetch its price list); the native engine never needs it.
    """
    litellm = sys.modules.get("litellm")
    if litellm is None:
        return None
    try:
        cost_in, cost_out = litellm.cost_per_token(model=model, prompt_tokens=prompt, completion_tokens=completion)
    except Exception as exc:  # noqa: BLE001 - LiteLLM raises many types for unknown models; logged, cost unknown
        log.debug("no LiteLLM price for %s: %s", model, exc)
        return None
    return float(cost_in) + float(cost_out)


class Accountant:
    """Usage totals by model, role and skill, and the budget (thread-safe)."""

    def __init__(self, budget: BudgetConfig | None = None):
        self.budget = budget or BudgetConfig()
        self._lock = threading.Lock()
        self.by_model: dict[str, UsageTotals] = defaultdict(UsageTotals)
        self.by_role: dict[str, UsageTotals] = defaultdict(UsageTotals)
        self.by_skill: dict[str, UsageTotals] = defaultdict(UsageTotals)
        self.unpriced: set[str] = set()
        self.calls = 0
        self.failed_calls = 0
        self.cache_hits = 0
        self.malformed = 0
        """Structured answers that did not parse or lacked a field (asked again, never cached)."""
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cost_usd = 0.0
        self._in_flight = 0
        self._held_calls = 0
        self._held_cost = 0.0

    # -- the budget ---------------------------------------------------------------------------------
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

    def _over(self, in_flight: int = 0) -> str | None:
        b = self.budget
        spent = self.calls + self.failed_calls + in_flight
        if b.max_calls is not None and spent >= b.max_calls - self._held_calls:
            held = f" ({self._held_calls} held back)" if self._held_calls else ""
            return f"call budget of {b.max_calls} LLM calls is spent{held} (--max-calls)"
        if b.max_cost_usd is not None and self.cost_usd >= b.max_cost_usd - self._held_cost:
            return f"cost budget of ${b.max_cost_usd} is spent (${self.cost_usd:.4f}, --max-cost)"
        return None

    def check(self) -> None:
        """Raise ``BudgetExhausted`` when a limit has been reached (before each predictor call)."""
        with self._lock:
            reason = self._over(self._in_flight)
        if reason:
            raise BudgetExhausted(reason)

    @property
    def exhausted(self) -> bool:
        """Whether no further call may be made."""
        with self._lock:
            return self._over(self._in_flight) is not None

    def reserve(self, model: str) -> None:
        """Account for a call about to be made; ``BudgetExhausted`` if it would pass the budget."""
        with self._lock:
            reason = self._over(self._in_flight)
            if reason:
                raise BudgetExhausted(reason)
            self._in_flight += 1

    def settle(self, model: str, *, ok: bool, prompt_tokens: int = 0, completion_tokens: int = 0,
               reported_cost: Any = None) -> None:
        """Record the outcome of a reserved call (a failed call counts against the call budget too)."""
        with self._lock:
            self._in_flight -= 1
        cost = self._cost(model, prompt_tokens, completion_tokens, reported_cost) if ok else 0.0
        usage = UsageRecord(model, current_role.get(), current_skill.get(), prompt_tokens, completion_tokens, cost)
        if ok:
            self.record(usage)
        else:
            self.record_failure(usage)

    def malformed_answer(self) -> None:
        """Record a structured answer that was unusable (it is asked again, never cached)."""
        with self._lock:
            self.malformed += 1

    def hit(self) -> None:
        """Record a request served by the request cache."""
        with self._lock:
            self.cache_hits += 1

    # -- usage --------------------------------------------------------------------------------------
    def _cost(self, model: str, prompt: int, completion: int, reported: Any) -> float:
        if model in self.budget.prices:
            per_in, per_out = self.budget.prices[model]
            return (prompt * per_in + completion * per_out) / 1e6
        if isinstance(reported, (int, float)) and reported > 0:
            return float(reported)
        if model.startswith("local/") or model in self.unpriced:
            return 0.0  # an unpriced model is looked up once, not on every call
        cost = _litellm_cost(model, prompt, completion)
        if cost is None:
            with self._lock:
                self.unpriced.add(model)
            return 0.0
        return cost

    def record(self, usage: UsageRecord) -> None:
        """Count one completed call (from ``settle``, or reported by a remote worker)."""
        with self._lock:
            self.calls += 1
            self.prompt_tokens += usage.prompt_tokens
            self.completion_tokens += usage.completion_tokens
            self.cost_usd += usage.cost_usd
            for bucket in (self.by_model[usage.model], self.by_role[usage.role], self.by_skill[usage.skill]):
                bucket.calls += 1
                bucket.prompt_tokens += usage.prompt_tokens
                bucket.completion_tokens += usage.completion_tokens
                bucket.cost_usd += usage.cost_usd
        journal = usage_journal.get()
        if journal is not None:
            journal.append(usage)

    def record_failure(self, usage: UsageRecord) -> None:
        """Count a call that reached a model and failed; the tokens it reports were spent all the same."""
        with self._lock:
            self.failed_calls += 1
            self.prompt_tokens += usage.prompt_tokens
            self.completion_tokens += usage.completion_tokens
            for bucket in (self.by_model[usage.model], self.by_role[usage.role], self.by_skill[usage.skill]):
                bucket.prompt_tokens += usage.prompt_tokens
                bucket.completion_tokens += usage.completion_tokens

    def snapshot(self) -> dict:
        """The usage so far, JSON-ready."""
        with self._lock:
            return {"calls": self.calls, "failed_calls": self.failed_calls, "cache_hits": self.cache_hits,
                    "malformed": self.malformed,
                    "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                    "tokens": self.prompt_tokens + self.completion_tokens, "cost_usd": round(self.cost_usd, 6),
                    "calls_by_model": {m: u.calls for m, u in self.by_model.items()}}
