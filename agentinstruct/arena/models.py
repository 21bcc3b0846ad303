"""The arena's models: one answerer per competitor and one LM per juror, built through the one plumbing.

Model-backed competitors and jurors are ``dspy.LM``s built from their ``ModelSpec`` (``core.lm.roles.build_lm``:
limits and retries per endpoint; the embedded model loaded once and shared), each distinct LM wrapped once
in the LM middleware (``core.lm.metered``: request cache, metering, budget). A Hugging Face checkpoint runs
in-process (``eval.students.HFStudent``, one batch at a time); its answers are kept by the arena's ledger,
not the request cache, and it spends no call budget. ``lms`` replaces the model of any competitor or juror
by name (tests pass DummyLMs).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import dspy

from agentinstruct.arena.config import BattleConfig, CompetitorSpec, JudgeSpec
from agentinstruct.arena.instructions import Instruction
from core.config import LocalModelConfig, ModelsConfig, ModelSpec
from core.lm.accounting import Accountant
from core.lm.limiter import ModelLimiter
from core.lm.metered import metered
from core.lm.request_store import RequestStore
from core.lm.roles import build_limiter, build_lm, endpoint_key
from eval.arena.judging import Judgement, judge_adapter
from eval.students import DspyLMStudent, GenerationSettings, HFStudent


class MissingReference(ValueError):
    """A ``reference`` competitor met an instruction that carries no answer."""


class Answerer(Protocol):
    """A competitor: one reply per instruction, in order; ``batch`` instructions per call."""

    name: str
    batch: int

    def answer(self, items: list[Instruction], settings: GenerationSettings) -> list[str]:
        """The replies."""
        ...


class LMAnswerer:
    """A competitor that is a (metered) DSPy LM: one request per instruction."""

    batch = 1

    def __init__(self, name: str, lm: dspy.BaseLM):
        self.name = name
        self.student = DspyLMStudent(lm, name)

    def answer(self, items: list[Instruction], settings: GenerationSettings) -> list[str]:
        return self.student.generate([i.prompt() for i in items], settings)


class HFAnswerer:
    """A checkpoint directory, generating ``settings.batch_size`` prompts per batch (one batch at a time)."""

    def __init__(self, spec: CompetitorSpec, batch: int):
        self.name = spec.name
        self.batch = batch
        self.student = HFStudent(spec.path, name=spec.name, device=spec.device, dtype=spec.dtype)
        self._lock = threading.Lock()

    def answer(self, items: list[Instruction], settings: GenerationSettings) -> list[str]:
        with self._lock:
            return self.student.generate([i.prompt() for i in items], settings)


class ReferenceAnswerer:
    """The answer the instruction set carries (a generated run's teacher answer)."""

    batch = 64

    def __init__(self, name: str):
        self.name = name

    def answer(self, items: list[Instruction], settings: GenerationSettings) -> list[str]:
        missing = [i.id for i in items if not i.reference]
        if missing:
            raise MissingReference(f"{self.name}: instructions without an answer: {missing[:5]}")
        return [i.reference for i in items]


@dataclass
class ArenaModels:
    """Answerers by competitor, judge LMs by juror, and the adapter each judge needs."""

    answerers: dict[str, Answerer]
    judges: dict[str, dspy.BaseLM]
    adapters: dict[str, dspy.Adapter]
    remote_judges: dict[str, Callable[[str, str, str], Judgement]] = field(default_factory=dict)
    """Jurors asked in a Ray worker (``agentinstruct.arena.ray_work``), by name; they replace ``judges``."""


_EMBEDDED: dict[str, dict] = {}
"""The embedded model, loaded once per process and settings (a loop's arenas and test set share it)."""


class _Builder:
    """Builds each distinct spec once (the embedded engine shared) and wraps each distinct LM once."""

    def __init__(self, local: LocalModelConfig, accountant: Accountant, store: RequestStore | None):
        self.models = ModelsConfig(local=local)
        self.accountant, self.store = accountant, store
        self.engines = _EMBEDDED.setdefault(local.model_dump_json(), {})
        self.limiters: dict[str, ModelLimiter] = {}
        self.by_spec: dict[str, dspy.BaseLM] = {}
        self.wrapped: dict[int, dspy.BaseLM] = {}

    def raw(self, spec: ModelSpec) -> dspy.BaseLM:
        key = spec.model_dump_json()
        if key not in self.by_spec:
            endpoint = endpoint_key(spec)
            if endpoint not in self.limiters and not spec.is_embedded:
                self.limiters[endpoint] = build_limiter(spec)
            self.by_spec[key] = build_lm(spec, self.models, self.engines, self.limiters.get(endpoint))
        return self.by_spec[key]

    def wrap(self, lm: dspy.BaseLM, attempts: int = 3) -> dspy.BaseLM:
        return self.wrapped.setdefault(id(lm), metered(lm, self.accountant, self.store, malformed_attempts=attempts))


def build_models(config: BattleConfig, accountant: Accountant, store: RequestStore | None,
                 lms: Mapping[str, dspy.BaseLM] | None = None) -> ArenaModels:
    """The answerers and judge LMs of ``config``; ``lms`` overrides models by competitor or juror name."""
    lms = dict(lms or {})
    known = {c.name for c in config.competitors} | {j.name for j in config.judges}
    unknown = set(lms) - known
    if unknown:
        raise ValueError(f"lms names no competitor or juror: {sorted(unknown)} (known: {sorted(known)})")
    b = _Builder(config.local, accountant, store)
    answerers: dict[str, Answerer] = {}
    for c in config.competitors:
        if c.kind == "reference":
            answerers[c.name] = ReferenceAnswerer(c.name)
        elif c.kind == "hf" and c.name not in lms:
            answerers[c.name] = HFAnswerer(c, config.answers.batch_size)
        else:
            lm = lms.get(c.name) or b.raw(c.model)
            answerers[c.name] = LMAnswerer(c.name, b.wrap(lm, c.model.malformed_attempts))
    judges, adapters = {}, {}
    for j in config.judges:
        lm = b.wrap(lms.get(j.name) or b.raw(j.model), j.model.malformed_attempts)
        judges[j.name] = lm
        adapters[j.name] = judge_adapter(lm)
    return ArenaModels(answerers, judges, adapters)


def build_judge(spec: JudgeSpec, local: LocalModelConfig, accountant: Accountant, store: RequestStore | None,
                override: dspy.BaseLM | None = None) -> tuple[dspy.BaseLM, dspy.Adapter]:
    """One juror's metered LM and the adapter it needs (``override`` replaces its model)."""
    b = _Builder(local, accountant, store)
    lm = b.wrap(override or b.raw(spec.model), spec.model.malformed_attempts)
    return lm, judge_adapter(lm)
