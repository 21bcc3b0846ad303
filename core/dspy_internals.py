"""Every use of a private DSPy name, in one module, each pinned by ``tests/core/test_dspy_internals.py``.

DSPy 3.4.1 offers no public API for these; each entry says what it is for and the public route to take
when DSPy offers one (checked against DSPy 3.5's deprecations as far as they are announced). A DSPy upgrade
that moves one of them fails that test, not a user's run.

1. ``dspy._vendor.lm15.serde`` (request/response to plain data): the request cache stores requests and
   responses as JSON. Public alternative: none in 3.4; 3.5's ``dspy.lm15`` exports ``Request``/``Response``
   as pydantic-like objects, whose ``model_dump``/``model_validate`` would replace these three functions.
2. ``JSONAdapter._prepare_response_format(lm, lm_kwargs, signature)``: the compact adapter adds length
   floors to the response schema. Public alternative: override ``JSONAdapter.__call__`` and edit
   ``lm_kwargs["response_format"]`` before delegating (costs a second schema build per call).
3. ``dspy.LM._engine_spec``: reads an engine's capability hints (``compact_prompts``). Public alternative:
   keep a reference to the engine passed as ``engine=`` (``wants_compact_prompts`` would look it up in a
   registry keyed by the LM's id).
4. ``model_info`` as imported by ``dspy.clients.model_metadata``, ``.capabilities`` and ``.costs``: memoized
   (``core.lm.model_metadata_cache``), since it scanned the whole catalog twice per call. Public
   alternative: DSPy 3.5's cached catalog lookup, once released; until then no memo.
6. ``dspy.adapters.json_adapter._get_structured_outputs_response_format`` (module global): memoized per
   output-field structure (``memoize_structured_outputs``): the names, annotations and defaults of the
   signature's output fields, which are all the model is built from. (Keyed by signature class it missed
   on every call: a skill's signature is rebuilt per call with its agent's instructions.) DSPy rebuilt the
   same pydantic model (``create_model`` + ``model_json_schema``) on every call, 0.5-1 ms of ~2.9 ms of
   client CPU per call. The returned model is shared, so nobody may mutate it (the compact adapter derives
   its own). Public alternative: none in 3.4; a ``response_format`` cache in the adapter is proposed for 3.5.
7. ``dspy.clients.lm15_boundary.request_kwargs`` (a Request as a chat-completions body, DSPy's own
   serializer; not exported): the OpenAI batch lines (``core.lm.batch.wire``) carry exactly the body the
   native engine would send. Public alternative: none in 3.4 (``lm15``'s dialect ``_payload`` is private too).
8. ``dspy.adapters.utils.TypeAdapter`` (the name ``serialize_for_json`` and the output parsers call):
   replaced by a memo of ``pydantic.TypeAdapter`` per type (``memoize_type_adapters``). DSPy built a new
   TypeAdapter (a core schema and a serializer) for every field value it formats, on every call (3.7% of
   the engine's GIL time). Public alternative: none; DSPy could cache the adapters itself.
9. ``dspy._vendor.lm15.transports._proxy.getproxies`` (module global): the native transport read and
   decoded the whole environment for proxy settings on every request (``urllib.request.getproxies``, 4% of
   the engine's GIL time); memoized until the environment changes (``memoize_proxy_lookup``), only where
   ``getproxies`` reads the environment alone (Linux and other POSIX without system proxy settings).
   Public alternative: pass ``proxy=``/``trust_env=False`` to the transport, which DSPy's ``dspy.LM`` does
   not expose in 3.4.
10. ``dspy.clients.execution.prepare`` / ``execute`` and ``CallResult.typed`` (``complete_request``): the
    middleware's inner call of a remote model. ``BaseLM.__call__`` runs them too, plus callbacks, history,
    usage tracking and warnings; the middleware's own ``dspy.LM`` layer already runs those once per call, so
    the inner layer (``LimitedLM.complete_request``) runs only DSPy's execution: engine selection, the
    error mapping, DSPy's cache and pricing, the engine call. Public alternative: ``lm(request)`` (costs a
    second ``BaseLM.__call__`` per call, ~0.3-0.5 ms).
11. ``dspy.clients.execution.select_backend`` (module global): memoized per LM for a fixed native engine
    (``engine="lm15"``) and no per-call client settings (``memoize_backend_selection``): DSPy re-resolved
    the route (building an ``LM15Engine`` and its router) on every call, though for ``lm15`` it depends
    only on the LM's model, type and client settings. The same for ``dspy.clients.capabilities.resolve``
    (the route DSPy prices each call by, built the same way after every call): memoized per LM model, type
    and declared providers. Public alternative: none in 3.4.
12. ``dspy.clients.legacy_requests._strict_json_schema``: memoized per schema object
    (``memoize_strict_schemas``): a memoized structured-output model (entry 6) hands DSPy the same schema
    dict on every call, which DSPy reshaped for strict mode on every call (5% of the engine's GIL time).
    The cached result is shared like the model of entry 6: nobody may mutate it (DSPy builds the request
    from it and serializes it; ``core.lm.structured`` builds new dicts around it). Public alternative: none
    in 3.4.
5. ``MIPROv2._log_normal_eval`` / ``_perform_full_evaluation`` and ``BootstrapFewShot._bootstrap``: the
   budget-aware optimizers keep the best program so far when a budget stops them. Public alternative:
   ``dspy.Evaluate`` callbacks (``BaseCallback.on_evaluate_end``) to see every scored candidate, and
   catching ``BudgetExhausted`` around ``compile`` (losing the partial trail of bootstrapped demos).
"""

from __future__ import annotations

import logging
import math
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import dspy
from dspy._vendor.lm15.serde import request_to_dict, response_from_dict, response_to_dict
from dspy.teleprompt import BootstrapFewShot, MIPROv2

from core.lm.accounting import BudgetExhausted

log = logging.getLogger(__name__)

__all__ = [
    "MODEL_INFO_USERS",
    "BudgetedBootstrap",
    "BudgetedMIPROv2",
    "ResponseFormatHook",
    "complete_request",
    "engine_spec",
    "memoize_backend_selection",
    "memoize_proxy_lookup",
    "memoize_route_resolution",
    "memoize_strict_schemas",
    "memoize_structured_outputs",
    "memoize_type_adapters",
    "openai_chat_body",
    "request_to_dict",
    "response_from_dict",
    "response_to_dict",
]

MODEL_INFO_USERS = ("dspy.clients.model_metadata", "dspy.clients.capabilities", "dspy.clients.costs")
"""The DSPy modules that import ``model_info`` by name (entry 4)."""


_MEMO_LOCK = threading.Lock()
_MEMO_MAX = 4096


def _output_structure_key(signature, use_native_function_calling) -> tuple | None:
    """What DSPy builds the structured-output model from: each output field's name, annotation and default
    (``create_model(**{name: (annotation, default)})``; descriptions are not in it). None when one of them
    is unhashable (then the model is built as DSPy would, uncached)."""
    try:
        fields = tuple((name, field.annotation, field.default) for name, field in signature.output_fields.items())
        key = (fields, bool(use_native_function_calling))
        hash(key)
    except TypeError:
        return None
    return key


def memoize_structured_outputs() -> bool:
    """Memoize JSONAdapter's structured-output model per output-field structure (entry 6); idempotent.

    Returns whether the memo is on (False when DSPy no longer has the function: nothing is patched). The
    memo counts ``hits`` and ``misses`` (``json_adapter._get_structured_outputs_response_format.stats``)."""
    from dspy.adapters import json_adapter

    with _MEMO_LOCK:
        original = getattr(json_adapter, "_get_structured_outputs_response_format", None)
        if original is None:
            log.warning("DSPy has no _get_structured_outputs_response_format; schemas are rebuilt per call")
            return False
        if getattr(original, "__agentinstruct_memo__", False):
            return True
        cache: dict = {}
        stats = {"hits": 0, "misses": 0}

        def memoized(signature, use_native_function_calling=True):
            key = _output_structure_key(signature, use_native_function_calling)
            if key is None:
                stats["misses"] += 1
                return original(signature, use_native_function_calling)
            found = cache.get(key)
            if found is None:
                stats["misses"] += 1
                found = original(signature, use_native_function_calling)
                with _MEMO_LOCK:
                    if len(cache) >= _MEMO_MAX:
                        cache.clear()  # output structures are few; a flood means they are built per call
                    cache[key] = found
            else:
                stats["hits"] += 1
            return found

        memoized.__wrapped__ = original
        memoized.__agentinstruct_memo__ = True
        memoized.cache = cache
        memoized.stats = stats
        json_adapter._get_structured_outputs_response_format = memoized
        return True


class _MemoTypeAdapter:
    """Stands in for ``pydantic.TypeAdapter`` in ``dspy.adapters.utils``: one adapter per type (entry 8).

    A call with only the type is served from the memo (built once, in the calling frame's namespace, as
    the unpatched call would be); any other call, or an unhashable type, builds a new adapter as before."""

    __agentinstruct_memo__ = True

    def __init__(self, original: type):
        self.original = original
        self.cache: dict = {}
        self.stats = {"hits": 0, "misses": 0}

    def __call__(self, type_, *args, **kwargs):
        if args or kwargs:
            return self.original(type_, *args, **kwargs)
        try:
            found = self.cache.get(type_)
        except TypeError:  # an unhashable type form
            return self.original(type_, _parent_depth=3)
        if found is None:
            self.stats["misses"] += 1
            found = self.original(type_, _parent_depth=3)  # the namespace of dspy's caller, as unpatched
            with _MEMO_LOCK:
                if len(self.cache) >= _MEMO_MAX:
                    self.cache.clear()
                self.cache[type_] = found
        else:
            self.stats["hits"] += 1
        return found


def memoize_type_adapters() -> bool:
    """Serve ``dspy.adapters.utils``'s TypeAdapters from a per-type memo (entry 8); idempotent.

    Returns whether the memo is on (False when DSPy's module no longer imports ``TypeAdapter``)."""
    from dspy.adapters import utils

    with _MEMO_LOCK:
        current = getattr(utils, "TypeAdapter", None)
        if current is None:
            log.warning("dspy.adapters.utils has no TypeAdapter; type adapters are rebuilt per value")
            return False
        if getattr(current, "__agentinstruct_memo__", False):
            return True
        utils.TypeAdapter = _MemoTypeAdapter(current)
        return True


def _environ_snapshot() -> object:
    raw = getattr(os.environ, "_data", None)  # CPython: the encoded dict behind os.environ
    return dict(raw) if isinstance(raw, dict) else tuple(os.environ.items())


def _environ_is(snapshot: object) -> bool:
    raw = getattr(os.environ, "_data", None)
    return raw == snapshot if isinstance(raw, dict) else tuple(os.environ.items()) == snapshot


def memoize_proxy_lookup() -> bool:
    """Memoize the native transport's proxy lookup until the environment changes (entry 9); idempotent.

    Returns whether the memo is on: False where ``getproxies`` reads more than the environment (macOS and
    Windows system settings) or DSPy's transport no longer calls it."""
    import urllib.request

    try:
        from dspy._vendor.lm15.transports import _proxy
    except ImportError:
        log.warning("DSPy's lm15 proxy module moved; proxy settings are read per request")
        return False
    with _MEMO_LOCK:
        current = getattr(_proxy, "getproxies", None)
        if getattr(current, "__agentinstruct_memo__", False):
            return True
        if current is not urllib.request.getproxies or current is not urllib.request.getproxies_environment:
            return False
        memo: list = []  # [(snapshot, proxies)]

        def getproxies() -> dict:
            found = memo[0] if memo else None
            if found is not None and _environ_is(found[0]):
                return dict(found[1])
            snapshot = _environ_snapshot()
            proxies = current()
            memo[:] = [(snapshot, proxies)]
            return dict(proxies)

        getproxies.__wrapped__ = current
        getproxies.__agentinstruct_memo__ = True
        _proxy.getproxies = getproxies
        return True


def complete_request(lm: dspy.BaseLM, request, *, cache: bool | None = None) -> Any:
    """The ``Response`` to ``request`` from ``lm``'s own DSPy engine, as ``lm(request, cache=cache)`` would return
    it, without ``BaseLM.__call__``'s callbacks, history and usage tracking (entry 10). ``cache=None``: the
    LM's own setting for DSPy's request cache.

    The first request is prepared by DSPy (``prepare``: every check); later ones reuse that preparation with
    the new request, validated and snapshotted as ``prepare`` does, but not walked again for unencodable
    text: the middleware's requests are built by DSPy from messages its own ``prepare`` has checked."""
    from dataclasses import replace

    from dspy.clients.engines.base import validate_request
    from dspy.clients.execution import execute, prepare
    from dspy.clients.lm15_boundary import snapshot_request
    from dspy.lm15 import Request

    key = (lm.model, lm.cache, cache, getattr(lm, "_cache_responses", True))
    found = lm.__dict__.get("_agentinstruct_prepared")
    if found is not None and found[0] == key and isinstance(request, Request) and request.model == lm.model:
        validate_request(request)
        template = found[1]
        call = replace(template, request=snapshot_request(request), kwargs=dict(template.kwargs),
                       legacy=dict(template.legacy))
    else:
        call = prepare(lm, request, None, {} if cache is None else {"cache": cache})
        if call.request is not None:
            lm.__dict__["_agentinstruct_prepared"] = (key, call)
    return execute(lm, call).typed(call.request, lm.model_type)


def _client_key(lm) -> tuple | None:
    from dspy.clients.backend_selection import CLIENT_KEYS

    try:
        key = (lm.model, lm.model_type, tuple(sorted((k, v) for k, v in (lm.kwargs or {}).items() if k in CLIENT_KEYS)),
               tuple(id(p) for p in getattr(lm, "_providers", ()) or ()))
        hash(key)
    except TypeError:
        return None
    return key


def memoize_backend_selection() -> bool:
    """Memoize DSPy's backend selection per LM when its engine is fixed to ``lm15`` (entry 11); idempotent.

    Returns whether the memo is on (False when DSPy's execution no longer calls ``select_backend``)."""
    from dspy.clients import backend_selection, execution

    with _MEMO_LOCK:
        current = getattr(execution, "select_backend", None)
        if current is None:
            log.warning("DSPy's execution has no select_backend; the route is resolved per call")
            return False
        if getattr(current, "__agentinstruct_memo__", False):
            return True
        if current is not backend_selection.select_backend:
            return False
        stats = {"hits": 0, "misses": 0}

        def select_backend(lm, options=None):
            if getattr(lm, "_engine_spec", None) != "lm15" or any(k in backend_selection.CLIENT_KEYS
                                                                   for k in options or ()):
                return current(lm, options)
            key = _client_key(lm)
            found = lm.__dict__.get("_agentinstruct_selection") if key is not None else None
            if found is not None and found[0] == key:
                stats["hits"] += 1
                return found[1]
            stats["misses"] += 1
            selection = current(lm, options)
            if key is not None:
                lm.__dict__["_agentinstruct_selection"] = (key, selection)
            return selection

        select_backend.__wrapped__ = current
        select_backend.__agentinstruct_memo__ = True
        select_backend.stats = stats
        execution.select_backend = select_backend
        return True


def memoize_route_resolution() -> bool:
    """Memoize ``dspy.clients.capabilities.resolve(lm)`` per LM model, type and providers (entry 11); idempotent.

    Returns whether the memo is on (False when DSPy no longer has ``resolve``)."""
    from dspy.clients import capabilities

    with _MEMO_LOCK:
        current = getattr(capabilities, "resolve", None)
        if current is None:
            log.warning("DSPy has no capabilities.resolve; the route is resolved per call")
            return False
        if getattr(current, "__agentinstruct_memo__", False):
            return True
        stats = {"hits": 0, "misses": 0}

        def resolve(lm):
            providers = getattr(lm, "_providers", ()) or ()
            key = (lm.model, lm.model_type, tuple(id(p) for p in providers))
            found = getattr(lm, "__dict__", {}).get("_agentinstruct_route")
            if found is not None and found[0] == key and found[2] is providers:
                stats["hits"] += 1
                return found[1]
            stats["misses"] += 1
            route = current(lm)  # raises as before for a model no engine can route
            if hasattr(lm, "__dict__"):
                lm.__dict__["_agentinstruct_route"] = (key, route, providers)
            return route

        resolve.__wrapped__ = current
        resolve.__agentinstruct_memo__ = True
        resolve.stats = stats
        capabilities.resolve = resolve
        return True


def memoize_strict_schemas() -> bool:
    """Memoize DSPy's strict-mode reshaping of a response schema per schema object (entry 12); idempotent.

    The memo keeps the schema it was computed from and hands out the cached result only for that very
    object (a structured-output model memoized by entry 6 returns the same dict on every call), so a new
    or rebuilt schema is reshaped afresh. Returns whether the memo is on."""
    from dspy.clients import legacy_requests

    with _MEMO_LOCK:
        current = getattr(legacy_requests, "_strict_json_schema", None)
        if current is None:
            log.warning("DSPy has no _strict_json_schema; strict schemas are rebuilt per call")
            return False
        if getattr(current, "__agentinstruct_memo__", False):
            return True
        cache: dict = {}
        stats = {"hits": 0, "misses": 0}

        def strict(schema, *, root=None):
            if root is not None or not isinstance(schema, dict):
                return current(schema, root=root)
            found = cache.get(id(schema))
            if found is not None and found[0] is schema:
                stats["hits"] += 1
                return found[1]
            stats["misses"] += 1
            result = current(schema)
            with _MEMO_LOCK:
                if len(cache) >= _MEMO_MAX:
                    cache.clear()
                cache[id(schema)] = (schema, result)  # keeps ``schema`` alive: its id is not reused
            return result

        strict.__wrapped__ = current
        strict.__agentinstruct_memo__ = True
        strict.cache = cache
        strict.stats = stats
        legacy_requests._strict_json_schema = strict
        return True


def engine_spec(lm: dspy.BaseLM | None) -> Any:
    """The engine object a ``dspy.LM`` was built with (``engine=``), or None (entry 3)."""
    return getattr(lm, "_engine_spec", None)


def openai_chat_body(request) -> dict[str, Any]:
    """A ``dspy.lm15.Request`` as the chat-completions body DSPy would send, without the model (entry 7)."""
    from dspy.clients.lm15_boundary import request_kwargs

    return request_kwargs(request, "chat")


class ResponseFormatHook(dspy.JSONAdapter):
    """A ``JSONAdapter`` whose subclasses adjust the response format through a public method (entry 2)."""

    def adjust_response_format(self, lm_kwargs: dict[str, Any]) -> None:
        """Edit ``lm_kwargs["response_format"]`` after JSONAdapter prepared it (default: leave it)."""

    def _prepare_response_format(self, lm, lm_kwargs, signature):
        super()._prepare_response_format(lm, lm_kwargs, signature)
        self.adjust_response_format(lm_kwargs)


@dataclass
class BestSoFar:
    """The best candidate an optimizer has scored, and every score on the way."""

    program: dspy.Module | None = None
    score: float = -math.inf
    trail: list[dict[str, Any]] = field(default_factory=list)

    def offer(self, program: dspy.Module, score: float, kind: str) -> None:
        self.trail.append({"kind": kind, "score": float(score)})
        if score > self.score:
            self.score, self.program = float(score), program.deepcopy()


class BudgetedMIPROv2(MIPROv2):
    """MIPROv2 that remembers its best fully evaluated candidate, and returns it when a budget stops it."""

    def compile(self, student, **kwargs):
        self.best = BestSoFar()
        self.stopped = None
        try:
            return super().compile(student, **kwargs)
        except BudgetExhausted as exc:
            self.stopped = str(exc)
            log.warning("MIPROv2 stopped: %s; keeping the best program so far (score %s)", exc, self.best.score)
            return self.best.program if self.best.program is not None else student.deepcopy()

    def _log_normal_eval(self, score, best_score, chosen_params, score_data, trial, num_trials, trial_logs,
                         trial_num, valset, batch_size, candidate_program, total_eval_calls):
        super()._log_normal_eval(score, best_score, chosen_params, score_data, trial, num_trials, trial_logs,
                                 trial_num, valset, batch_size, candidate_program, total_eval_calls)
        self.best.offer(candidate_program, score, f"trial {trial_num}")

    def _perform_full_evaluation(self, *args, **kwargs):
        best_score, best_program, total = super()._perform_full_evaluation(*args, **kwargs)
        self.best.offer(best_program, best_score, "full evaluation")
        return best_score, best_program, total


class BudgetedBootstrap(BootstrapFewShot):
    """BootstrapFewShot that, when a budget stops it, keeps the demos bootstrapped so far."""

    def compile(self, student, *, teacher=None, trainset):
        self.stopped = None
        return super().compile(student, teacher=teacher, trainset=trainset)

    def _bootstrap(self, *, max_bootstraps=None):
        try:
            super()._bootstrap(max_bootstraps=max_bootstraps)
        except BudgetExhausted as exc:
            self.stopped = str(exc)
            self.validation = []
            log.warning("bootstrap stopped: %s; keeping %d traces", exc,
                        sum(len(v) for v in self.name2traces.values()))
