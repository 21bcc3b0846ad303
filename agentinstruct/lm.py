"""Models by role: ``ModelSpec`` -> ``dspy.LM`` (LiteLLM strings or the embedded llama.cpp engine).

Roles that share an identical spec share one LM object, so the embedded model is loaded once. API keys are
read from the environment variable a spec names, handed to ``dspy.LM`` in memory, and never written out.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

import dspy

from agentinstruct.config import ROLES, ConfigError, ModelsConfig, ModelSpec

log = logging.getLogger(__name__)


def _embedded_lm(spec: ModelSpec, models: ModelsConfig) -> dspy.LM:
    from agentinstruct.local_engine import LlamaCppEngine

    local = models.local
    engine = LlamaCppEngine(model_path=local.model_path, n_ctx=local.n_ctx, n_threads=local.n_threads,
                            seed=local.seed, extra_buffers=local.extra_buffers,
                            max_list_items=local.max_list_items)
    return dspy.LM(spec.model, engine=engine, temperature=spec.temperature, max_tokens=spec.max_tokens,
                   num_retries=0, **spec.extra)


def build_lm(spec: ModelSpec, models: ModelsConfig, _engines: dict | None = None) -> dspy.LM:
    """One ``dspy.LM`` for a spec; the embedded model's engine is shared through ``_engines``."""
    if spec.is_embedded:
        engines = _engines if _engines is not None else {}
        if "local" not in engines:
            engines["local"] = _embedded_lm(spec, models)
            return engines["local"]
        return engines["local"].copy(temperature=spec.temperature, max_tokens=spec.max_tokens)
    kwargs = dict(temperature=spec.temperature, max_tokens=spec.max_tokens, num_retries=spec.num_retries,
                  timeout=spec.timeout_s, **spec.extra)
    if spec.api_key_env:
        key = os.environ.get(spec.api_key_env)
        if not key:
            raise ConfigError(f"model {spec.model}: environment variable {spec.api_key_env} is not set")
        kwargs["api_key"] = key
    if spec.api_base:
        kwargs["api_base"] = spec.api_base
    return dspy.LM(spec.model, **kwargs)


def build_role_lms(
    models: ModelsConfig,
    overrides: Mapping[str, dspy.BaseLM] | dspy.BaseLM | None = None,
    roles: tuple[str, ...] = ROLES,
) -> dict[str, dspy.BaseLM]:
    """Role -> LM for every role; ``overrides`` (one LM, or some roles) replaces configured models."""
    if isinstance(overrides, dspy.BaseLM):
        return {role: overrides for role in roles}
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(roles)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; roles are {list(roles)}")
    lms: dict[str, dspy.BaseLM] = {}
    by_spec: dict[str, dspy.BaseLM] = {}
    engines: dict = {}
    for role in roles:
        if role in overrides:
            lms[role] = overrides[role]
            continue
        spec = models.for_role(role)
        key = spec.model_dump_json()
        if key not in by_spec:
            by_spec[key] = build_lm(spec, models, engines)
        lms[role] = by_spec[key]
    return lms


def role_model_names(models: ModelsConfig, lms: Mapping[str, dspy.BaseLM]) -> dict[str, str]:
    """Role -> model name, as recorded in each record's lineage."""
    return {role: getattr(lm, "model", type(lm).__name__) for role, lm in lms.items()}
