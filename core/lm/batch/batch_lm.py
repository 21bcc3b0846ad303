"""``BatchLM``: an ``EndpointLM`` whose calls travel in provider batches (``BatchCoordinator``) instead of one
HTTP request each. It sits under the middleware like any model: the request cache, the budget and the checks
of malformed answers apply to every batched call, and its price is ``discount`` times the list price."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from typing import Any

from dspy.clients.costs import estimate_cost
from dspy.lm15 import Request, Response

from core.dspy_internals import request_to_dict
from core.lm.accounting import current_role, current_skill
from core.lm.batch.coordinator import BatchCoordinator
from core.lm.endpoint_lm import EndpointLM
from core.lm.metered import current_asking
from core.lm.structured import provider_prefix, wire_request

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


class BatchLM(EndpointLM):
    """A model called through its provider's batch API."""

    def __init__(self, model: str, *, coordinator: BatchCoordinator, discount: float, **kwargs: Any):
        super().__init__(model, **kwargs)
        self.coordinator = coordinator
        self.price_factor = discount
        """What the middleware multiplies the list price by (``core.lm.metered._price``)."""
        self.list_cost_usd = 0.0
        self._asked: dict[str, int] = {}
        self._lock = threading.Lock()

    def custom_id(self, request: Request) -> str:
        """``<skill>-<role>-<digest>``, at most 64 characters: the digest covers the request, the rollout id and
        sample the middleware asks for (``current_asking``) and how often this process asked exactly that, so
        each sample is its own request and a resumed run names its requests as the killed one did."""
        skill, role = current_skill.get()[:20], current_role.get()[:12]
        identity = json.dumps([self.coordinator.endpoint, request_to_dict(request), current_asking.get()],
                              sort_keys=True, default=str)
        with self._lock:
            n = self._asked.get(identity, 0)
            self._asked[identity] = n + 1
        digest = hashlib.sha256(f"{identity}\x1f{n}".encode()).hexdigest()[:24]
        return _UNSAFE.sub("_", f"{skill}-{role}-{digest}")[:64]

    def __call__(self, prompt=None, *, messages=None, **kwargs):
        """One call, answered from a batch (only the middleware's ``Request`` calls: batch mode runs metered)."""
        if not isinstance(prompt, Request):
            raise TypeError("a batched model is called with a dspy.lm15.Request (through the LM middleware)")
        mode = self.structured_output if self.coordinator.client.provider == "openai" else "prompt"
        request = wire_request(prompt, mode)
        response = self.coordinator.call(self.custom_id(request), request)
        self._count_list_price(response)
        return response

    def _count_list_price(self, response: Response) -> None:
        provider, _, name = self.model.partition("/")
        cost, _details = estimate_cost(response, provider=provider if name else provider_prefix(self.model),
                                       requested_model=name or self.model)
        if cost is not None:
            with self._lock:
                self.list_cost_usd += float(cost)
