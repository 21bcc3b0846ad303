"""What an arena runs: the competitors, the judges, how verdicts are asked for and reconciled, how the
work runs (threads or Ray actors, cache, budget) and how the ratings are fitted.

A competitor is any model the config can name (``model:``, a ``ModelSpec``: a LiteLLM model string, an
OpenAI-compatible server, or ``local/smollm2``, the embedded model, which is the default), a Hugging Face
checkpoint directory (``kind: hf``), or the answer the instruction set itself carries (``kind: reference``:
the teacher's answer of a generated run). A judge is a model as well; a competitor that also judges
(same name) is measured for self-preference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.config import CacheConfig, ConfigError, LocalModelConfig, ModelSpec
from core.lm.accounting import BudgetConfig
from eval.arena.leaderboard import LeaderboardConfig
from eval.arena.verdicts import ReconcileConfig
from eval.students import GenerationSettings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


class CompetitorSpec(_Strict):
    """One competitor: a model (``kind: lm``), a checkpoint directory (``hf``) or the set's own answer."""

    name: str = Field(pattern=NAME_PATTERN)
    kind: Literal["lm", "hf", "reference"] = "lm"
    model: ModelSpec = Field(default_factory=ModelSpec)
    """``kind: lm``: the model (default: the embedded SmolLM2)."""
    path: str | None = None
    """``kind: hf``: a local ``save_pretrained`` directory."""
    device: str = "auto"
    dtype: str = "auto"

    @model_validator(mode="after")
    def _needs_path(self) -> CompetitorSpec:
        if self.kind == "hf" and not self.path:
            raise ValueError(f"competitor {self.name}: kind hf needs a path")
        return self


class JudgeSpec(_Strict):
    """One juror: its name (the competitor's, when a competitor judges too) and its model."""

    name: str = Field(pattern=NAME_PATTERN)
    model: ModelSpec = Field(default_factory=lambda: ModelSpec(temperature=0.0))
    explain: bool = True
    """Ask for a short explanation before the verdict (arena-hard); off: the verdict alone (cheaper; what a
    135M judge can do: its explanations were copies of an answer or of the instructions)."""


class BattleConfig(_Strict):
    """An arena: every pair of competitors (or the target against each other one) on every prompt, each
    pair judged by every juror in both orders."""

    competitors: list[CompetitorSpec] = Field(min_length=2)
    judges: list[JudgeSpec] = Field(default_factory=lambda: [JudgeSpec(name="judge")], min_length=1)
    mode: Literal["label", "score"] = "label"
    """``label``: five-level verdicts (arena-hard); ``score``: 1-10 per answer (Arena Learning; needed
    for loss mining)."""
    reconcile: ReconcileConfig = Field(default_factory=ReconcileConfig)
    pairs: Literal["all", "target"] = "all"
    target: str | None = None
    """The model being trained (``pairs: target`` battles it against each other competitor)."""
    leaderboard: LeaderboardConfig = Field(default_factory=LeaderboardConfig)
    answers: GenerationSettings = Field(default_factory=GenerationSettings)
    """How competitors answer (greedy by default; recorded with every answer)."""
    max_chars: int | None = Field(default=None, ge=200)
    """Cut requests and answers shown to a judge to this many characters (a small judge's context)."""
    concurrency: int = Field(default=4, ge=1, le=1024)
    """Work units (answers, judgements) in flight at once."""
    backend: Literal["local", "ray"] = "local"
    """Where the LM work runs: threads in this process, or Ray actors (``pip install 'agentinstruct[ray]'``)
    that build the competitors' and judges' models from this config; the ledger, the budget and the
    accounting stay here either way."""
    ray_address: str | None = None
    """The Ray cluster to join (``ray://head:10001`` or ``auto``); ``None`` starts a local Ray instance."""
    ray_workers: int = Field(default=1, ge=1, le=4096)
    """Ray actors that run the LM work, each with ``concurrency / ray_workers`` threads; per-model ``rpm``,
    ``tpm`` and ``max_concurrency`` are divided among them."""
    max_prompts: int | None = Field(default=None, ge=1)
    local: LocalModelConfig = Field(default_factory=LocalModelConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)

    @model_validator(mode="after")
    def _names(self) -> BattleConfig:
        names = [c.name for c in self.competitors]
        if len(set(names)) != len(names):
            raise ValueError(f"competitor names repeat: {names}")
        judges = [j.name for j in self.judges]
        if len(set(judges)) != len(judges):
            raise ValueError(f"judge names repeat: {judges}")
        for what, name in (("target", self.target), ("anchor", self.leaderboard.anchor)):
            if name is not None and name not in names:
                raise ValueError(f"{what} {name!r} is not a competitor ({names})")
        if self.pairs == "target" and self.target is None:
            raise ValueError("pairs: target needs a target")
        return self

    def competitor(self, name: str) -> CompetitorSpec:
        """The competitor called ``name``."""
        for c in self.competitors:
            if c.name == name:
                return c
        raise KeyError(name)


def load_yaml_model(cls: type[BaseModel], path: str | Path) -> BaseModel:
    """A config model from a YAML/JSON file, with the file and field named on error."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from exc
    try:
        return cls.model_validate(raw)
    except ValidationError as exc:
        fields = "; ".join(f"field {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: invalid config: {fields}") from exc


def _model_spec(text: str, temperature: float | None = None) -> ModelSpec:
    model, _, base = text.partition("@")
    fields = {"model": model, **({"api_base": base} if base else {})}
    if temperature is not None:
        fields["temperature"] = temperature
    return ModelSpec(**fields)


def _named(text: str) -> tuple[str, str]:
    name, sep, spec = text.partition("=")
    return (name, spec) if sep else ("", text)


def parse_competitor(text: str) -> CompetitorSpec:
    """``[NAME=]SPEC`` with SPEC ``embedded``, ``reference``, ``hf:PATH`` or ``MODEL[@API_BASE]`` (a LiteLLM
    model string); the name defaults to ``embedded``, ``reference``, the directory's name, or the model's."""
    name, spec = _named(text)
    if spec in ("embedded", "local/smollm2"):
        return CompetitorSpec(name=name or "embedded")
    if spec == "reference":
        return CompetitorSpec(name=name or "reference", kind="reference")
    if spec.startswith("hf:"):
        path = spec[3:]
        return CompetitorSpec(name=name or Path(path).name, kind="hf", path=path)
    model = _model_spec(spec)
    return CompetitorSpec(name=name or model.model.replace("/", "_"), model=model)


def parse_judge(text: str) -> JudgeSpec:
    """``[NAME=]SPEC`` with SPEC ``embedded`` or ``MODEL[@API_BASE]``; greedy decoding (temperature 0)."""
    name, spec = _named(text)
    if spec in ("embedded", "local/smollm2"):
        return JudgeSpec(name=name or "embedded")
    model = _model_spec(spec, temperature=0.0)
    return JudgeSpec(name=name or model.model.replace("/", "_"), model=model)
