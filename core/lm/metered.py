"""The one LM middleware above the transport: request cache, metering and budget, rollout ids.

``metered(inner, accountant, store)`` wraps any DSPy LM (a ``LimitedLM`` over a provider, with its limits
and retries; the embedded llama.cpp model; a ``DummyLM``) in a ``dspy.LM`` whose engine (DSPy 3.4's
``complete(Request) -> Response`` contract)

1. answers from the ``RequestStore`` when the same request was answered before (free, counted as a hit);
2. otherwise asks the ``Accountant`` for a call (``BudgetExhausted`` when a budget is spent), calls the
   inner LM, settles the call (tokens, cost, role and skill) and stores the response only if the call
   completed: a failed call is never cached, so a rerun asks again;
3. checks a structured answer before it is kept (the request asked for JSON: the reply must parse strictly
   as a JSON object with every required field, and must not be cut at ``max_tokens``): a malformed answer
   is never cached, and is asked again (a new sample) up to ``malformed_attempts`` times; the last one goes
   back uncached, for the adapter to fail on and the flow to record as ``parse``. DSPy's lenient JSON
   repair would otherwise accept a cut-off answer as a valid one.

Generation, compile, the knob study, evaluation and the arena all build their models this way
(``core.lm.roles.build_role_lms(..., accountant=, store=)``). The cache key is the request as data plus
the model (with its ``api_base`` when set: two servers may serve models of the same name) and, for copies
made with a ``rollout_id`` (a retry after a degenerate output, DSPy's proposer and bootstrap rounds), that
id: the n-th sample of a prompt is its own entry.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import dspy
from dspy.clients.backend_selection import CLIENT_KEYS
from dspy.clients.costs import estimate_cost
from dspy.lm15 import Request, Response, response_to_events

from core.dspy_internals import request_to_dict, response_from_dict, response_to_dict
from core.lm.accounting import Accountant
from core.lm.compact_adapter import wants_compact_prompts
from core.lm.request_store import RequestStore, request_key

log = logging.getLogger(__name__)


class MeteredEngine:
    """A DSPy engine that serves a request from the store or, within budget, from the inner LM."""

    def __init__(self, inner: dspy.BaseLM, accountant: Accountant, store: RequestStore | None, salt: Any = None,
                 malformed_attempts: int = 3):
        self.inner = inner
        self.accountant = accountant
        self.store = store
        self.salt = salt
        self.malformed_attempts = max(1, malformed_attempts)
        # Capability hints the adapters read (JSON schema decoding etc.) are the inner model's.
        self.supports_response_schema = bool(inner.supports_response_schema)
        self.supports_function_calling = bool(inner.supports_function_calling)
        self.supports_reasoning = bool(inner.supports_reasoning)
        self.supported_params = frozenset(inner.supported_params or ())
        self.compact_prompts = wants_compact_prompts(inner)  # the embedded model keeps its compact prompts

    def salted(self, salt: Any) -> MeteredEngine:
        """The same engine, keying its cache entries by another rollout id."""
        return MeteredEngine(self.inner, self.accountant, self.store, salt, self.malformed_attempts)

    def complete(self, request: Request) -> Response:
        """The response to ``request``: cached, or one metered call of the inner LM."""
        model = self.inner.model
        key = request_key(endpoint(self.inner), request_to_dict(request), self.salt)
        if self.store is not None:
            cached = self.store.get(key)
            if cached is not None:
                self.accountant.hit()
                return response_from_dict(cached)
        for sample in range(self.malformed_attempts):
            response = self._call(model, request)
            problem = structure_problem(request, response)
            if problem is None:
                if self.store is not None:
                    self.store.put(key, model, response_to_dict(response))
                return response
            self.accountant.malformed_answer()
            log.info("%s: malformed structured answer (%s), sample %d of %d", model, problem, sample + 1,
                     self.malformed_attempts)
        return response  # uncached: the adapter fails on it and the flow records why

    def _call(self, model: str, request: Request) -> Response:
        """One metered call of the inner LM."""
        self.accountant.reserve(model)
        try:
            # The inner call must not report usage a second time to an ambient tracker.
            with dspy.context(usage_tracker=None):
                response = self.inner(request)
        except BaseException as exc:
            spent = _spent_usage(exc)  # e.g. an output cut at max_tokens: its tokens were spent
            self.accountant.settle(model, ok=False, prompt_tokens=spent.get("prompt_tokens") or 0,
                                   completion_tokens=spent.get("completion_tokens") or 0)
            raise
        usage = response.usage
        self.accountant.settle(model, ok=True, prompt_tokens=usage.input_tokens or 0,
                               completion_tokens=usage.output_tokens or 0, reported_cost=_price(self.inner, response))
        return response

    def stream(self, request: Request):
        """One complete response as a stream of events (the flows never stream)."""
        return response_to_events(self.complete(request))

    def close(self) -> None:
        """Nothing to release: the inner LM owns its connections."""


class MeteredLM(dspy.LM):
    """A ``dspy.LM`` over a ``MeteredEngine``; a copy with a new ``rollout_id`` keys its own cache entries."""

    def copy(self, **kwargs):
        if "engine" not in kwargs and "rollout_id" in kwargs and isinstance(self.engine, MeteredEngine):
            kwargs["engine"] = self.engine.salted(kwargs["rollout_id"])
        return super().copy(**kwargs)

    @property
    def inner(self) -> dspy.BaseLM:
        """The wrapped LM."""
        return self.engine.inner


def metered(inner: dspy.BaseLM, accountant: Accountant, store: RequestStore | None,
            malformed_attempts: int = 3) -> MeteredLM:
    """Wrap ``inner`` so its calls are cached in ``store`` and counted (and capped) by ``accountant``."""
    if isinstance(inner, MeteredLM):
        raise ValueError(f"{inner.model} is metered already")
    settings = {k: v for k, v in (inner.kwargs or {}).items()
                if k not in CLIENT_KEYS and k != "rollout_id" and v is not None}
    engine = MeteredEngine(inner, accountant, store, malformed_attempts=malformed_attempts)
    return MeteredLM(inner.model, model_type=inner.model_type, engine=engine, cache=False, num_retries=0,
                     **settings)


def structure_problem(request: Request, response: Response) -> str | None:
    """Why a structured answer is unusable (None when it is fine, or when no structure was asked for)."""
    fmt = getattr(request.config, "response_format", None)
    if not fmt:
        return None
    parts = getattr(response.message, "parts", None) or ()
    texts = [p.text for p in parts if isinstance(getattr(p, "text", None), str)]
    if not texts and parts:
        return None  # a tool call or another non-text answer: the adapter checks it
    if response.finish_reason == "length":
        return "cut at max_tokens"
    text = "".join(texts).strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        value = json.loads(text)
    except ValueError:
        return "not JSON"
    if not isinstance(value, dict):
        return f"a JSON {type(value).__name__}, not an object"
    schema = fmt.get("schema") if isinstance(fmt, dict) else None
    required = (schema or {}).get("required") or []
    missing = [name for name in required if name not in value]
    return f"missing fields {missing}" if missing else None


def _spent_usage(exc: BaseException) -> dict:
    """The token usage a failed call reports (``exc.usage``, or its cause's), else nothing."""
    for err in (exc, exc.__cause__):
        usage = getattr(err, "usage", None)
        if isinstance(usage, dict):
            return usage
    return {}


def endpoint(inner: dspy.BaseLM) -> str:
    """The model as a cache key: its name, and where it is served when that is set (two servers may serve
    models of the same name). Never a key or a header."""
    kwargs = inner.kwargs or {}
    base = kwargs.get("api_base") or kwargs.get("base_url")
    return f"{inner.model}@{base}" if base else inner.model


def _price(inner: dspy.BaseLM, response: Response) -> float | None:
    """DSPy's estimate of one call's dollars, or None (local engines, test doubles, unknown models)."""
    if not isinstance(getattr(inner, "engine", None), str):
        return None  # a custom engine (embedded model, test double) has no pricing provider
    provider, _, name = inner.model.partition("/")
    if not name:
        provider, name = "openai", inner.model
    cost, _details = estimate_cost(response, provider=provider, requested_model=name)
    if cost is None:
        log.debug("no price for %s: %s", inner.model, _details)
        return None
    return float(cost)
