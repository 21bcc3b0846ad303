"""Structured outputs on every kind of endpoint: one explicit mode per model (``ModelSpec.structured_output``).

DSPy's JSONAdapter sends a JSON schema only when the model's catalog entry says the model takes one, so a
vLLM-served or custom-named model (``openai/smollm2``) was asked for JSON by prompt alone. Here the adapter
always builds the schema (``core.lm.endpoint_lm.EndpointLM`` declares ``supports_response_schema``); the
middleware sees it on every request (its cache key, its checks of malformed answers and their re-asks); and
only the request sent over the wire is shaped for the server, by mode:

- ``json_schema``: ``response_format: {"type": "json_schema", "json_schema": {...}}`` (OpenAI, vLLM,
  SGLang; LiteLLM turns it into Ollama's ``format``);
- ``json_object``: ``response_format: {"type": "json_object", "schema": ...}`` (llama.cpp's server, which
  refuses ``json_schema``);
- ``prompt``: no ``response_format``; the schema is appended to the system prompt.

``auto`` (``choose_mode``) decides per provider and server: OpenAI-compatible prefixes ask the server
which software it is (``core.lm.server_kind``: llama.cpp -> ``json_object``, anything else ->
``json_schema``); ``ollama``/``ollama_chat`` -> ``json_schema``; any other provider -> ``json_schema`` when
DSPy's catalog says the model takes a schema, else ``prompt``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from typing import Any

import pydantic
from dspy.lm15 import Request, TextPart

from core.lm import server_kind as servers

log = logging.getLogger(__name__)

MODES = ("json_schema", "json_object", "prompt")
OPENAI_COMPATIBLE = ("openai", "hosted_vllm")
"""Model prefixes served over OpenAI's chat-completions protocol (DSPy's native engine carries them)."""
OLLAMA_PREFIXES = ("ollama", "ollama_chat")
CATALOG = "catalog"
"""``choose_mode``'s answer when DSPy's catalog decides (``EndpointLM`` resolves it)."""
EMBEDDED = "json_object"
"""The embedded llama.cpp engine decodes under the schema itself (``core.lm.local_engine``)."""

PROMPT_INSTRUCTION = ("Answer with one JSON object and nothing else. It must conform to this JSON schema:\n")


@dataclass(frozen=True)
class ModeChoice:
    """A model's structured-output mode and why it was chosen."""

    mode: str
    reason: str


def provider_prefix(model: str) -> str:
    """The LiteLLM provider prefix of a model string (``openai`` when there is none)."""
    return model.split("/", 1)[0] if "/" in model else "openai"


def choose_mode(model: str, configured: str = "auto", api_base: str | None = None,
                api_key: str | None = None) -> ModeChoice:
    """The mode a model is asked in; ``mode`` may be ``CATALOG`` (DSPy's catalog decides, see module doc)."""
    if configured != "auto":
        if configured not in MODES:
            raise ValueError(f"structured_output must be auto or one of {MODES}, not {configured!r}")
        return ModeChoice(configured, "configured")
    prefix = provider_prefix(model)
    if prefix in OLLAMA_PREFIXES:
        return ModeChoice("json_schema", "Ollama (LiteLLM sends the schema as its `format`)")
    if prefix not in OPENAI_COMPATIBLE:
        return ModeChoice(CATALOG, f"{prefix}: as DSPy's model catalog says")
    if not api_base:
        return ModeChoice("json_schema", "vLLM" if prefix == "hosted_vllm" else "OpenAI")
    kind = servers.server_kind(api_base, api_key)
    if kind == servers.LLAMA_CPP:
        return ModeChoice("json_object", "llama.cpp server")
    if kind == servers.UNREACHABLE:
        return ModeChoice("json_schema", "OpenAI-compatible (server not reached when the model was built)")
    if kind == servers.UNKNOWN:
        return ModeChoice("json_schema", "OpenAI-compatible server")
    return ModeChoice("json_schema", f"{kind} server")


def schema_of(response_format: Any) -> dict | None:
    """The JSON schema a ``response_format`` carries (canonical dict or DSPy's pydantic model), or None."""
    if isinstance(response_format, type) and issubclass(response_format, pydantic.BaseModel):
        return response_format.model_json_schema()
    if isinstance(response_format, dict):
        schema = response_format.get("schema")
        if schema is None and isinstance(response_format.get("json_schema"), dict):
            schema = response_format["json_schema"].get("schema")
        return schema if isinstance(schema, dict) else None
    return None


def prompt_instruction(schema: dict | None) -> str:
    """The text that asks for JSON in ``prompt`` mode (the schema, when there is one)."""
    if schema is None:
        return "Answer with one JSON object and nothing else."
    return PROMPT_INSTRUCTION + json.dumps(schema, separators=(",", ":"), sort_keys=True)


def wire_request(request: Request, mode: str) -> Request:
    """``request`` (as the adapter and the middleware see it) shaped for a server asked in ``mode``."""
    fmt = request.config.response_format
    if not fmt or mode == "json_schema":
        return request
    schema = schema_of(fmt)
    if mode == "json_object":
        if schema is None:
            return request
        # The canonical Request has no slot for a schema on json_object; its extensions are sent verbatim
        # and take the place of the payload's response_format on both engines.
        extensions = {**(request.config.extensions or {}),
                      "response_format": {"type": "json_object", "schema": schema}}
        return replace(request, config=replace(request.config, response_format={"type": "json_object"},
                                               extensions=extensions))
    text = prompt_instruction(schema)
    system = request.system
    if system is None:
        system = text
    elif isinstance(system, str):
        system = f"{system}\n\n{text}"
    else:
        system = (*system, TextPart(f"\n\n{text}"))
    return replace(request, system=system, config=replace(request.config, response_format=None))


def wire_kwargs(messages: list[dict] | None, kwargs: dict, mode: str) -> tuple[list[dict] | None, dict]:
    """The same for a call made with messages and keyword arguments (an LM used without the middleware).

    Such a call cannot carry a schema on ``json_object``: it sends ``json_object`` with the schema in the
    prompt (the middleware's path, every job's, sends it as the server wants)."""
    fmt = kwargs.get("response_format")
    if not fmt or mode == "json_schema":
        return messages, kwargs
    kwargs = dict(kwargs)
    text = prompt_instruction(schema_of(fmt))
    if mode == "json_object":
        kwargs["response_format"] = {"type": "json_object"}
    else:
        kwargs.pop("response_format")
    messages = [dict(m) for m in messages or ()]
    if messages and messages[0].get("role") == "system" and isinstance(messages[0].get("content"), str):
        messages[0]["content"] = f"{messages[0]['content']}\n\n{text}"
    else:
        messages.insert(0, {"role": "system", "content": text})
    return messages, kwargs


def structured_mode(lm: Any) -> str:
    """The structured-output mode an LM (or the LM under the middleware) is asked in, for the manifest."""
    inner = getattr(getattr(lm, "engine", None), "inner", None) or lm
    mode = getattr(inner, "structured_output", None)
    if mode is None:
        mode = getattr(getattr(inner, "engine", None), "structured_output", None)
    if mode is None:
        mode = "json_schema" if getattr(inner, "supports_response_schema", False) else "prompt"
    return mode
