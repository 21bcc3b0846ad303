"""An OpenAI-compatible mock chat-completions server for tests and benchmarks (127.0.0.1 only).

It answers ``POST /v1/chat/completions`` after a fixed latency with deterministic content: when the request
carries a JSON schema (DSPy's JSONAdapter), the reply is a JSON object that satisfies it, with values
derived from a hash of the request. Faults are injected deterministically per (request, attempt): HTTP 429
with or without ``Retry-After``, HTTP 500, malformed (cut-off) JSON content, and hangs past the client's
timeout; and, after a
number of requests, 401 (revoked key) or 429 ``insufficient_quota`` on every request. A ``script``
(request body, request number -> ``Scripted`` or None) replaces any reply with one of its own: a chosen
status, headers, assistant content, finish reason, or a raw body (the adversarial tests replay hostile model
outputs and provider faults with it). The server stops by itself after ``max_seconds`` or ``max_requests``.

Run it standalone with ``python -m agentinstruct.testing.mock_openai --port 8000``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

log = logging.getLogger(__name__)


@dataclass
class Faults:
    """Fractions of requests (by attempt) that fail in each way."""

    rate_limit: float = 0.0
    server_error: float = 0.0
    malformed: float = 0.0
    hang: float = 0.0
    retry_after_s: float | None = 0.05
    """The ``Retry-After`` header of a 429 (None: no header, as many providers send)."""
    fail_attempts: int = 1
    """Faults hit only the first ``fail_attempts`` attempts of a request, so retries eventually succeed."""
    auth_after: int | None = None
    """Every request after this many is refused with 401 (a revoked key)."""
    quota_after: int | None = None
    """Every request after this many gets 429 ``insufficient_quota`` (an exhausted account, not a rate limit)."""


@dataclass
class Scripted:
    """One scripted reply: ``content`` as the assistant message of a 200 (with ``finish_reason``), or a
    ``status`` with an error ``body`` (a dict is sent as JSON, a string as it is: a non-JSON body)."""

    content: str | None = None
    status: int = 200
    body: dict | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    finish_reason: str = "stop"
    choices: bool = True
    """False: a 200 whose ``choices`` list is empty."""


@dataclass
class MockStats:
    """What the server saw."""

    requests: int = 0
    by_status: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)
    completions: int = 0
    arrivals: list[float] = field(default_factory=list)
    """``time.monotonic()`` of each request's arrival."""


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


_WORDS = ("alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta", "lambda", "zeta", "harbour",
          "river", "market", "bridge", "ledger", "lantern", "orchard", "canal", "ferry", "meadow", "quarry",
          "mill", "tower", "valley", "which", "when", "because", "after", "before", "during", "many", "few")


def _value(schema: dict, seed: str, depth: int = 0):
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][_digest(seed) % len(schema["enum"])]
    if kind == "object" or "properties" in schema:
        return {k: _value(v, f"{seed}.{k}", depth + 1) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        n = max(schema.get("minItems", 1), min(2, schema.get("maxItems", 2)))
        return [_value(schema.get("items", {"type": "string"}), f"{seed}[{i}]", depth + 1) for i in range(n)]
    if kind == "integer":
        return 1 + _digest(seed) % 9
    if kind == "number":
        return round((_digest(seed) % 1000) / 100, 2)
    if kind == "boolean":
        return bool(_digest(seed) % 2)
    if isinstance(kind, list):
        return _value({**schema, "type": kind[0]}, seed, depth)
    # A sentence-length string (24 words): long enough to pass the programs' checks for degenerate output.
    h = _digest(seed)
    picks = [_WORDS[_digest(seed, str(i)) % len(_WORDS)] for i in range(24)]
    return " ".join(picks) + f" {h % 9973}?"


_FIELDS = re.compile(r"`(\w+)`(?: \(must be formatted as a valid Python ([^)]*\)?)\))?")


def _schema_from_prompt(messages: list[dict]) -> dict | None:
    """The output fields DSPy's JSONAdapter asks for in its last user message, as a JSON schema."""
    text = str(messages[-1].get("content", "")) if messages else ""
    marker = "in the following order of fields:"
    if marker not in text:
        return None
    props = {}
    for name, pytype in _FIELDS.findall(text.split(marker, 1)[1]):
        if pytype.startswith("list"):
            props[name] = {"type": "array", "items": {"type": "string"}}
        elif pytype.startswith("int"):
            props[name] = {"type": "integer"}
        elif pytype.startswith("float"):
            props[name] = {"type": "number"}
        elif pytype.startswith("bool"):
            props[name] = {"type": "boolean"}
        else:
            props[name] = {"type": "string"}
    return {"type": "object", "properties": props} if props else None


def content_for(body: dict) -> str:
    """Deterministic assistant content for a chat-completions request body."""
    messages = body.get("messages", [])
    key = json.dumps(messages, sort_keys=True)
    fmt = body.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema") or _schema_from_prompt(messages)
    if schema:
        return json.dumps(_value(schema, key))
    return _value({"type": "string"}, key)


class MockOpenAIServer:
    """The server, run on its own event loop thread: ``with MockOpenAIServer(...) as server: server.url``."""

    def __init__(self, latency_s: float = 0.2, faults: Faults | None = None, max_seconds: float = 600,
                 max_requests: int = 1_000_000, port: int = 0, script=None):
        self.latency_s = latency_s
        self.script = script
        """(request body, request number) -> ``Scripted`` or None (the ordinary reply)."""
        self.faults = faults or Faults()
        self.max_seconds = max_seconds
        self.max_requests = max_requests
        self.port = port
        self.stats = MockStats()
        self._attempts: Counter = Counter()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None

    @property
    def url(self) -> str:
        """Base URL (``http://127.0.0.1:PORT/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def _fault(self, key: str) -> str | None:
        with self._lock:
            self._attempts[key] += 1
            attempt = self._attempts[key]
        if attempt > self.faults.fail_attempts:
            return None
        roll = (_digest(key, str(attempt)) % 10_000) / 10_000
        for name in ("rate_limit", "server_error", "malformed", "hang"):
            share = getattr(self.faults, name)
            if roll < share:
                return name
            roll -= share
        return None

    def _refusal(self, number: int) -> web.Response | None:
        """The 401 or quota 429 that request ``number`` gets, if the faults say so."""
        f = self.faults
        if f.auth_after is not None and number > f.auth_after:
            self.stats.by_status[401] += 1
            self.stats.faults["auth"] += 1
            return web.json_response({"error": {"message": "Incorrect API key provided",
                                                "type": "invalid_request_error", "code": "invalid_api_key"}},
                                     status=401)
        if f.quota_after is not None and number > f.quota_after:
            self.stats.by_status[429] += 1
            self.stats.faults["quota"] += 1
            return web.json_response({"error": {"message": "You exceeded your current quota",
                                                "type": "insufficient_quota", "code": "insufficient_quota"}},
                                     status=429)
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.stats.requests += 1
        self.stats.arrivals.append(time.monotonic())
        if self.stats.requests >= self.max_requests:
            self._stop.set()
        refused = self._refusal(self.stats.requests)
        if refused is not None:
            await asyncio.sleep(self.latency_s)
            return refused
        scripted = self.script(body, self.stats.requests) if self.script is not None else None
        if scripted is not None:
            await asyncio.sleep(self.latency_s)
            return self._scripted(body, scripted)
        key = json.dumps([body.get("messages"), body.get("response_format"), body.get("temperature"),
                          body.get("seed")], sort_keys=True)
        fault = self._fault(key)
        await asyncio.sleep(self.latency_s)
        if fault:
            self.stats.faults[fault] += 1
        if fault == "rate_limit":
            self.stats.by_status[429] += 1
            after = self.faults.retry_after_s
            return web.json_response({"error": {"message": "rate limited", "type": "rate_limit_error"}},
                                     status=429, headers={"Retry-After": str(after)} if after is not None else {})
        if fault == "server_error":
            self.stats.by_status[500] += 1
            return web.json_response({"error": {"message": "boom", "type": "server_error"}}, status=500)
        if fault == "hang":
            await asyncio.sleep(3600)
        content = content_for(body)
        if fault == "malformed":  # an answer cut mid-stream: valid JSON up to half its length
            content = content[: max(1, len(content) // 2)]
        self.stats.by_status[200] += 1
        self.stats.completions += 1
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        completion_tokens = len(content.split())
        return web.json_response({
            "id": f"mock-{self.stats.requests}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "mock"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        })

    def _scripted(self, body: dict, scripted: Scripted) -> web.Response:
        """The reply a script chose."""
        self.stats.by_status[scripted.status] += 1
        self.stats.faults["scripted"] += 1
        if scripted.body is not None:
            if isinstance(scripted.body, str):
                return web.Response(text=scripted.body, status=scripted.status, headers=scripted.headers,
                                    content_type="application/json")
            return web.json_response(scripted.body, status=scripted.status, headers=scripted.headers)
        content = content_for(body) if scripted.content is None else scripted.content
        self.stats.completions += 1
        choices = [{"index": 0, "finish_reason": scripted.finish_reason,
                    "message": {"role": "assistant", "content": content}}] if scripted.choices else []
        return web.json_response({
            "id": f"mock-{self.stats.requests}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "mock"), "choices": choices,
            "usage": {"prompt_tokens": 1, "completion_tokens": max(1, len(content.split())), "total_tokens": 2},
        }, status=scripted.status, headers=scripted.headers)

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_post("/v1/chat/completions", self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port, backlog=1024)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=self.max_seconds)
        except asyncio.TimeoutError:
            log.info("mock server: max_seconds reached, stopping")
        await runner.cleanup()

    def start(self) -> MockOpenAIServer:
        """Start serving on a background thread; returns once the port is bound."""
        def run():
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._main())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="mock-openai", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("mock server did not start within 10 s")
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread:
            self._thread.join(10)

    def __enter__(self) -> MockOpenAIServer:  # noqa: PYI034 - start() returns self
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    """Serve until ``--max-seconds`` pass (for manual runs and subprocess tests)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--max-seconds", type=float, default=600)
    parser.add_argument("--rate-limit", type=float, default=0.0)
    parser.add_argument("--malformed", type=float, default=0.0)
    parser.add_argument("--retry-after", type=float, default=None, help="Retry-After of a 429 (default: none)")
    args = parser.parse_args()
    faults = Faults(rate_limit=args.rate_limit, malformed=args.malformed, retry_after_s=args.retry_after)
    server = MockOpenAIServer(latency_s=args.latency, max_seconds=args.max_seconds, port=args.port, faults=faults)
    server.start()
    print(f"mock OpenAI server on {server.url}", flush=True)
    server._thread.join()


if __name__ == "__main__":
    main()
