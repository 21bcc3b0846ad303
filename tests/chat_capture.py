"""A chat-completions server on 127.0.0.1 for tests that look at what was sent: it records every request body,
answers with ``mock_openai.content_for`` (or scripted replies) and says who it is on ``GET /v1/models``."""

from __future__ import annotations

import asyncio
import threading

from aiohttp import web

from agentinstruct.testing.mock_openai import content_for
from core.lm import server_kind


class Server:
    """A chat-completions server on 127.0.0.1 that records every body; ``/v1/models`` says ``owned_by``."""

    def __init__(self, owned_by: str | None = "me", replies: list[str] | None = None):
        self.owned_by, self.replies, self.bodies = owned_by, list(replies or []), []
        self.port, self._ready, self._loop = 0, threading.Event(), None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _chat(self, request):
        body = await request.json()
        self.bodies.append(body)
        content = self.replies.pop(0) if self.replies else content_for(body)
        return web.json_response({"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                                  "choices": [{"index": 0, "finish_reason": "stop",
                                               "message": {"role": "assistant", "content": content}}],
                                  "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}})

    async def _models(self, request):
        if self.owned_by is None:
            return web.json_response({"error": "no such route"}, status=404)
        return web.json_response({"object": "list", "data": [{"id": "m", "object": "model",
                                                              "owned_by": self.owned_by}]})

    def __enter__(self):
        def run():
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_post("/v1/chat/completions", self._chat)
            app.router.add_get("/v1/models", self._models)
            runner = web.AppRunner(app)
            self._loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            self._runner = runner
            self._ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(runner.cleanup())

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        self._ready.wait(10)
        server_kind.forget()
        return self

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        server_kind.forget()
