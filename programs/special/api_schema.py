"""API libraries for tool use: read API descriptions (OpenAPI / Swagger, function-tool lists, JSON
Schema-style ``{"name", "parameters"}`` objects), render them in the paper's format, and check calls.

The library is also the passage of a tool-use item: ``render`` writes it as a JSON list in the paper's
format and ``parse_apis`` reads that back, so it travels through the flow as plain text.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from signatures.types import ApiParam, ApiSpec

_NAME = re.compile(r"^[A-Za-z_][\w .\-/]{0,79}$")
_JSON_TYPES = {"string", "integer", "number", "boolean", "array", "object"}
_METHODS = ("get", "post", "put", "patch", "delete")


class ApiSeedError(ValueError):
    """A text is not an API description this module can read."""


def _type(schema: Any) -> str:
    if not isinstance(schema, dict):
        return "string"
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    kind = str(kind).lower() if kind else ("object" if "properties" in schema else "string")
    return {"float": "number", "int": "integer", "bool": "boolean", "list": "array", "dict": "object"}.get(
        kind, kind if kind in _JSON_TYPES else "string")


def _param(name: str, schema: Any, required: bool, description: str = "") -> ApiParam:
    schema = schema if isinstance(schema, dict) else {}
    enum = schema.get("enum")
    enum = [v for v in enum if isinstance(v, (str, int, float)) and not isinstance(v, bool)] if isinstance(
        enum, list) else None
    return ApiParam(name=name, type=_type(schema), required=required, enum=enum or None,
                    description=str(description or schema.get("description") or ""))


def _object_params(schema: Any) -> list[ApiParam]:
    """Parameters from a JSON Schema ``{"type": "object", "properties": ..., "required": [...]}``."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return []
    required = set(schema.get("required") or [])
    return [_param(name, sub, name in required) for name, sub in schema["properties"].items()]


def _deref(doc: dict, node: Any, depth: int = 0) -> Any:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/") and depth < 8:
        target: Any = doc
        for part in node["$ref"][2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        return _deref(doc, target, depth + 1)
    return node


def _openapi(doc: dict) -> list[ApiSpec]:
    apis = []
    for path, item in (doc.get("paths") or {}).items():
        for method in _METHODS:
            op = (item or {}).get(method)
            if not isinstance(op, dict):
                continue
            params = []
            for p in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
                p = _deref(doc, p)
                if not isinstance(p, dict) or "name" not in p:
                    continue
                if p.get("in") == "body":  # Swagger 2
                    params.extend(_object_params(_deref(doc, p.get("schema"))))
                    continue
                schema = _deref(doc, p.get("schema")) or p
                params.append(_param(p["name"], schema, bool(p.get("required")), p.get("description", "")))
            body = _deref(doc, op.get("requestBody"))
            if isinstance(body, dict):
                content = body.get("content") or {}
                media = content.get("application/json") or next(iter(content.values()), {})
                params.extend(_object_params(_deref(doc, (media or {}).get("schema"))))
            name = op.get("operationId") or f"{method.upper()} {path}"
            apis.append(ApiSpec(name=name, description=op.get("summary") or op.get("description") or name,
                                parameters=params))
    return apis


def _function(obj: dict) -> ApiSpec | None:
    if obj.get("type") == "function" and isinstance(obj.get("function"), dict):
        obj = obj["function"]
    if not isinstance(obj.get("name"), str):
        return None
    schema = next((obj[k] for k in ("parameters", "input_schema", "arguments") if isinstance(obj.get(k), dict)),
                  {})
    if isinstance(schema.get("properties"), dict):
        params = _object_params(schema)
    elif "type" not in schema and all(isinstance(s, dict) for s in schema.values()):
        # {"parameters": {name: {type, required}}} without a JSON Schema wrapper
        params = [_param(n, s, bool(s.get("required"))) for n, s in schema.items()]
    else:
        params = []
    return ApiSpec(name=obj["name"], description=str(obj.get("description") or obj["name"]), parameters=params)


def parse_apis(text: str) -> list[ApiSpec]:
    """The APIs an API description declares; ``ApiSeedError`` when it is not one."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ApiSeedError(f"not JSON: {exc}") from exc
    if isinstance(doc, dict) and ("openapi" in doc or "swagger" in doc):
        apis = _openapi(doc)
    else:
        items = doc if isinstance(doc, list) else next(
            (doc[k] for k in ("functions", "tools", "apis") if isinstance(doc, dict) and isinstance(doc.get(k), list)),
            [doc])
        apis = [api for api in (_function(i) for i in items if isinstance(i, dict)) if api is not None]
    apis = clean(apis)
    if not apis:
        raise ApiSeedError("no API found in the description")
    return apis


def clean(apis: list[ApiSpec]) -> list[ApiSpec]:
    """Well-formed APIs only: a usable name, unique names (the first wins), unique parameter names."""
    kept, seen = [], set()
    for api in apis:
        name = api.name.strip()
        if not _NAME.match(name) or name.lower() in {n.lower() for n in seen} or name in ("FINAL_ANSWER", "FAILED"):
            continue
        params, names = [], set()
        for p in api.parameters:
            if p.name.strip().isidentifier() and p.name not in names:
                names.add(p.name)
                params.append(p)
        seen.add(name)
        kept.append(api.model_copy(update={"name": name, "parameters": params}))
    return kept


def to_paper_format(api: ApiSpec) -> dict[str, Any]:
    """One API as the paper shows it: name, description and a JSON Schema of its parameters."""
    properties = {}
    for p in api.parameters:
        prop: dict[str, Any] = {"type": p.type, "description": p.description}
        if p.enum:
            prop["enum"] = p.enum
        properties[p.name] = prop
    return {"name": api.name, "description": api.description,
            "parameters": {"type": "object", "properties": properties,
                           "required": [p.name for p in api.parameters if p.required]}}


def render(apis: list[ApiSpec]) -> str:
    """The library as an indented JSON list in the paper's format (readable by ``parse_apis``)."""
    return json.dumps([to_paper_format(a) for a in apis], indent=2, ensure_ascii=False)


def split_hidden(apis: list[ApiSpec], hidden: int) -> tuple[list[ApiSpec], list[ApiSpec]]:
    """(visible, hidden): ``hidden`` APIs withheld from the assistant, chosen by a stable hash of the
    library, so the same library always hides the same APIs (no random state in a program)."""
    if hidden <= 0:
        return list(apis), []
    digest = hashlib.sha256(render(apis).encode()).hexdigest()
    order = sorted(apis, key=lambda a: hashlib.sha256(f"{digest}:{a.name}".encode()).hexdigest())
    withheld = {a.name for a in order[:hidden]}
    return [a for a in apis if a.name not in withheld], [a for a in apis if a.name in withheld]


def _type_ok(value: Any, kind: str) -> bool:
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    return checks[kind](value)


def call_problems(apis: list[ApiSpec], name: str, arguments: dict[str, Any]) -> list[str]:
    """What is wrong with a call against the library's schemas: unknown API, missing required or unknown
    parameters, values of the wrong type or outside an enum. Empty when the call is valid."""
    api = next((a for a in apis if a.name == name), None)
    if api is None:
        return [f"call to unknown API {name!r} (available: {', '.join(a.name for a in apis) or 'none'})"]
    params = {p.name: p for p in api.parameters}
    problems = [f"{name}: missing required parameter {p!r}"
                for p, spec in params.items() if spec.required and p not in arguments]
    for arg, value in arguments.items():
        spec = params.get(arg)
        if spec is None:
            problems.append(f"{name}: unknown parameter {arg!r}")
        elif not _type_ok(value, spec.type):
            problems.append(f"{name}: parameter {arg!r} must be {spec.type}, got {type(value).__name__}")
        elif spec.enum and value not in spec.enum:
            problems.append(f"{name}: parameter {arg!r} must be one of {spec.enum}, got {value!r}")
    return problems
