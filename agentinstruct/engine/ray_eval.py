"""An evaluation job's (student, benchmark) pairs on Ray: actors build the students and the judge from the run's
config; the driver writes the job directory and keeps the usage and the budget.

Each ``EvalWorker`` actor gets the ``RunConfig`` and ``EvalJobConfig`` JSON and the students' ``StudentInfo``
(API keys forwarded in memory; per-model ``rpm``, ``tpm`` and ``max_concurrency`` divided among the workers),
opens its own request cache, builds the judge once and each student the first time it is sent one of its
pairs, reads the benchmark files itself (they must be readable where it runs), and runs one pair at a time
with ``eval.job.run_pair``, the function the local job runs. The typed result and every metering event of the
pair (completed and failed calls, cache hits, malformed answers) come back to the driver, which merges them
into the job's accountant, checks the budget before sending each pair (pairs already sent may finish past a
limit) and writes the same files as a local job (``eval.job.run_job`` with this ``PairRunner``).
"""

from __future__ import annotations

import itertools
import logging
import os
from dataclasses import dataclass, field

import dspy

from agentinstruct.engine.ray_backend import import_ray, join_ray, release_ray, split_limits
from core.config import ModelSpec, RunConfig
from core.lm.accounting import Accountant, UsageRecord
from core.lm.cache import open_request_cache
from core.lm.compact_adapter import adapter_for
from eval.harness import BenchmarkResult
from eval.job import ORCA, EvalJobConfig, job_items, job_scoring, run_pair
from eval.orca_bench import OrcaBenchResult
from eval.students.base import Student
from eval.students.build import StudentFactory, StudentInfo

log = logging.getLogger(__name__)


class _PairAccountant(Accountant):
    """Meters a worker's calls and keeps every event of the pair running now (a worker runs one at a time)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events: list[tuple[str, UsageRecord | None]] = []

    def record(self, usage: UsageRecord) -> None:
        super().record(usage)
        self.events.append(("call", usage))

    def record_failure(self, usage: UsageRecord) -> None:
        super().record_failure(usage)
        self.events.append(("failed", usage))

    def hit(self) -> None:
        super().hit()
        self.events.append(("hit", None))

    def malformed_answer(self) -> None:
        super().malformed_answer()
        self.events.append(("malformed", None))


@dataclass
class PairReply:
    """What a worker sends back for one pair: the result, or the error that stopped it, and its metering."""

    result: BenchmarkResult | OrcaBenchResult | None = None
    error: BaseException | None = None
    events: list[tuple[str, UsageRecord | None]] = field(default_factory=list)


def merge_events(accountant: Accountant, events: list[tuple[str, UsageRecord | None]]) -> None:
    """Replay a worker's metering events on ``accountant``."""
    for kind, usage in events:
        if kind == "call":
            accountant.record(usage)
        elif kind == "failed":
            accountant.record_failure(usage)
        elif kind == "hit":
            accountant.hit()
        elif kind == "malformed":
            accountant.malformed_answer()
        else:
            raise ValueError(f"unknown metering event {kind!r} from an eval worker")


class EvalWorker:
    """The body of a Ray actor: the judge, the job's items, and the students it has been sent, built once."""

    def __init__(self, config_json: str, job_json: str, students: list[dict], secrets: dict[str, str],
                 device: str = "auto"):
        for name, value in secrets.items():  # API keys, in this process's memory only
            os.environ.setdefault(name, value)
        cfg = RunConfig.model_validate_json(config_json)
        self.job = EvalJobConfig.model_validate_json(job_json)
        # The driver holds the budget; a worker only meters (its events go back with each pair).
        self.accountant = _PairAccountant(cfg.budget.model_copy(update={"max_calls": None, "max_cost_usd": None}))
        self.factory = StudentFactory(cfg.models, self.accountant, open_request_cache(cfg.cache), device=device)
        self.infos = [StudentInfo.model_validate(s) for s in students]
        self.students: dict[int, Student] = {}
        self.judge_lm = self.factory.judge() if self.job.needs_judge() else None
        adapter = adapter_for(self.judge_lm) or dspy.JSONAdapter()
        self.context, self.pair_judge = job_scoring(self.job, self.judge_lm, adapter)
        self.items, self.orca_items = job_items(self.job)

    def judge_model(self) -> str | None:
        """The judge's model name (what the job records), once the worker is built."""
        return getattr(self.judge_lm, "model", None)

    def run(self, student: int, benchmark: str) -> PairReply:
        """Student number ``student`` on ``benchmark``; an error comes back as data, with the usage so far."""
        self.accountant.events = []
        try:
            if student not in self.students:
                self.students[student] = self.factory.student(self.infos[student])
            rows = self.orca_items if benchmark == ORCA else self.items[benchmark]
            result = run_pair(self.job, benchmark, rows, self.students[student], self.context, self.pair_judge)
        except Exception as exc:  # noqa: BLE001 - raised again on the driver, after its usage is merged
            return PairReply(error=exc, events=self.accountant.events)
        return PairReply(result=result, events=self.accountant.events)


def _share(spec: ModelSpec | None, workers: int) -> ModelSpec | None:
    if spec is None:
        return None
    return spec.model_copy(update={
        "rpm": spec.rpm / workers if spec.rpm else None,
        "tpm": spec.tpm / workers if spec.tpm else None,
        "max_concurrency": max(1, spec.max_concurrency // workers) if spec.max_concurrency else None,
    })


class RayPairs:
    """A ``PairRunner`` on ``job.ray_workers`` Ray actors (``with RayPairs(...) as runner: run_job(...)``)."""

    def __init__(self, cfg: RunConfig, job: EvalJobConfig, students: list[StudentInfo], accountant: Accountant,
                 device: str = "auto"):
        self.cfg, self.job, self.students, self.accountant, self.device = cfg, job, students, accountant, device
        self.capacity = job.ray_workers
        self.judge_name: str | None = None
        self._actors: list = []
        self._turn = itertools.count()
        self._owns_ray = False

    def _secrets(self) -> dict[str, str]:
        specs = [getattr(self.cfg.models, role) for role in
                 ("default", "transformer", "generator", "suggester", "editor", "responder", "judge")]
        specs += [s.model for s in self.students]
        names = {s.api_key_env for s in specs if s is not None}
        return {name: os.environ[name] for name in names if name and name in os.environ}

    def __enter__(self) -> RayPairs:  # noqa: PYI034 - returns self
        ray = import_ray()
        self._owns_ray = join_ray(self.job.ray_address, "evaluation")
        workers = self.job.ray_workers
        config_json = split_limits(self.cfg, workers).model_dump_json()
        students = [s.model_copy(update={"model": _share(s.model, workers)}).model_dump(mode="json")
                    for s in self.students]
        actor = ray.remote(EvalWorker).options(num_cpus=1)
        try:
            self._actors = [actor.remote(config_json, self.job.model_dump_json(), students, self._secrets(),
                                         self.device) for _ in range(workers)]
            self.judge_name = ray.get([a.judge_model.remote() for a in self._actors])[0]
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        release_ray(self._actors, self._owns_ray)
        self._owns_ray = False

    def submit(self, student: int, benchmark: str):
        """Check the budget and send the pair to the next worker; the reply's object ref."""
        self.accountant.check()
        handle = self._actors[next(self._turn) % len(self._actors)]
        return handle.run.remote(student, benchmark)

    def result(self, handle) -> BenchmarkResult | OrcaBenchResult:
        """Wait for a pair; merge its usage into the accountant; its result, or its error raised here."""
        reply: PairReply = import_ray().get(handle)
        merge_events(self.accountant, reply.events)
        if reply.error is not None:
            raise reply.error
        return reply.result
