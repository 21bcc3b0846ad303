"""The two batch APIs over HTTP (stdlib only): submit a batch, ask whether it ended, read its results.

OpenAI Batch: upload a JSONL file (``purpose=batch``), create a batch on ``/v1/chat/completions``, poll it
until ``completed`` / ``expired`` / ``failed`` / ``cancelled``, then read its output file and errors file.
Anthropic Message Batches: create with the requests inline, poll until ``processing_status == "ended"``,
then read ``results_url``. A result names its request by ``custom_id``, never by position.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from dspy.lm15 import Request, Response

from core.lm.batch import wire

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class BatchState:
    """Where a batch stands: ``ended`` (its results can be read) and whether it expired or failed."""

    ended: bool
    status: str


@dataclass(frozen=True)
class BatchResult:
    """One request's result: a response, or an error (``retryable``: worth sending again)."""

    custom_id: str
    response: Response | None = None
    error: str | None = None
    retryable: bool = False


class BatchClient(Protocol):
    provider: str

    def submit(self, requests: Sequence[tuple[str, Request]]) -> str: ...

    def state(self, batch_id: str) -> BatchState: ...

    def results(self, batch_id: str) -> Iterator[BatchResult]: ...


class BatchHTTPError(RuntimeError):
    """A batch endpoint answered with an error status."""

    def __init__(self, status: int, message: str):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


def _http(method: str, url: str, headers: dict[str, str], body: bytes | None = None, timeout: float = 120) -> bytes:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.read()
    except urllib.error.HTTPError as exc:
        raise BatchHTTPError(exc.code, exc.read()[:300].decode("utf-8", "replace")) from exc


def _jsonl(data: bytes) -> Iterator[dict[str, Any]]:
    for line in data.decode("utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


class OpenAIBatchClient:
    """OpenAI's Batch API (and any server that implements it at ``api_base``)."""

    provider = "openai"

    def __init__(self, api_key: str, api_base: str | None = None, completion_window: str = "24h",
                 model: str = "openai/model"):
        self.base = (api_base or "https://api.openai.com/v1").rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}"}  # in memory only
        self.completion_window = completion_window
        self.model = model

    def _json(self, method: str, path: str, payload: dict | None = None) -> dict[str, Any]:
        headers = dict(self._headers, **({"Content-Type": "application/json"} if payload is not None else {}))
        body = json.dumps(payload).encode("utf-8") if payload is not None else None
        return json.loads(_http(method, f"{self.base}{path}", headers, body))

    def submit(self, requests: Sequence[tuple[str, Request]]) -> str:
        """Upload the requests as a JSONL file and create the batch; returns its id."""
        content = "".join(json.dumps(wire.openai_line(cid, req)) + "\n" for cid, req in requests).encode("utf-8")
        boundary = uuid.uuid4().hex
        form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"batch.jsonl\"\r\n"
                "Content-Type: application/jsonl\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        headers = dict(self._headers, **{"Content-Type": f"multipart/form-data; boundary={boundary}"})
        uploaded = json.loads(_http("POST", f"{self.base}/files", headers, form))
        batch = self._json("POST", "/batches", {"input_file_id": uploaded["id"], "endpoint": "/v1/chat/completions",
                                                "completion_window": self.completion_window})
        return batch["id"]

    def state(self, batch_id: str) -> BatchState:
        batch = self._json("GET", f"/batches/{batch_id}")
        status = batch.get("status", "")
        return BatchState(status in ("completed", "expired", "failed", "cancelled"), status)

    def results(self, batch_id: str) -> Iterator[BatchResult]:
        """Every line of the output file and of the errors file, by custom id."""
        batch = self._json("GET", f"/batches/{batch_id}")
        for key in ("output_file_id", "error_file_id"):
            file_id = batch.get(key)
            if not file_id:
                continue
            for line in _jsonl(_http("GET", f"{self.base}/files/{file_id}/content", self._headers)):
                yield self._result(line)

    def _result(self, line: dict[str, Any]) -> BatchResult:
        cid = line.get("custom_id", "")
        response, error = line.get("response") or {}, line.get("error")
        status = int(response.get("status_code") or 0)
        if error or status != 200:
            message = (error or {}).get("message") if isinstance(error, dict) else None
            message = message or json.dumps(response.get("body"))[:300]
            return BatchResult(cid, error=f"{status or 'error'}: {message}",
                               retryable=status in RETRYABLE_STATUS or not status)
        return BatchResult(cid, response=wire.openai_response(response["body"], self.model))


class AnthropicBatchClient:
    """Anthropic's Message Batches API."""

    provider = "anthropic"

    def __init__(self, api_key: str, api_base: str | None = None, model: str = "anthropic/model"):
        self.base = (api_base or "https://api.anthropic.com/v1").rstrip("/")
        self._headers = {"x-api-key": api_key, "anthropic-version": "2023-06-01"}  # in memory only
        self.model = model

    def _json(self, method: str, url: str, payload: dict | None = None) -> dict[str, Any]:
        headers = dict(self._headers, **({"Content-Type": "application/json"} if payload is not None else {}))
        body = json.dumps(payload).encode("utf-8") if payload is not None else None
        return json.loads(_http(method, url, headers, body))

    def submit(self, requests: Sequence[tuple[str, Request]]) -> str:
        batch = self._json("POST", f"{self.base}/messages/batches",
                           {"requests": [wire.anthropic_request(cid, req) for cid, req in requests]})
        return batch["id"]

    def state(self, batch_id: str) -> BatchState:
        batch = self._json("GET", f"{self.base}/messages/batches/{batch_id}")
        status = batch.get("processing_status", "")
        return BatchState(status == "ended", status)

    def results(self, batch_id: str) -> Iterator[BatchResult]:
        batch = self._json("GET", f"{self.base}/messages/batches/{batch_id}")
        url = batch.get("results_url")
        if not url:
            return
        for line in _jsonl(_http("GET", url, self._headers)):
            cid, result = line.get("custom_id", ""), line.get("result") or {}
            kind = result.get("type")
            if kind == "succeeded":
                yield BatchResult(cid, response=wire.anthropic_response(result.get("message") or {}, self.model))
            elif kind == "errored":
                error = (result.get("error") or {}).get("error") or {}
                retryable = error.get("type") in ("api_error", "overloaded_error", "rate_limit_error")
                yield BatchResult(cid, error=f"{error.get('type')}: {error.get('message')}", retryable=retryable)
            # "canceled" and "expired": not answered; the coordinator sends them again
