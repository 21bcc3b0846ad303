"""Accounting and budgets: calls, tokens and cost per model, role and skill, with hard limits.

``Accountant`` is a DSPy ``UsageTracker`` (DSPy reports every completed, non-cached call to it in the
calling thread), so the role and skill of a call are read from context variables that the program
(``RoleLMs.use``) and the driver set. ``check()`` runs before every predictor call and raises
``BudgetExhausted`` once a limit is reached; the driver then stops without committing the unit in hand,
so the run stays resumable.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import threading
from collections import defaultdict
from typing import Any, NamedTuple

from dspy.utils.usage_tracker import UsageTracker
from pydantic import BaseModel, ConfigDict, Field

from agentinstruct.engine.summary import UsageTotals

log = logging.getLogger(__name__)

current_role: contextvars.ContextVar[str] = contextvars.ContextVar("agentinstruct_role", default="-")
current_skill: contextvars.ContextVar[str] = contextvars.ContextVar("agentinstruct_skill", default="-")


class BudgetConfig(BaseModel):
    """Hard limits for one invocation of a run (a resumed run gets its budget afresh)."""

    model_config = ConfigDict(extra="forbid")

    max_calls: int | None = Field(default=None, ge=1)
    max_cost_usd: float | None = Field(default=None, gt=0)
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


class BudgetExhausted(RuntimeError):
    """A budget limit was reached; the run stops cleanly and can be resumed with a new budget."""


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


class Accountant(UsageTracker):
    """Usage totals by model, role and skill, and the budget check."""

    def __init__(self, budget: BudgetConfig | None = None):
        super().__init__()
        self.budget = budget or BudgetConfig()
        self._lock = threading.Lock()
        self.by_model: dict[str, UsageTotals] = defaultdict(UsageTotals)
        self.by_role: dict[str, UsageTotals] = defaultdict(UsageTotals)
        self.by_skill: dict[str, UsageTotals] = defaultdict(UsageTotals)
        self.unpriced: set[str] = set()
        self.journal: list[UsageRecord] | None = None
        """When a list, every recorded call is appended (a Ray worker sends it back to the driver)."""
        self.calls = 0
        self.cost_usd = 0.0

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

    def add_usage(self, lm: str, usage_entry: dict[str, Any]) -> None:
        """Called by DSPy for every completed, non-cached call."""
        super().add_usage(lm, usage_entry)
        prompt = int(usage_entry.get("prompt_tokens") or 0)
        completion = int(usage_entry.get("completion_tokens") or 0)
        cost = self._cost(lm, prompt, completion, usage_entry.get("cost"))
        self.record(UsageRecord(lm, current_role.get(), current_skill.get(), prompt, completion, cost))

    def record(self, usage: UsageRecord) -> None:
        """Count one completed call (from ``add_usage``, or reported by a remote worker)."""
        with self._lock:
            self.calls += 1
            self.cost_usd += usage.cost_usd
            for bucket in (self.by_model[usage.model], self.by_role[usage.role], self.by_skill[usage.skill]):
                bucket.calls += 1
                bucket.prompt_tokens += usage.prompt_tokens
                bucket.completion_tokens += usage.completion_tokens
                bucket.cost_usd += usage.cost_usd
            if self.journal is not None:
                self.journal.append(usage)

    def check(self) -> None:
        """Raise ``BudgetExhausted`` when a limit has been reached (called before each predictor call)."""
        b = self.budget
        if b.max_calls is not None and self.calls >= b.max_calls:
            raise BudgetExhausted(f"call budget reached: {self.calls} >= --max-calls {b.max_calls}")
        if b.max_cost_usd is not None and self.cost_usd >= b.max_cost_usd:
            raise BudgetExhausted(f"cost budget reached: ${self.cost_usd:.4f} >= --max-cost {b.max_cost_usd}")
