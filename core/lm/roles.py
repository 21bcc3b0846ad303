"""Models by role: ``ModelSpec`` -> ``dspy.LM`` (DSPy's native engine, LiteLLM, or the embedded llama.cpp engine).

Remote models are ``EndpointLM``s (``LimitedLM``s asked for structured outputs in one explicit mode,
``core.lm.structured``): one ``ModelLimiter`` per endpoint (model + api_base) bounds the calls in
flight, adapts to 429s and paces RPM/TPM across every role that calls it. Given a job's ``Accountant`` (and
its request cache), every model -- configured or passed in -- is wrapped once in the one middleware
(``core.lm.metered``): cached, metered, budgeted.

Roles that share an identical spec share one LM object, so the embedded model is loaded once. API keys are
read from the environment variable a spec names, handed to ``dspy.LM`` in memory, and never written out.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping

import dspy

from core.config import ROLES, ConfigError, ModelsConfig, ModelSpec
from core.dspy_internals import (
    memoize_backend_selection,
    memoize_proxy_lookup,
    memoize_route_resolution,
    memoize_strict_schemas,
    memoize_structured_outputs,
    memoize_type_adapters,
)
from core.lm import model_metadata_cache
from core.lm.accounting import Accountant
from core.lm.batch.setup import BatchSetup
from core.lm.endpoint_lm import EndpointLM
from core.lm.limiter import ModelLimiter
from core.lm.metered import MeteredLM, metered
from core.lm.request_store import RequestStore
from core.lm.structured import OPENAI_COMPATIBLE, choose_mode, structured_mode

log = logging.getLogger(__name__)


def _embedded_lm(spec: ModelSpec, models: ModelsConfig) -> dspy.LM:
    from core.lm.local_engine import LlamaCppEngine

    local = models.local
    engine = LlamaCppEngine(model_path=local.model_path, n_ctx=local.n_ctx, n_threads=local.n_threads,
                            seed=local.seed, extra_buffers=local.extra_buffers,
                            max_list_items=local.max_list_items, requantize=local.requantize,
                            repeat_penalty=local.repeat_penalty)
    return dspy.LM(spec.model, engine=engine, temperature=spec.temperature, max_tokens=spec.max_tokens,
                   num_retries=0, **spec.extra)


_NATIVE_CLIENT_KEYS = frozenset({"api_key", "api_base", "base_url", "timeout"})


def dspy_engine(spec: ModelSpec) -> str:
    """The ``engine=`` DSPy gets for a spec: ``"lm15"`` (native) or ``"litellm"``.

    ``auto`` picks native for OpenAI-compatible endpoints (``openai/``, ``hosted_vllm/``), unless an
    ``extra`` setting configures the connection in a way only LiteLLM carries (headers, api_version, ...)
    or no ``api_base`` is given while ``<PREFIX>_API_BASE``/``<PREFIX>_BASE_URL`` points LiteLLM at a
    gateway. Every other provider goes through LiteLLM.
    """
    if spec.engine == "native":
        return "lm15"
    if spec.engine == "litellm":
        return "litellm"
    prefix = spec.model.split("/", 1)[0] if "/" in spec.model else "openai"
    if prefix not in OPENAI_COMPATIBLE:
        return "litellm"
    from dspy.clients.backend_selection import CLIENT_KEYS

    if (set(spec.extra) & CLIENT_KEYS) - _NATIVE_CLIENT_KEYS:
        return "litellm"
    if not spec.api_base and any(os.environ.get(f"{prefix.upper()}_{name}") for name in ("API_BASE", "BASE_URL")):
        return "litellm"
    return "lm15"


LOCAL_SERVER_KEY = "no-key"
"""Sent to an OpenAI-compatible ``api_base`` configured without a key (a local vLLM / llama.cpp / Ollama
server takes any; DSPy refuses to call without one)."""


def _needs_placeholder_key(spec: ModelSpec) -> bool:
    prefix = spec.model.split("/", 1)[0] if "/" in spec.model else "openai"
    return prefix in OPENAI_COMPATIBLE and not os.environ.get(f"{prefix.upper()}_API_KEY")


def endpoint_key(spec: ModelSpec) -> str:
    """What identifies one rate-limited endpoint: the model and the server it is called at."""
    return f"{spec.model}@{spec.api_base or 'default'}"


def build_limiter(spec: ModelSpec) -> ModelLimiter:
    """The limiter of a spec's endpoint (one per endpoint, shared by every role that calls it)."""
    return ModelLimiter(endpoint_key(spec), ceiling=spec.max_concurrency, rpm=spec.rpm, tpm=spec.tpm,
                        max_pause_s=spec.max_retry_after_s)


def build_lm(spec: ModelSpec, models: ModelsConfig, _engines: dict | None = None,
             limiter: ModelLimiter | None = None, interrupt: threading.Event | None = None,
             batch: BatchSetup | None = None) -> dspy.LM:
    """One ``dspy.LM`` for a spec; the embedded model's engine is shared through ``_engines``.

    A remote model is an ``EndpointLM``: its calls go through ``limiter`` (a new one when not given); it is
    asked for structured outputs in the mode ``spec.structured_output`` names or ``auto`` chooses
    (``core.lm.structured``; ``auto`` asks an OpenAI-compatible server once which software it runs).
    """
    if spec.is_embedded:
        engines = _engines if _engines is not None else {}
        if "local" not in engines:
            engines["local"] = _embedded_lm(spec, models)
            return engines["local"]
        return engines["local"].copy(temperature=spec.temperature, max_tokens=spec.max_tokens)
    engine = dspy_engine(spec)
    memoize_structured_outputs()  # the schema model is built once per output structure, not per call
    memoize_type_adapters()  # one pydantic TypeAdapter per type, not per formatted value
    memoize_strict_schemas()  # the memoized schema reshaped for strict mode once, not per call
    if engine == "lm15":
        model_metadata_cache.install()
        memoize_proxy_lookup()  # the native transport's proxy settings, read once per environment
        memoize_backend_selection()  # the native route resolved once per LM, not per call
        memoize_route_resolution()  # and the route it is priced by
    kwargs = dict(temperature=spec.temperature, max_tokens=spec.max_tokens, timeout=spec.timeout_s,
                  engine=engine, **spec.extra)
    if spec.api_key_env:
        key = os.environ.get(spec.api_key_env)
        if not key:
            raise ConfigError(f"model {spec.model}: environment variable {spec.api_key_env} is not set")
        kwargs["api_key"] = key
    elif spec.api_base and _needs_placeholder_key(spec):
        kwargs["api_key"] = LOCAL_SERVER_KEY
    if spec.api_base:
        kwargs["api_base"] = spec.api_base
    mode = choose_mode(spec.model, spec.structured_output, spec.api_base, kwargs.get("api_key"))
    if batch is not None and batch.applies(spec.model):  # generation.batch: through the provider's batch API
        return batch.lm(spec.model, structured_output=mode, compact_prompts=spec.compact_prompts,
                        limiter=limiter or build_limiter(spec), retries=spec.num_retries, interrupt=interrupt,
                        **kwargs)
    return EndpointLM(spec.model, structured_output=mode, compact_prompts=spec.compact_prompts,
                      limiter=limiter or build_limiter(spec), retries=spec.num_retries,
                      rate_limit_patience_s=spec.rate_limit_patience_s, max_retry_after_s=spec.max_retry_after_s,
                      interrupt=interrupt, **kwargs)


def build_role_lms(
    models: ModelsConfig,
    overrides: Mapping[str, dspy.BaseLM] | dspy.BaseLM | None = None,
    roles: tuple[str, ...] = ROLES,
    *,
    accountant: Accountant | None = None,
    store: RequestStore | None = None,
    interrupt: threading.Event | None = None,
    batch: BatchSetup | None = None,
) -> dict[str, dspy.BaseLM]:
    """Role -> LM for every role; ``overrides`` (one LM, or some roles) replaces configured models.

    With ``accountant``, each distinct LM is wrapped once in the middleware (``metered``) with ``store`` as
    the request cache; roles that shared an LM share its wrapper. With ``batch`` (``generation.batch``), the
    models of the batch provider are ``BatchLM``s (``core.lm.batch``).
    """
    raw = _raw_role_lms(models, overrides, roles, interrupt, batch)
    if accountant is None:
        return raw
    wrapped: dict[int, dspy.BaseLM] = {}
    attempts = {role: models.for_role(role).malformed_attempts for role in raw}
    return {role: wrapped.setdefault(id(lm), metered(lm, accountant, store, malformed_attempts=attempts[role]))
            for role, lm in raw.items()}


def _raw_role_lms(models: ModelsConfig, overrides, roles: tuple[str, ...],
                  interrupt: threading.Event | None = None, batch: BatchSetup | None = None) -> dict[str, dspy.BaseLM]:
    if isinstance(overrides, dspy.BaseLM):
        return {role: overrides for role in roles}
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(roles)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; roles are {list(roles)}")
    lms: dict[str, dspy.BaseLM] = {}
    by_spec: dict[str, dspy.BaseLM] = {}
    limiters: dict[str, ModelLimiter] = {}
    engines: dict = {}
    for role in roles:
        if role in overrides:
            lms[role] = overrides[role]
            continue
        spec = models.for_role(role)
        key = spec.model_dump_json()
        if key not in by_spec:
            endpoint = endpoint_key(spec)
            if endpoint not in limiters and not spec.is_embedded:
                limiters[endpoint] = build_limiter(spec)
            by_spec[key] = build_lm(spec, models, engines, limiters.get(endpoint), interrupt, batch)
        lms[role] = by_spec[key]
    return lms


def role_model_names(models: ModelsConfig, lms: Mapping[str, dspy.BaseLM]) -> dict[str, str]:
    """Role -> model name, as recorded in each record's lineage."""
    return {role: getattr(lm, "model", type(lm).__name__) for role, lm in lms.items()}


def role_structured_modes(lms: Mapping[str, dspy.BaseLM]) -> dict[str, str]:
    """Role -> the structured-output mode its model is asked in (``json_schema``, ``json_object``,
    ``prompt``), as recorded in the run manifest."""
    return {role: structured_mode(lm) for role, lm in lms.items()}


def unwrapped(lm: dspy.BaseLM) -> dspy.BaseLM:
    """The LM under the middleware (itself when it is not wrapped)."""
    return lm.inner if isinstance(lm, MeteredLM) else lm
