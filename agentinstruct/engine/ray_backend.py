"""Units on Ray: threaded actors hold the suite and the models; the driver keeps the run dir and ledger.

Each ``UnitWorker`` actor rebuilds the programs from the skill specs and the program state the driver sends
(so every worker runs exactly the driver's programs, compiled or not, with no files to share) and the
models from the run's config. A unit runs there with ``run_unit``, the function the local backend runs, and
its ``UnitOutcome`` and usage come back to the driver, which commits them as it commits local units: the
same planning, the same seeds, the same records. Budgets are checked on the driver before each unit is
sent (units already sent may finish past a limit). Per-model ``rpm``, ``tpm`` and ``max_concurrency`` are
split evenly among the workers.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field

import dspy

from agentinstruct.engine.unit import run_unit
from core.config import ModelSpec, RunConfig
from core.flow.outcome import FatalRunError, UnitOutcome
from core.lm.accounting import Accountant, BudgetExhausted, UsageRecord, usage_journal
from core.seeds import SeedDoc

log = logging.getLogger(__name__)

RAY_HINT = "the Ray backend needs Ray: pip install 'agentinstruct[ray]'"


def import_ray():
    """The ``ray`` module, or an ImportError that says how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise ImportError(RAY_HINT) from exc
    return ray


def join_ray(address: str | None, what: str) -> bool:
    """Join the Ray cluster at ``address`` (``None``: start a local instance) unless this process already
    has one; returns whether this call started it (and so must shut it down: :func:`release_ray`)."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    ray.init(address=address, include_dashboard=False, log_to_driver=False)
    log.info("%s on Ray: %s", what, address or "a local instance")
    return True


def release_ray(actors: list, owned: bool) -> None:
    """Kill ``actors`` (emptying the list) and shut Ray down when :func:`join_ray` started it."""
    ray = import_ray()
    for handle in actors:
        ray.kill(handle)
    actors.clear()
    if owned:
        ray.shutdown()


@dataclass
class WorkerResult:
    """What a worker sends back for one unit."""

    outcome: UnitOutcome | None
    usage: list[UsageRecord] = field(default_factory=list)
    fatal_reason: str | None = None
    fatal_message: str | None = None


class UnitWorker:
    """The body of a Ray actor: programs and models built once, units run on its threads."""

    def __init__(self, config_json: str, skills: dict[str, dict], states: dict[str, dict],
                 secrets: dict[str, str]):
        from agentinstruct.engine.jury_setup import judged_suite
        from core.lm.cache import open_request_cache
        from core.lm.roles import build_role_lms
        from core.taxonomy import SkillSpec
        from programs import RoleLMs
        from programs.suite import build_program

        for name, value in secrets.items():  # API keys, in this process's memory only
            os.environ.setdefault(name, value)
        cfg = RunConfig.model_validate_json(config_json)
        # The driver holds the budget; a worker only meters (its journal goes back with each unit).
        self.accountant = Accountant(cfg.budget.model_copy(update={"max_calls": None, "max_cost_usd": None}))
        self.store = open_request_cache(cfg.cache)
        lms = build_role_lms(cfg.models, accountant=self.accountant, store=self.store)
        role_lms = RoleLMs(lms)
        self.generation = cfg.generation
        programs = {}
        for name, spec in skills.items():
            program = build_program(SkillSpec.model_validate(spec), role_lms)
            program.load_state(states[name])
            programs[name] = program
        # The judging stage runs with the unit, on the worker, exactly as the local backend runs it.
        self.programs = judged_suite(programs, cfg, lms, accountant=self.accountant, store=self.store)

    def ready(self) -> bool:
        """True once the worker is built (construction errors surface here)."""
        return True

    def run(self, unit_id: str, seed_json: str, skill: str) -> WorkerResult:
        """Run one unit; a run-stopping error comes back as data, with the usage spent so far."""
        seed = SeedDoc.model_validate_json(seed_json)
        journal: list[UsageRecord] = []
        token = usage_journal.set(journal)
        try:
            with dspy.context(adapter=dspy.JSONAdapter()):
                outcome = run_unit(self.programs[skill], seed, skill, self.generation)
        except FatalRunError as exc:
            return WorkerResult(None, journal, exc.reason, str(exc))
        finally:
            usage_journal.reset(token)
        return WorkerResult(outcome, journal)


def split_limits(cfg: RunConfig, workers: int) -> RunConfig:
    """The config each of ``workers`` workers gets: per-model rate and in-flight limits divided among them."""
    def share(spec: ModelSpec | None) -> ModelSpec | None:
        if spec is None:
            return None
        return spec.model_copy(update={
            "rpm": spec.rpm / workers if spec.rpm else None,
            "tpm": spec.tpm / workers if spec.tpm else None,
            "max_concurrency": max(1, spec.max_concurrency // workers) if spec.max_concurrency else None,
        })

    models = cfg.models.model_copy(update={
        name: share(getattr(cfg.models, name))
        for name in ("default", "transformer", "generator", "suggester", "editor", "responder", "judge")
    })
    return cfg.model_copy(update={"models": models})


class RayBackend:
    """Units as calls on ``generation.ray_workers`` threaded Ray actors."""

    def __init__(self, cfg: RunConfig, programs: Mapping[str, dspy.Module], accountant: Accountant):
        self.cfg = cfg
        self.workers = cfg.generation.ray_workers
        self.concurrency = max(1, cfg.generation.concurrency)
        self.accountant = accountant
        self._programs = dict(programs)
        self._actors: list = []
        self._next = 0
        self._owns_ray = False

    def _secrets(self) -> dict[str, str]:
        names = {getattr(self.cfg.models, role).api_key_env for role in
                 ("default", "transformer", "generator", "suggester", "editor", "responder", "judge")
                 if getattr(self.cfg.models, role) is not None}
        return {name: os.environ[name] for name in names if name and name in os.environ}

    def __enter__(self) -> RayBackend:  # noqa: PYI034 - returns self
        ray = import_ray()
        self._owns_ray = join_ray(self.cfg.generation.ray_address, "generation")
        per_worker = math.ceil(self.concurrency / self.workers)
        actor = ray.remote(UnitWorker).options(max_concurrency=per_worker, num_cpus=1)
        config_json = split_limits(self.cfg, self.workers).model_dump_json()
        skills = {name: p.spec.model_dump(mode="json") for name, p in self._programs.items()}
        states = {name: p.dump_state() for name, p in self._programs.items()}
        self._actors = [actor.remote(config_json, skills, states, self._secrets()) for _ in range(self.workers)]
        ray.get([a.ready.remote() for a in self._actors])
        return self

    def __exit__(self, *exc) -> None:
        release_ray(self._actors, self._owns_ray)
        self._owns_ray = False

    def submit(self, unit_id: str, seed: SeedDoc, skill: str) -> Future:
        """Send the unit to the next worker; the future settles when its result is back."""
        out: Future = Future()
        try:
            self.accountant.check()
        except BudgetExhausted as exc:
            out.set_exception(FatalRunError("budget", str(exc)))
            return out
        handle = self._actors[self._next % len(self._actors)]
        self._next += 1
        ref = handle.run.remote(unit_id, seed.model_dump_json(), skill)
        ref.future().add_done_callback(lambda done: self._settle(done, out))
        return out

    def _settle(self, done: Future, out: Future) -> None:
        try:
            result: WorkerResult = done.result()
        except Exception as exc:  # noqa: BLE001 - handed to the driver, which records it as a failure
            out.set_exception(exc)
            return
        for usage in result.usage:
            self.accountant.record(usage)
        if result.fatal_reason is not None:
            out.set_exception(FatalRunError(result.fatal_reason, result.fatal_message or result.fatal_reason))
        else:
            out.set_result(result.outcome)
