"""Students of every kind from one string: a checkpoint directory, the embedded model, or a configured model.

``NAME=SOURCE`` names a student (``base=~/models/smol``); without ``NAME=`` the name is derived. SOURCE is

- ``embedded``: the embedded SmolLM2 GGUF (llama.cpp, in-process);
- ``role:<role>``: the model the run config gives that role (e.g. ``role:responder``, the teacher);
- a key of ``evaluation.students`` in the config: that ``ModelSpec``;
- a directory (or ``hf:PATH``): a Hugging Face checkpoint, e.g. what ``agentinstruct train sft`` writes;
- anything else: a LiteLLM model string (``openai/gpt-4o-mini``, ``hosted_vllm/...``), settings defaulted.

Model students are built by ``core.lm.roles.build_lm`` and wrapped in the one LM middleware
(``core.lm.metered``): their calls are cached in the job's request store, counted and capped by its
accountant, exactly like generation's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import dspy
from pydantic import BaseModel, ConfigDict

from core.config import EMBEDDED_MODEL, ROLES, ConfigError, EvaluationConfig, ModelsConfig, ModelSpec
from core.lm.accounting import Accountant
from core.lm.metered import metered
from core.lm.request_store import RequestStore
from core.lm.roles import build_lm
from eval.students.base import Student
from eval.students.dspy_lm import DspyLMStudent
from eval.students.hf import HFStudent

_NAME = re.compile(r"^([A-Za-z0-9_.-]+)=(.+)$")


class StudentInfo(BaseModel):
    """What a student is, recorded with its results."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Literal["hf", "model"]
    source: str
    """The checkpoint directory, or the model string."""
    model: ModelSpec | None = None
    """The spec a model student was built from (never a key: only the name of its variable)."""


def safe_name(name: str) -> str:
    """A student or benchmark name usable as a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "student"


def parse_student(text: str, models: ModelsConfig | None = None,
                  evaluation: EvaluationConfig | None = None) -> StudentInfo:
    """The student a command-line string names (see the module docstring)."""
    models = models or ModelsConfig()
    evaluation = evaluation or EvaluationConfig()
    text = text.strip()
    named = _NAME.match(text)
    name, source = (named.group(1), named.group(2).strip()) if named else (None, text)
    if source == "embedded":
        spec = models.default if models.default.is_embedded else ModelSpec(model=EMBEDDED_MODEL)
        return StudentInfo(name=name or "embedded", kind="model", source=EMBEDDED_MODEL, model=spec)
    if source.startswith("role:"):
        role = source.removeprefix("role:")
        if role not in ROLES:
            raise ConfigError(f"student {text!r}: unknown role {role!r}; roles are {', '.join(ROLES)}")
        spec = models.for_role(role)
        return StudentInfo(name=name or role, kind="model", source=spec.model, model=spec)
    if source in evaluation.students:
        spec = evaluation.students[source]
        return StudentInfo(name=name or source, kind="model", source=spec.model, model=spec)
    path = Path(source.removeprefix("hf:")).expanduser()
    if source.startswith("hf:") or path.is_dir():
        if not (path / "config.json").is_file():
            raise ConfigError(f"student {text!r}: {path} is not a Hugging Face checkpoint (no config.json)")
        return StudentInfo(name=name or path.name, kind="hf", source=str(path.resolve()))
    if "/" not in source:
        raise ConfigError(f"student {text!r}: not a checkpoint directory, 'embedded', 'role:<role>', a name "
                          "under evaluation.students, or a provider/model string")
    spec = ModelSpec(model=source)
    return StudentInfo(name=name or source.rsplit("/", 1)[-1], kind="model", source=source, model=spec)


class StudentFactory:
    """Builds students (and the judge) for one job: model students share the embedded engine, and every
    model is wrapped once in the middleware with the job's accountant and request cache."""

    def __init__(self, models: ModelsConfig, accountant: Accountant, store: RequestStore | None,
                 device: str = "auto"):
        self.models = models
        self.accountant = accountant
        self.store = store
        self.device = device
        self._engines: dict = {}
        self._lms: dict[str, dspy.BaseLM] = {}

    def lm(self, spec: ModelSpec) -> dspy.BaseLM:
        """The metered LM of a spec (one per distinct spec)."""
        key = spec.model_dump_json()
        if key not in self._lms:
            inner = build_lm(spec, self.models, self._engines)
            self._lms[key] = metered(inner, self.accountant, self.store, malformed_attempts=spec.malformed_attempts)
        return self._lms[key]

    def judge(self) -> dspy.BaseLM:
        """The config's judge model (``models.judge``, else ``models.default``), metered."""
        return self.lm(self.models.for_role("judge"))

    def student(self, info: StudentInfo) -> Student:
        """The student ``info`` describes."""
        if info.kind == "hf":
            return HFStudent(info.source, name=info.name, device=self.device)
        return DspyLMStudent(self.lm(info.model), name=info.name)
