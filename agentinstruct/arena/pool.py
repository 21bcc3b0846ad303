"""Work units on a bounded thread pool that stops cleanly.

A task records its own outcome (the ledger commits a done unit; an ``Exception`` is recorded by the task as
a failed unit and the others go on). A ``BaseException`` from a task (``BudgetExhausted``, an interrupt, a
kill) stops the pool: tasks not yet started are cancelled, tasks in flight finish, and then a spent budget
is returned as the reason the run stopped early (it stays resumable) while anything else is raised again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from core.lm.accounting import BudgetExhausted

log = logging.getLogger(__name__)


def run_tasks(tasks: Iterable[Callable[[threading.Event], None]], concurrency: int) -> str | None:
    """Run ``tasks`` (each called with the stop event, which it should check before starting work);
    returns why the run stopped early (a spent budget), else ``None``."""
    stop = threading.Event()
    tasks = list(tasks)
    if not tasks:
        return None
    pool = ThreadPoolExecutor(max_workers=min(concurrency, len(tasks)), thread_name_prefix="arena")
    futures = [pool.submit(task, stop) for task in tasks]
    try:
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for f in done:
            exc = f.exception()
            if exc is not None:
                raise exc
    except BudgetExhausted as exc:
        _stop(pool, futures, stop)
        log.warning("arena stopped early: %s", exc)
        return str(exc)
    except BaseException:
        _stop(pool, futures, stop)
        raise
    pool.shutdown(wait=True)
    return None


def _stop(pool: ThreadPoolExecutor, futures: list, stop: threading.Event) -> None:
    stop.set()
    for f in futures:
        f.cancel()
    pool.shutdown(wait=True, cancel_futures=True)
