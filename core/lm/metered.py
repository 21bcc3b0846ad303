"""The one LM middleware above the transport: request cache, metering and budget, rollout ids.

``metered(inner, accountant, store)`` wraps any DSPy LM (a ``LimitedLM`` over a provider, with its limits
and retries; the embedded llama.cpp model; a ``DummyLM``) in a ``dspy.LM`` whose engine (DSPy 3.4's
``complete(Request) -> Response`` contract)

1. answers from the ``RequestStore`` when the same request was answered before (free, counted as a hit);
2. otherwise asks the ``Accountant`` for a call (``BudgetExhausted`` when a budget is spent), calls the
   inner LM, settles the call (tokens, cost, role and skill) and stores the response only if the call
   completed: a failed call is never cached, so a rerun asks again. A remote model (``LimitedLM`` /
   ``EndpointLM``) is called through ``complete_request``: its limits, retries and request shaping, without
   a second ``dspy.LM`` layer (this middleware's is the one per call); any other LM as ``inner(request)``;
3. checks a structured answer before it is kept (the request asked for JSON: the reply must parse strictly
   as a JSON object with every required field, and must not be cut at ``max_tokens``): a malformed answer
   is never cached, and is asked again (a new sample) up to ``malformed_attempts`` times; when the last one
   is malformed too, ``MalformedAnswer`` is raised with the reason the flow records (``truncation``,
   ``ambiguous``, ``parse``, ``content_filter``, ``too_long``). DSPy's lenient JSON repair would otherwise
   accept a cut-off answer, a Python dict repr or the first of two objects as a valid one. A request is
   structured when it carries a ``response_format`` or is made under a ``JSONAdapter``; for every request a
   ``content_filter`` finish and an answer far past its ``max_tokens`` are refused the same way.

Every answer a call is served (from the store or the model) is announced to ``answers_served()`` when one is
open: a stage that refuses what it was served (``programs.output_checks``) calls ``forget`` on them, so a
semantically refused answer is never replayed from the cache by a rerun.

Generation, compile, the knob study, evaluation and the arena all build their models this way
(``core.lm.roles.build_role_lms(..., accountant=, store=)``). The cache key is the request as data plus
the model (with its ``api_base`` when set: two servers may serve models of the same name) and, for copies
made with a ``rollout_id`` (a retry after a degenerate output, DSPy's proposer and bootstrap rounds), that
id: the n-th sample of a prompt is its own entry.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator
from typing import Any

import dspy
from dspy.clients.backend_selection import CLIENT_KEYS
from dspy.clients.costs import estimate_cost
from dspy.lm15 import Request, Response, response_to_events

from core.dspy_internals import request_to_dict, response_from_dict, response_to_dict
from core.lm.accounting import Accountant
from core.lm.compact_adapter import wants_compact_prompts
from core.lm.endpoint_lm import EndpointLM
from core.lm.limited_lm import LimitedLM
from core.lm.request_store import RequestStore, request_key

log = logging.getLogger(__name__)

_SERVED: contextvars.ContextVar[list | None] = contextvars.ContextVar("agentinstruct_served", default=None)


class MalformedAnswer(RuntimeError):
    """Every sample of a structured answer was malformed; ``reason_code`` is the failure reason."""

    def __init__(self, problem: str):
        super().__init__(f"malformed structured answer: {problem}")
        self.reason_code = getattr(problem, "reason", "parse")


current_asking: contextvars.ContextVar[tuple[Any, int] | None] = contextvars.ContextVar(
    "agentinstruct_asking", default=None)
"""(rollout id, sample) of the request the middleware is asking its inner LM now: a request the inner LM
sees twice is a new sample or another rollout (a batched model names its requests by it, ``core.lm.batch``)."""


class Problem(str):
    """Why an answer is unusable (the text), with the failure reason it is recorded under."""

    reason = "parse"

    def __new__(cls, text: str, reason: str = "parse"):
        obj = super().__new__(cls, text)
        obj.reason = reason
        return obj


@contextlib.contextmanager
def answers_served() -> Iterator[list[tuple[RequestStore, str]]]:
    """Collect (store, key) of every answer served to the enclosed calls (nested collections each see them)."""
    served: list[tuple[RequestStore, str]] = []
    outer = _SERVED.get()
    token = _SERVED.set(served)
    try:
        yield served
    finally:
        _SERVED.reset(token)
        if outer is not None:
            outer.extend(served)


def forget(served: list[tuple[RequestStore, str]]) -> int:
    """Remove answers collected by ``answers_served`` from their stores; returns how many were removed."""
    removed = 0
    for store, key in served:
        removed += store.forget(key)
    served.clear()
    return removed


def _announce(store: RequestStore | None, key: str | None) -> None:
    served = _SERVED.get()
    if served is not None and store is not None and key is not None:
        served.append((store, key))


_DIRECT_CALLS = (LimitedLM.__call__, EndpointLM.__call__)
"""The ``__call__`` implementations whose ``Request`` path ``complete_request`` reproduces: an inner LM whose
class overrides ``__call__`` (a ``BatchLM``, a test double) is called as ``inner(request)``."""


def _direct_caller(inner: dspy.BaseLM):
    """``inner.complete_request`` when it is the same call as ``inner(request)`` minus a second ``dspy.LM``
    layer (``LimitedLM.complete_request``), else None."""
    if type(inner).__call__ in _DIRECT_CALLS:
        return getattr(inner, "complete_request", None)
    return None


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
        self._complete = _direct_caller(inner) or inner  # one dspy.LM layer per call: this middleware's

    def salted(self, salt: Any) -> MeteredEngine:
        """The same engine, keying its cache entries by another rollout id."""
        return MeteredEngine(self.inner, self.accountant, self.store, salt, self.malformed_attempts)

    def complete(self, request: Request) -> Response:
        """The response to ``request``: cached, or one metered call of the inner LM."""
        model = self.inner.model
        key = None
        if self.store is not None:
            key = request_key(endpoint(self.inner), request_to_dict(request), self.salt)
            cached = self.store.get(key)
            if cached is not None:
                self.accountant.hit()
                _announce(self.store, key)
                return response_from_dict(cached)
        for sample in range(self.malformed_attempts):
            token = current_asking.set((self.salt, sample))  # which rollout and sample the inner call answers
            try:
                response = self._call(model, request)
            finally:
                current_asking.reset(token)
            problem = structure_problem(request, response)
            if problem is None:
                if self.store is not None and key is not None:
                    self.store.put(key, model, response_to_dict(response))
                    _announce(self.store, key)
                return response
            self.accountant.malformed_answer()
            log.info("%s: malformed structured answer (%s), sample %d of %d", model, problem, sample + 1,
                     self.malformed_attempts)
        raise MalformedAnswer(problem)  # never cached, never repaired into a record

    def _call(self, model: str, request: Request) -> Response:
        """One metered call of the inner LM."""
        self.accountant.reserve(model)
        try:
            # The inner call must not report usage a second time to an ambient tracker.
            if dspy.settings.usage_tracker is None:
                response = self._complete(request)
            else:
                with dspy.context(usage_tracker=None):
                    response = self._complete(request)
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

    # The capability hints are the engine's (the inner model's, read once). ``dspy.LM`` would compute them the
    # same way for a custom engine, through its capability planning, on every adapter call.
    @property
    def supports_function_calling(self) -> bool:
        """Whether the inner model calls tools natively."""
        return self.engine.supports_function_calling if isinstance(self.engine, MeteredEngine) \
            else super().supports_function_calling

    @property
    def supports_reasoning(self) -> bool:
        """Whether the inner model reasons natively."""
        return self.engine.supports_reasoning if isinstance(self.engine, MeteredEngine) else super().supports_reasoning

    @property
    def supports_response_schema(self) -> bool:
        """Whether the inner model takes a JSON schema."""
        return self.engine.supports_response_schema if isinstance(self.engine, MeteredEngine) \
            else super().supports_response_schema

    @property
    def supported_params(self) -> set[str]:
        """The request parameters the inner model takes."""
        return set(self.engine.supported_params) if isinstance(self.engine, MeteredEngine) \
            else super().supported_params


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


MIN_TEXT_CAP = 65_536
CHARS_PER_TOKEN_CAP = 16
"""An answer longer than ``max(MIN_TEXT_CAP, CHARS_PER_TOKEN_CAP * max_tokens)`` characters ignored its
``max_tokens`` (a hostile or broken server): refused as ``too_long`` before it is cached or parsed."""


def structure_problem(request: Request, response: Response) -> str | None:
    """Why an answer is unusable (None when it is fine): for every request a content-filter finish or an
    answer far past ``max_tokens``; for a structured one (a ``response_format``, or a ``JSONAdapter`` in use)
    anything but one strict JSON object with every required field, not cut at ``max_tokens``. The returned
    text is a ``Problem`` whose ``reason`` is the failure reason."""
    parts = getattr(response.message, "parts", None) or ()
    texts = [p.text for p in parts if isinstance(getattr(p, "text", None), str)]
    if response.finish_reason == "content_filter":
        return Problem("content filtered by the provider", "content_filter")
    if any(getattr(p, "type", None) == "refusal" for p in parts):
        return Problem("the model refused (a refusal in place of an answer)", "refusal")
    if not texts and parts:
        return None  # a tool call or another non-text answer: the adapter checks it
    text = "".join(texts).strip()
    max_tokens = getattr(request.config, "max_tokens", None) or 0
    if len(text) > max(MIN_TEXT_CAP, CHARS_PER_TOKEN_CAP * max_tokens):
        return Problem(f"{len(text):,} characters for max_tokens={max_tokens}", "too_long")
    fmt = getattr(request.config, "response_format", None)
    if not fmt and not _json_adapter_in_use():
        return None
    if response.finish_reason == "length":
        return Problem("cut at max_tokens", "truncation")
    if not text:
        return Problem("an empty answer")
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    value = _one_json_object(text)
    if isinstance(value, Problem):
        return value
    schema = fmt.get("schema") if isinstance(fmt, dict) else None
    required = (schema or {}).get("required") or []
    refusal = value.get("refusal")
    if "refusal" not in required and isinstance(refusal, str) and refusal.strip():
        return Problem("the model refused (a JSON 'refusal' field)", "refusal")
    missing = [name for name in required if name not in value]
    return Problem(f"missing fields {missing}") if missing else None


def _one_json_object(text: str) -> Problem | dict:
    """The one strict JSON object ``text`` is (no NaN, no repeated key, nothing after it), or why it is not."""
    def strict_pairs(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("a repeated key")
        return dict(pairs)

    def no_constants(name):
        raise ValueError(f"{name} is not JSON")

    # strict=False: llama.cpp's JSON grammar lets raw control characters into strings (made safe on write)
    decoder = json.JSONDecoder(object_pairs_hook=strict_pairs, parse_constant=no_constants, strict=False)
    try:
        value, end = decoder.raw_decode(text)
    except ValueError as exc:
        try:
            repr_value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            repr_value = None
        if isinstance(repr_value, dict):
            return Problem("a Python dict repr, not JSON")
        return Problem(f"not JSON ({str(exc)[:60]})")
    rest = text[end:].strip()
    if rest:
        try:
            decoder.raw_decode(rest)
        except ValueError:
            return Problem("text after the JSON value")
        return Problem("two JSON values: which one is the answer is ambiguous", "ambiguous")
    if not isinstance(value, dict):
        return Problem(f"a JSON {type(value).__name__}, not an object")
    return value


def _json_adapter_in_use() -> bool:
    """Whether the call is made under a ``JSONAdapter`` (it asks for JSON by prompt when no schema is sent)."""
    return isinstance(dspy.settings.adapter, dspy.JSONAdapter)


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
    return float(cost) * getattr(inner, "price_factor", 1.0)  # a batched call (core.lm.batch) costs less
