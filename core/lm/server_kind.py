"""Which server software answers at an OpenAI-compatible ``api_base``: asked once per address.

``GET {api_base}/models`` is served by every OpenAI-compatible server, and its ``owned_by`` names the
software: llama.cpp's C++ server says ``llamacpp``, llama-cpp-python's server ``me``, vLLM ``vllm``, SGLang
``sglang``, Ollama ``library``/``ollama``. ``core.lm.structured`` picks the structured-output mode from it
(llama.cpp takes ``{"type": "json_object", "schema": ...}`` and refuses ``json_schema``).
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request

log = logging.getLogger(__name__)

LLAMA_CPP = "llama.cpp"
VLLM = "vllm"
SGLANG = "sglang"
OLLAMA = "ollama"
UNKNOWN = "unknown"
"""The server answered, but not with a list whose ``owned_by`` names software listed here."""
UNREACHABLE = "unreachable"
"""The server did not answer (down, or not there yet)."""

_OWNED_BY = {"llamacpp": LLAMA_CPP, "me": LLAMA_CPP, "vllm": VLLM, "sglang": SGLANG, "library": OLLAMA,
             "ollama": OLLAMA}
_CACHE: dict[str, str] = {}
_LOCK = threading.Lock()


def server_kind(api_base: str, api_key: str | None = None, timeout_s: float = 3.0) -> str:
    """The software serving ``api_base`` (one of the constants above); answered once per address.

    An unreachable server is not remembered: the next caller asks again."""
    base = api_base.rstrip("/")
    with _LOCK:
        if base in _CACHE:
            return _CACHE[base]
    kind = _ask(base, api_key, timeout_s)
    if kind != UNREACHABLE:
        with _LOCK:
            _CACHE[base] = kind
    return kind


def forget() -> None:
    """Drop every remembered answer (tests; a server replaced at the same address)."""
    with _LOCK:
        _CACHE.clear()


def _ask(base: str, api_key: str | None, timeout_s: float) -> str:
    headers = {"Accept": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"  # in memory only, never logged
    request = urllib.request.Request(f"{base}/models", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as reply:
            body = json.load(reply)
    except urllib.error.HTTPError as exc:  # it answered, without a list of models (or refused the key)
        log.info("%s/models: HTTP %s; the server's software is unknown", base, exc.code)
        return UNKNOWN
    except (OSError, ValueError) as exc:
        log.info("%s/models: no answer (%s); the server's software is unknown", base, type(exc).__name__)
        return UNREACHABLE
    models = body.get("data") if isinstance(body, dict) else None
    for model in models if isinstance(models, list) else ():
        owner = str(model.get("owned_by", "")).lower() if isinstance(model, dict) else ""
        if owner in _OWNED_BY:
            return _OWNED_BY[owner]
    return UNKNOWN
