"""Batch mode for one run: which models are batched, one coordinator per endpoint, the summary's figures."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from core.lm.batch.batch_lm import BatchLM
from core.lm.batch.clients import AnthropicBatchClient, BatchClient, OpenAIBatchClient
from core.lm.batch.config import BatchConfig
from core.lm.batch.coordinator import BatchCoordinator
from core.lm.batch.journal import BatchJournal
from core.lm.structured import ModeChoice, provider_prefix

PREFIXES = {"openai": ("openai",), "anthropic": ("anthropic",)}
KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


class BatchSetup:
    """The batch side of a run: ``lm(...)`` builds a ``BatchLM`` for every model of ``config.provider``."""

    def __init__(self, config: BatchConfig, ledger_path: str | Path, interrupt: threading.Event | None = None):
        self.config = config
        self.journal = BatchJournal(ledger_path)
        self.interrupt = interrupt
        self.coordinators: dict[str, BatchCoordinator] = {}
        self.lms: list[BatchLM] = []

    def applies(self, model: str) -> bool:
        """Whether ``model`` is called through the batch API (a model of the batch provider)."""
        return provider_prefix(model) in PREFIXES[self.config.provider]

    def _client(self, model: str, api_key: str | None, api_base: str | None) -> BatchClient:
        key = api_key or os.environ.get(KEY_ENV[self.config.provider]) or ""
        if self.config.provider == "openai":
            return OpenAIBatchClient(key, api_base, self.config.completion_window, model=model)
        return AnthropicBatchClient(key, api_base, model=model)

    def lm(self, model: str, *, structured_output: ModeChoice, **kwargs: Any) -> BatchLM:
        """A ``BatchLM`` for ``model``; models at one endpoint (model and ``api_base``) share its coordinator."""
        endpoint = f"{model}@{kwargs.get('api_base') or 'default'}"
        if endpoint not in self.coordinators:
            client = self._client(model, kwargs.get("api_key"), kwargs.get("api_base"))
            self.coordinators[endpoint] = BatchCoordinator(client, self.journal, self.config, endpoint,
                                                           self.interrupt)
        lm = BatchLM(model, coordinator=self.coordinators[endpoint], discount=self.config.discount,
                     structured_output=structured_output, **kwargs)
        self.lms.append(lm)
        return lm

    def summary(self) -> dict[str, float]:
        """This invocation's batch figures: batches and requests sent, answers read, requests sent again,
        failed, batches resumed from an earlier invocation, the list price of the answers and the discount."""
        out: dict[str, float] = {"batches_sent": 0, "requests_sent": 0, "answers_read": 0, "resent": 0, "failed": 0,
                                 "resumed_batches": 0}
        for coordinator in self.coordinators.values():
            for name in out:
                out[name] += getattr(coordinator.stats, name)
        list_cost = sum(lm.list_cost_usd for lm in self.lms)
        out["list_cost_usd"] = round(list_cost, 6)
        out["discount_usd"] = round(list_cost * (1 - self.config.discount), 6)
        return out

    def close(self) -> None:
        for coordinator in self.coordinators.values():
            coordinator.close()
        self.journal.close()
