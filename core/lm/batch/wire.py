"""A ``dspy.lm15.Request`` as a batch line, and a batch result as a ``Response``, per provider."""

from __future__ import annotations

from typing import Any

from dspy.lm15 import Message, Request, Response, TextPart, Usage, response_from_openai_chat

from core.dspy_internals import openai_chat_body


def provider_model(model: str) -> str:
    """The model name the provider knows (``openai/gpt-4o-mini`` -> ``gpt-4o-mini``)."""
    return model.split("/", 1)[1] if "/" in model else model


def openai_line(custom_id: str, request: Request) -> dict[str, Any]:
    """One line of an OpenAI Batch input file (``/v1/chat/completions``)."""
    body = {"model": provider_model(request.model), **openai_chat_body(request)}
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}


def openai_response(body: dict[str, Any], model: str) -> Response:
    """A chat completion of an OpenAI Batch output line."""
    return response_from_openai_chat(body, model=model)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(getattr(p, "text", "") or "" for p in content or ())


def anthropic_request(custom_id: str, request: Request) -> dict[str, Any]:
    """One request of an Anthropic Message Batch (the schema, if any, is in the prompt: ``prompt`` mode)."""
    cfg = request.config
    params: dict[str, Any] = {"model": provider_model(request.model), "max_tokens": cfg.max_tokens or 1024,
                              "messages": [{"role": m.role, "content": m.text or ""} for m in request.messages]}
    if request.system is not None:
        params["system"] = _text(request.system)
    for name, key in (("temperature", "temperature"), ("top_p", "top_p"), ("top_k", "top_k")):
        if getattr(cfg, name) is not None:
            params[key] = getattr(cfg, name)
    if cfg.stop:
        params["stop_sequences"] = list(cfg.stop)
    return {"custom_id": custom_id, "params": params}


def anthropic_response(message: dict[str, Any], model: str) -> Response:
    """A ``succeeded`` result's message."""
    text = "".join(block.get("text", "") for block in message.get("content") or () if block.get("type") == "text")
    usage = message.get("usage") or {}
    tokens_in, tokens_out = usage.get("input_tokens"), usage.get("output_tokens")
    total = tokens_in + tokens_out if tokens_in is not None and tokens_out is not None else None
    return Response(id=message.get("id"), model=message.get("model") or model,
                    message=Message.assistant([TextPart(text)]),
                    finish_reason="length" if message.get("stop_reason") == "max_tokens" else "stop",
                    usage=Usage(input_tokens=tokens_in, output_tokens=tokens_out, total_tokens=total))
