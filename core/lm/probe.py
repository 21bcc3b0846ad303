"""One probe of a model: does it answer, in which structured-output mode is it asked, and was the schema
honoured (``agentinstruct models``).

The probe asks a question whose prompt does not describe the answer's shape ("What is the capital of
France?") under a JSON schema with an enum and a closed object: a server that applies the schema (or, in
``prompt`` mode, a model that reads the schema in its prompt) answers ``{"city": ..., "country_code":
"FR"}``; one that ignores it answers prose or an object of its own.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import dspy
from dspy.lm15 import Config, Message, Request

from core.flow.failures import classify, excerpt
from core.lm.structured import structured_mode

PROBE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"},
                   "country_code": {"type": "string", "enum": ["DE", "ES", "FR", "IT"]}},
    "required": ["city", "country_code"],
    "additionalProperties": False,
}
PROBE_QUESTION = "What is the capital of France?"


@dataclass
class ProbeResult:
    """What one probe found."""

    mode: str
    why: str
    answered: bool
    honoured: bool | None
    """None when the model did not answer."""
    latency_s: float
    detail: str
    """The reply (or why the schema was not honoured, or the error with its reason code)."""


def schema_violation(schema: dict, value: Any, where: str = "$") -> str | None:
    """Why ``value`` does not conform to ``schema`` (the subset of JSON schema DSPy sends), or None."""
    kinds = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
    kind = schema.get("type")
    if kind in ("integer", "number"):
        wanted = int if kind == "integer" else (int, float)
        if isinstance(value, bool) or not isinstance(value, wanted):
            return f"{where}: not a {kind}"
    elif isinstance(kind, str) and kind in kinds and not isinstance(value, kinds[kind]):
        return f"{where}: not a{'n' if kind[0] in 'aeiou' else ''} {kind}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{where}: {value!r} is not one of {schema['enum']}"
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        missing = [k for k in schema.get("required") or () if k not in value]
        if missing:
            return f"{where}: missing {missing}"
        if schema.get("additionalProperties") is False and set(value) - set(props):
            return f"{where}: unexpected {sorted(set(value) - set(props))}"
        for key, sub in props.items():
            if key in value and isinstance(sub, dict):
                problem = schema_violation(sub, value[key], f"{where}.{key}")
                if problem:
                    return problem
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            problem = schema_violation(schema["items"], item, f"{where}[{i}]")
            if problem:
                return problem
    return None


def _reply(response) -> tuple[str, Any]:
    """The reply as text, and as a value when the engine already parsed it (a ``DataPart``) or None."""
    parts = getattr(response.message, "parts", None) or ()
    for part in parts:
        if getattr(part, "type", None) == "data":
            return json.dumps(part.value), part.value
    return "".join(p.text for p in parts if isinstance(getattr(p, "text", None), str)).strip(), None


def probe(lm: dspy.BaseLM, max_tokens: int = 64) -> ProbeResult:
    """Ask ``lm`` the probe question once under ``PROBE_SCHEMA`` (no cache) and judge the reply."""
    mode = structured_mode(lm)
    why = getattr(lm, "structured_output_reason", None) or ("embedded llama.cpp engine" if mode == "json_object"
                                                             else "as the LM declares")
    request = Request(model=lm.model, messages=(Message.user(PROBE_QUESTION),),
                      system="Answer the question.",
                      config=Config(max_tokens=max_tokens, temperature=0.0,
                                    response_format={"type": "json_schema", "name": "probe",
                                                     "schema": PROBE_SCHEMA, "strict": True}))
    start = time.monotonic()
    try:
        response = lm(request, cache=False)
    except Exception as exc:  # noqa: BLE001 - reported with its reason code
        return ProbeResult(mode, why, False, None, time.monotonic() - start, f"{classify(exc)}: {excerpt(exc, 160)}")
    latency = time.monotonic() - start
    text, value = _reply(response)
    shown = excerpt(ValueError(text), 80)
    if value is None:
        try:
            value = json.loads(text.strip("`").removeprefix("json").strip() if text.startswith("```") else text)
        except ValueError:
            return ProbeResult(mode, why, True, False, latency, f"not JSON: {shown}")
    problem = schema_violation(PROBE_SCHEMA, value)
    return ProbeResult(mode, why, True, problem is None, latency, shown if problem is None else f"{problem}: {shown}")
