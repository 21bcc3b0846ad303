"""An arena's LM work on Ray: threaded actors build the models from the battle's config; the driver keeps the
arena directory, the ledger, the budget and the accounting.

Each ``ArenaWorker`` actor builds every model-backed competitor and every juror from the ``BattleConfig``
JSON the driver sends (once, when it starts; API keys forwarded in memory, per-model ``rpm``, ``tpm`` and
``max_concurrency`` divided among the workers, its own request cache opened from ``cache``). The driver's
tasks (``agentinstruct.arena.units``) are unchanged: their answerer and juror are proxies that check the
budget here, send one competitor's batch or one judgement to the next worker and wait for it, and merge the
usage records that come back into this process's accountant, so every commit, every judgement's calls and
cost, and every stop on a spent budget happen here exactly as on the local backend (units already sent may
finish past a limit). ``reference`` competitors (no model) and ``hf`` checkpoints (loaded once, here) answer
in this process. The request cache's hits are counted by the workers and added when the pool closes.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import logging
import math
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from agentinstruct.arena.config import BattleConfig
from agentinstruct.arena.instructions import Instruction
from agentinstruct.arena.models import Answerer, ArenaModels, HFAnswerer, LMAnswerer, ReferenceAnswerer, build_models
from agentinstruct.arena.units import UnitError, attributed, juror, unit_reason
from agentinstruct.engine.ray_backend import import_ray, join_ray, release_ray
from core.config import ModelSpec
from core.lm.accounting import Accountant, UsageRecord
from core.lm.cache import open_request_cache
from eval.arena.judging import Judgement
from eval.students import GenerationSettings

log = logging.getLogger(__name__)


@dataclass
class WorkReply:
    """What a worker sends back for one unit: its value (answers, or a ``Judgement``) or the error it met
    (recorded as the unit's failure), and the usage records of its calls."""

    value: list[str] | Judgement | None = None
    error: str | None = None
    usage: list[UsageRecord] = field(default_factory=list)
    failed: list[UsageRecord] = field(default_factory=list)
    """Calls that reached a model and failed (they count against the call budget too)."""


_failures: contextvars.ContextVar[list | None] = contextvars.ContextVar("arena_worker_failures", default=None)


class _WorkerAccountant(Accountant):
    """Meters a worker's calls and keeps its failed calls for the driver as well."""

    def record_failure(self, usage: UsageRecord) -> None:
        super().record_failure(usage)
        sink = _failures.get()
        if sink is not None:
            sink.append(usage)


@contextlib.contextmanager
def _metered(role: str) -> Iterator[tuple[list, list]]:
    failed: list = []
    token = _failures.set(failed)
    try:
        with attributed(role) as journal:
            yield journal, failed
    finally:
        _failures.reset(token)


def _model_backed(config: BattleConfig) -> BattleConfig:
    """``config`` with only the competitors a worker builds (``kind: lm``)."""
    return config.model_copy(update={"competitors": [c for c in config.competitors if c.kind == "lm"]})


class ArenaWorker:
    """The body of a Ray actor: the arena's model-backed competitors and jurors, built once."""

    def __init__(self, config_json: str, secrets: dict[str, str]):
        for name, value in secrets.items():  # API keys, in this process's memory only
            os.environ.setdefault(name, value)
        self.config = BattleConfig.model_validate_json(config_json)
        # The driver holds the budget; a worker only meters (its records go back with each unit).
        unlimited = self.config.budget.model_copy(update={"max_calls": None, "max_cost_usd": None})
        self.accountant = _WorkerAccountant(unlimited)
        self.store = open_request_cache(self.config.cache)
        self.models = build_models(_model_backed(self.config), self.accountant, self.store)

    def ready(self) -> bool:
        """True once the worker is built (construction errors surface here)."""
        return True

    def answer(self, name: str, items: list[Instruction], settings: GenerationSettings) -> WorkReply:
        """Competitor ``name``'s answers to ``items``; an LM error comes back as the unit's failure."""
        with _metered(f"competitor:{name}") as (journal, failed):
            try:
                texts = self.models.answerers[name].answer(items, settings)
            except Exception as exc:  # noqa: BLE001 - sent to the driver, which records the unit as failed
                return WorkReply(error=unit_reason(exc), usage=list(journal), failed=list(failed))
        return WorkReply(value=texts, usage=list(journal), failed=list(failed))

    def judge(self, judge: str, request: str, answer_a: str, answer_b: str) -> WorkReply:
        """Juror ``judge``'s verdict on (A, B); an LM error comes back as the unit's failure."""
        ask = juror(self.config, self.models, judge)
        with _metered(f"judge:{judge}") as (journal, failed):
            try:
                verdict = ask(request, answer_a, answer_b)
            except Exception as exc:  # noqa: BLE001 - sent to the driver, which records the unit as failed
                return WorkReply(error=unit_reason(exc), usage=list(journal), failed=list(failed))
        return WorkReply(value=verdict, usage=list(journal), failed=list(failed))

    def cache_hits(self) -> int:
        """Requests this worker's request cache answered."""
        return self.accountant.cache_hits


def _share(spec: ModelSpec, workers: int) -> ModelSpec:
    return spec.model_copy(update={
        "rpm": spec.rpm / workers if spec.rpm else None,
        "tpm": spec.tpm / workers if spec.tpm else None,
        "max_concurrency": max(1, spec.max_concurrency // workers) if spec.max_concurrency else None,
    })


def split_arena_limits(config: BattleConfig, workers: int) -> BattleConfig:
    """The config each of ``workers`` workers gets: every model's rate and in-flight limits divided among them."""
    competitors = [c.model_copy(update={"model": _share(c.model, workers)}) for c in config.competitors]
    judges = [j.model_copy(update={"model": _share(j.model, workers)}) for j in config.judges]
    return config.model_copy(update={"competitors": competitors, "judges": judges})


class RemoteAnswerer:
    """A model-backed competitor whose answers a Ray worker makes."""

    batch = LMAnswerer.batch

    def __init__(self, name: str, pool: RayArena):
        self.name, self.pool = name, pool

    def answer(self, items: list[Instruction], settings: GenerationSettings) -> list[str]:
        """The replies, made by the next worker (``UnitError`` when its LM failed)."""
        return self.pool.call("answer", self.name, items, settings)


class RemoteJudge:
    """A juror asked in a Ray worker."""

    def __init__(self, name: str, pool: RayArena):
        self.name, self.pool = name, pool

    def __call__(self, request: str, answer_a: str, answer_b: str) -> Judgement:
        return self.pool.call("judge", self.name, request, answer_a, answer_b)


class RayArena:
    """``config.ray_workers`` threaded Ray actors, and the ``ArenaModels`` whose LM work they do."""

    def __init__(self, config: BattleConfig, accountant: Accountant):
        self.config = config
        self.accountant = accountant
        self._actors: list = []
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._owns_ray = False

    def _secrets(self) -> dict[str, str]:
        names = {c.model.api_key_env for c in self.config.competitors if c.kind == "lm"}
        names |= {j.model.api_key_env for j in self.config.judges}
        return {name: os.environ[name] for name in names if name and name in os.environ}

    def __enter__(self) -> RayArena:  # noqa: PYI034 - returns self
        ray = import_ray()
        self._owns_ray = join_ray(self.config.ray_address, "arena")
        workers = self.config.ray_workers
        per_worker = math.ceil(self.config.concurrency / workers)
        actor = ray.remote(ArenaWorker).options(max_concurrency=per_worker, num_cpus=1)
        config_json = split_arena_limits(self.config, workers).model_dump_json()
        secrets = self._secrets()
        try:
            self._actors = [actor.remote(config_json, secrets) for _ in range(workers)]
            ray.get([a.ready.remote() for a in self._actors])
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        ray = import_ray()
        if self._actors and exc[0] is None:
            for hits in ray.get([a.cache_hits.remote() for a in self._actors]):
                for _ in range(hits):
                    self.accountant.hit()
        release_ray(self._actors, self._owns_ray)
        self._owns_ray = False

    def models(self, here: dict[str, Answerer] | None = None) -> ArenaModels:
        """The arena's models: proxies for the workers' competitors and jurors, and ``here`` (the answerers
        that run in this process: references and checkpoints; default: built from the config)."""
        answerers = dict(here if here is not None else driver_answerers(self.config))
        for c in self.config.competitors:
            if c.kind == "lm":
                answerers[c.name] = RemoteAnswerer(c.name, self)
        remote = {j.name: RemoteJudge(j.name, self) for j in self.config.judges}
        return ArenaModels(answerers, {}, {}, remote_judges=remote)

    def call(self, method: str, *args):
        """Check the budget, run ``method`` on the next worker and wait; merge its usage; its value, or
        ``UnitError`` with the reason it failed (a spent budget raises ``BudgetExhausted``)."""
        self.accountant.check()
        ray = import_ray()
        with self._lock:
            handle = self._actors[next(self._turn) % len(self._actors)]
        reply: WorkReply = ray.get(getattr(handle, method).remote(*args))
        for usage in reply.usage:
            self.accountant.record(usage)
        for usage in reply.failed:
            self.accountant.record_failure(usage)
        if reply.error is not None:
            raise UnitError(reply.error)
        return reply.value


def driver_answerers(config: BattleConfig) -> dict[str, Answerer]:
    """The competitors that answer in the driver on the Ray backend: references and checkpoints."""
    out: dict[str, Answerer] = {}
    for c in config.competitors:
        if c.kind == "reference":
            out[c.name] = ReferenceAnswerer(c.name)
        elif c.kind == "hf":
            out[c.name] = HFAnswerer(c, config.answers.batch_size)
    return out
