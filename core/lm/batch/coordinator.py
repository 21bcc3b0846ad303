"""The batch coordinator of one endpoint: calls wait while their requests travel in provider batches.

``call(custom_id, request)`` is what a ``BatchLM`` does instead of an HTTP request: it returns the answer the
journal already holds for ``custom_id`` (read before a kill), waits for the open batch that holds it (a
resumed run polls the batches it had sent, it never sends them again), or queues the request. A background
thread sends the queue as one batch once no request came for ``window_s`` (or ``max_requests`` wait),
commits the batch id to the journal before polling it, polls every ``poll_s`` and, once a batch ends, reads
its results by custom id (the order of the output file means nothing): each answer is committed, then its
caller wakes. A failed line that may succeed (5xx, 429, overloaded) and every request an expired or partial
batch left unanswered go into the next batch, up to ``max_attempts`` batches in all; then, like a
non-retryable error, the caller gets ``BatchRequestFailed``. A stop (``interrupt``) ends every wait with
``RetryInterrupted``: the unit stays pending, and its answers are still read when the run resumes.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from dspy.lm15 import Request, Response

from core.lm.batch.clients import BatchClient
from core.lm.batch.config import BatchConfig
from core.lm.batch.journal import BatchJournal
from core.lm.limited_lm import RetryInterrupted

log = logging.getLogger(__name__)


class BatchRequestFailed(RuntimeError):
    """A request failed in its batch (or in ``max_attempts`` batches); recorded as the step's failure."""

    reason_code = "provider"


@dataclass
class BatchStats:
    """What this invocation sent and read."""

    batches_sent: int = 0
    requests_sent: int = 0
    answers_read: int = 0
    resent: int = 0
    """Requests sent again (a retryable failed line, or unanswered by an expired batch)."""
    resumed_batches: int = 0
    """Batches sent by an earlier invocation and polled by this one."""
    failed: int = 0


class BatchCoordinator:
    """Queues, sends, polls and reads the batches of one endpoint."""

    def __init__(self, client: BatchClient, journal: BatchJournal, config: BatchConfig, endpoint: str,
                 interrupt: threading.Event | None = None):
        self.client = client
        self.journal = journal
        self.config = config
        self.endpoint = endpoint
        self.interrupt = interrupt or threading.Event()
        self.stats = BatchStats()
        self._lock = threading.Lock()
        self._waiting: dict[str, Future] = {}
        self._requests: dict[str, Request] = {}
        self._queue: list[str] = []
        self._last_queued = 0.0
        self._open: dict[str, list[str]] = {}
        self._next_poll: dict[str, float] = {}
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()

    # -- callers ----------------------------------------------------------------------------------------
    def call(self, custom_id: str, request: Request) -> Response:
        """The answer to ``request`` (see the module doc); blocks until its batch ends."""
        self._start()
        known = self.journal.answer(custom_id)
        if known is not None:
            return known
        with self._lock:
            self._requests.setdefault(custom_id, request)
            future = self._waiting.get(custom_id)
            if future is None:
                known = self.journal.answer(custom_id)  # read while this call waited for the lock
                if known is not None:
                    return known
                future = self._waiting[custom_id] = Future()
                self._queue.append(custom_id)
                self._last_queued = time.monotonic()
        return self._wait(future)

    def _wait(self, future: Future) -> Response:
        while True:
            if self.interrupt.is_set():
                raise RetryInterrupted("batch wait interrupted by a stop; the batch is read on resume")
            try:
                return future.result(timeout=0.2)
            except FutureTimeout:
                continue

    # -- the background thread -----------------------------------------------------------------------
    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            for batch_id, custom_ids in self.journal.open_batches(self.endpoint).items():
                self._open[batch_id] = custom_ids  # sent before a kill: polled, never sent again
                self._next_poll[batch_id] = 0.0
                self.stats.resumed_batches += 1
                for cid in custom_ids:
                    self._waiting.setdefault(cid, Future())
            self._thread = threading.Thread(target=self._run, name=f"batch-{self.client.provider}", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        tick = max(0.02, min(self.config.window_s, self.config.poll_s) / 4)
        while not self._closed.is_set():
            try:
                self._maybe_send()
                self._poll_due()
            except Exception:  # the thread must outlive one bad poll: logged, tried again next tick
                log.exception("batch %s: an error while sending or polling; trying again", self.endpoint)
            self._closed.wait(tick)

    def _maybe_send(self) -> None:
        with self._lock:
            quiet = time.monotonic() - self._last_queued >= self.config.window_s
            if not self._queue or not (quiet or len(self._queue) >= self.config.max_requests):
                return
            chosen = self._queue[: self.config.max_requests]
            del self._queue[: len(chosen)]
            lines = [(cid, self._requests[cid]) for cid in chosen]
        try:
            batch_id = self.client.submit(lines)
        except Exception as exc:  # noqa: BLE001 - every waiter gets the reason
            log.error("batch %s: could not send %d requests: %s", self.endpoint, len(lines), exc)
            for cid in chosen:
                self._fail(cid, exc)
            return
        self.journal.submitted(batch_id, self.client.provider, self.endpoint, chosen)  # before any poll
        with self._lock:
            self._open[batch_id] = chosen
            self._next_poll[batch_id] = time.monotonic() + self.config.poll_s
            self.stats.batches_sent += 1
            self.stats.requests_sent += len(chosen)
        log.info("batch %s: sent %s with %d requests", self.endpoint, batch_id, len(chosen))

    def _poll_due(self) -> None:
        now = time.monotonic()
        with self._lock:
            due = [b for b, at in self._next_poll.items() if at <= now]
        for batch_id in due:
            state = self.client.state(batch_id)
            if not state.ended:
                with self._lock:
                    self._next_poll[batch_id] = time.monotonic() + self.config.poll_s
                continue
            self._ingest(batch_id, state.status)

    def _ingest(self, batch_id: str, status: str) -> None:
        """Read an ended batch by custom id: commit its answers, wake their callers, send the rest again."""
        custom_ids = set(self._open[batch_id])
        answers: dict[str, Response] = {}
        failed: dict[str, tuple[str, bool]] = {}
        for result in self.client.results(batch_id):
            if result.custom_id not in custom_ids:
                log.warning("batch %s: a result for unknown custom id %r ignored", batch_id, result.custom_id)
                continue
            if result.response is not None:
                answers[result.custom_id] = result.response
            else:
                failed[result.custom_id] = (result.error or "failed", result.retryable)
        self.journal.ingested(batch_id, status, answers)  # committed before any caller wakes
        with self._lock:
            del self._open[batch_id]
            self._next_poll.pop(batch_id, None)
            self.stats.answers_read += len(answers)
            woken = [(self._waiting.pop(cid, None), answers[cid]) for cid in answers]
            for cid in answers:
                self._requests.pop(cid, None)
        for future, response in woken:
            if future is not None and not future.done():
                future.set_result(response)
        for cid in custom_ids - set(answers):
            error, retryable = failed.get(cid, (f"not answered: the batch ended {status}", True))
            self._again_or_fail(cid, error, retryable)
        log.info("batch %s: %s, %d answers, %d failed, %d unanswered", batch_id, status, len(answers), len(failed),
                 len(custom_ids) - len(answers) - len(failed))

    def _again_or_fail(self, cid: str, error: str, retryable: bool) -> None:
        with self._lock:
            known = cid in self._requests
            if retryable and known and self.journal.attempts(cid) < self.config.max_attempts:
                self._queue.append(cid)
                self._last_queued = time.monotonic()
                self.stats.resent += 1
                return
            if not known:
                # Sent by an earlier invocation and not answered: its caller asks again when its unit reruns.
                self._waiting.pop(cid, None)
                return
        self._fail(cid, BatchRequestFailed(f"batch request {cid}: {error}"))

    def _fail(self, cid: str, exc: BaseException) -> None:
        with self._lock:
            future = self._waiting.pop(cid, None)
            self._requests.pop(cid, None)
            self.stats.failed += 1
        if future is not None and not future.done():
            future.set_exception(exc)

    def close(self) -> None:
        """Stop the background thread (open batches stay in the journal for a resume)."""
        self._closed.set()
        if self._thread is not None:
            self._thread.join(5)
