"""A mock of the providers' batch APIs for tests (127.0.0.1 only): OpenAI Batch and Anthropic Message Batches.

OpenAI: ``POST /v1/files`` (multipart, ``purpose=batch``), ``POST /v1/batches``, ``GET /v1/batches/{id}``,
``GET /v1/files/{id}/content`` (the output file and the errors file, as JSONL). Anthropic:
``POST /v1/messages/batches``, ``GET /v1/messages/batches/{id}``, ``GET /v1/messages/batches/{id}/results``.
A batch ends ``batch_latency_s`` after it was created; answers are ``mock_openai.content_for`` the request
(a JSON object that satisfies its schema, or the fields its prompt lists). Results come in a shuffled order;
``error_every`` makes every n-th request of a batch fail (a 500 line, or an ``errored`` result); ``expire``
ends the next batches ``expired`` with only ``expire_keep`` of their requests answered. ``stats`` counts
what was submitted, per custom id.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

from agentinstruct.testing.mock_openai import content_for


@dataclass
class BatchStats:
    """What the server saw."""

    batches: int = 0
    submitted: Counter = field(default_factory=Counter)
    """custom id -> how many times it was submitted."""
    polls: int = 0
    result_downloads: int = 0


class MockBatchServer:
    """``with MockBatchServer() as server: server.url`` (``http://127.0.0.1:PORT/v1``)."""

    def __init__(self, batch_latency_s: float = 0.3, error_every: int = 0, expire: int = 0, expire_keep: float = 0.5,
                 seed: int = 0):
        self.batch_latency_s = batch_latency_s
        self.error_every = error_every
        self.expire = expire
        """How many of the next batches expire."""
        self.expire_keep = expire_keep
        self.stats = BatchStats()
        self._rng = random.Random(seed)
        self._files: dict[str, bytes] = {}
        self._batches: dict[str, dict] = {}
        self._lock = threading.Lock()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- shared --------------------------------------------------------------------------------------
    def _new_batch(self, kind: str, requests: list[dict]) -> dict:
        with self._lock:
            self.stats.batches += 1
            number = self.stats.batches
            expires = self.expire > 0
            if expires:
                self.expire -= 1
        for item in requests:
            self.stats.submitted[item["custom_id"]] += 1
        batch = {"id": f"{'batch' if kind == 'openai' else 'msgbatch'}_{number}", "kind": kind, "requests": requests,
                 "created": time.monotonic(), "expires": expires}
        self._batches[batch["id"]] = batch
        return batch

    def _done(self, batch: dict) -> bool:
        return time.monotonic() - batch["created"] >= self.batch_latency_s

    def _outcomes(self, batch: dict) -> list[tuple[dict, str]]:
        """(request, "ok" | "error" | "missing") per request, in a shuffled order (once computed, kept)."""
        if "outcomes" not in batch:
            outcomes = []
            for i, item in enumerate(batch["requests"]):
                if batch["expires"] and (i + 1) > len(batch["requests"]) * self.expire_keep:
                    outcomes.append((item, "missing"))
                elif (self.error_every and (i + 1) % self.error_every == 0
                      and self.stats.submitted[item["custom_id"]] == 1):
                    outcomes.append((item, "error"))  # a failed line succeeds when it is sent again
                else:
                    outcomes.append((item, "ok"))
            self._rng.shuffle(outcomes)
            batch["outcomes"] = outcomes
        return batch["outcomes"]

    # -- OpenAI ---------------------------------------------------------------------------------------
    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("purpose") != "batch":
            return web.json_response({"error": {"message": "purpose must be batch"}}, status=400)
        upload = form["file"]
        content = upload.file.read() if hasattr(upload, "file") else bytes(upload)
        file_id = f"file-{len(self._files) + 1}"
        self._files[file_id] = content
        return web.json_response({"id": file_id, "object": "file", "purpose": "batch", "bytes": len(content)})

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        content = self._files.get(body.get("input_file_id"))
        if content is None or body.get("endpoint") != "/v1/chat/completions":
            return web.json_response({"error": {"message": "bad input_file_id or endpoint"}}, status=400)
        lines = [json.loads(line) for line in content.decode("utf-8").splitlines() if line.strip()]
        batch = self._new_batch("openai", lines)
        return web.json_response(self._openai_view(batch))

    def _openai_view(self, batch: dict) -> dict:
        view = {"id": batch["id"], "object": "batch", "endpoint": "/v1/chat/completions", "status": "in_progress",
                "output_file_id": None, "error_file_id": None,
                "request_counts": {"total": len(batch["requests"]), "completed": 0, "failed": 0}}
        if not self._done(batch):
            return view
        outcomes = self._outcomes(batch)
        ok = [self._openai_line(item, True) for item, kind in outcomes if kind == "ok"]
        bad = [self._openai_line(item, False) for item, kind in outcomes if kind == "error"]
        out_id, err_id = f"{batch['id']}-output", f"{batch['id']}-errors"
        self._files[out_id] = "".join(json.dumps(x) + "\n" for x in ok).encode()
        self._files[err_id] = "".join(json.dumps(x) + "\n" for x in bad).encode()
        view.update(status="expired" if batch["expires"] else "completed", output_file_id=out_id if ok else None,
                    error_file_id=err_id if bad else None,
                    request_counts={"total": len(outcomes), "completed": len(ok), "failed": len(bad)})
        return view

    @staticmethod
    def _openai_line(item: dict, ok: bool) -> dict:
        body = item["body"]
        if not ok:
            return {"id": f"req-{item['custom_id']}", "custom_id": item["custom_id"],
                    "response": {"status_code": 500, "body": {"error": {"message": "boom", "type": "server_error"}}},
                    "error": None}
        content = content_for(body)
        completion = len(content.split())
        return {"id": f"req-{item['custom_id']}", "custom_id": item["custom_id"], "error": None,
                "response": {"status_code": 200, "request_id": "r", "body": {
                    "id": f"chatcmpl-{item['custom_id']}", "object": "chat.completion", "created": 0,
                    "model": body.get("model", "mock"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 20, "completion_tokens": completion, "total_tokens": 20 + completion}}}}

    async def _retrieve(self, request: web.Request) -> web.Response:
        batch = self._batches.get(request.match_info["batch_id"])
        if batch is None:
            return web.json_response({"error": {"message": "no such batch"}}, status=404)
        self.stats.polls += 1
        return web.json_response(self._openai_view(batch))

    async def _content(self, request: web.Request) -> web.Response:
        content = self._files.get(request.match_info["file_id"])
        if content is None:
            return web.json_response({"error": {"message": "no such file"}}, status=404)
        self.stats.result_downloads += 1
        return web.Response(body=content, content_type="application/jsonl")

    # -- Anthropic ------------------------------------------------------------------------------------
    async def _anthropic_create(self, request: web.Request) -> web.Response:
        body = await request.json()
        batch = self._new_batch("anthropic", body["requests"])
        return web.json_response(self._anthropic_view(batch))

    def _anthropic_view(self, batch: dict) -> dict:
        done = self._done(batch)
        return {"id": batch["id"], "type": "message_batch", "processing_status": "ended" if done else "in_progress",
                "request_counts": {"processing": 0 if done else len(batch["requests"])},
                "results_url": f"{self.url}/messages/batches/{batch['id']}/results" if done else None}

    async def _anthropic_retrieve(self, request: web.Request) -> web.Response:
        batch = self._batches.get(request.match_info["batch_id"])
        if batch is None:
            return web.json_response({"type": "error", "error": {"type": "not_found_error"}}, status=404)
        self.stats.polls += 1
        return web.json_response(self._anthropic_view(batch))

    async def _anthropic_results(self, request: web.Request) -> web.Response:
        batch = self._batches.get(request.match_info["batch_id"])
        if batch is None or not self._done(batch):
            return web.json_response({"type": "error", "error": {"type": "not_found_error"}}, status=404)
        self.stats.result_downloads += 1
        lines = []
        for item, kind in self._outcomes(batch):
            params = item["params"]
            if kind == "missing":
                result = {"type": "expired"}
            elif kind == "error":
                result = {"type": "errored", "error": {"type": "error", "error": {"type": "api_error",
                                                                                  "message": "boom"}}}
            else:
                chat = {"messages": ([{"role": "system", "content": params.get("system", "")}]
                                     + [{"role": m["role"], "content": m["content"]} for m in params["messages"]])}
                text = content_for(chat)
                result = {"type": "succeeded", "message": {
                    "id": f"msg_{item['custom_id']}", "type": "message", "role": "assistant", "model": params["model"],
                    "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                    "usage": {"input_tokens": 20, "output_tokens": len(text.split())}}}
            lines.append(json.dumps({"custom_id": item["custom_id"], "result": result}))
        return web.Response(text="\n".join(lines) + "\n", content_type="application/jsonl")

    # -- serving --------------------------------------------------------------------------------------
    async def _main(self) -> None:
        app = web.Application(client_max_size=256 * 1024**2)
        app.router.add_post("/v1/files", self._upload)
        app.router.add_post("/v1/batches", self._create)
        app.router.add_get("/v1/batches/{batch_id}", self._retrieve)
        app.router.add_get("/v1/files/{file_id}/content", self._content)
        app.router.add_post("/v1/messages/batches", self._anthropic_create)
        app.router.add_get("/v1/messages/batches/{batch_id}", self._anthropic_retrieve)
        app.router.add_get("/v1/messages/batches/{batch_id}/results", self._anthropic_results)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self._stop = asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    def __enter__(self) -> MockBatchServer:  # noqa: PYI034 - returns self
        def run():
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._main())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="mock-batch", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("mock batch server did not start")
        return self

    def __exit__(self, *exc) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
