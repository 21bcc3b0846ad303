"""The training steps of an arena round, behind one small protocol so that the loop can be run (and tested)
with any trainer: ``SFTTrainerSteps`` calls ``sft/`` (TRL's SFTTrainer and DPOTrainer, what ``agentinstruct
train sft|dpo`` runs); tests pass a fake that returns a new competitor without training anything.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

from agentinstruct.arena.config import CompetitorSpec

log = logging.getLogger(__name__)


class Trainer(Protocol):
    """Trains ``model`` on a data file into ``out_dir`` and returns the trained competitor (named ``name``)."""

    def sft(self, data: Path, model: CompetitorSpec, out_dir: Path, name: str) -> CompetitorSpec:
        """Supervised fine-tuning on ``sft.jsonl`` records."""
        ...

    def dpo(self, data: Path, model: CompetitorSpec, out_dir: Path, name: str) -> CompetitorSpec:
        """Preference optimisation on ``dpo.jsonl`` pairs."""
        ...


def model_path(model: CompetitorSpec) -> str:
    """What ``sft`` takes as ``--model``: a checkpoint directory, or ``embedded`` for the embedded model."""
    if model.kind == "hf":
        return str(model.path)
    if model.kind == "lm" and model.model.is_embedded:
        return "embedded"
    raise ValueError(f"competitor {model.name} ({model.kind}, {model.model.model}) cannot be trained locally: "
                     "the target must be a checkpoint directory or the embedded model")


class SFTTrainerSteps:
    """SFT and DPO with ``sft/``: shipped config names or YAML paths, plus overrides of ``training.*``."""

    def __init__(self, sft_config: str | None = "sft_cpu_smoke", dpo_config: str | None = "dpo_default",
                 training: dict[str, Any] | None = None, dpo_training: dict[str, Any] | None = None):
        self.sft_config, self.dpo_config = sft_config, dpo_config
        self.training, self.dpo_training = dict(training or {}), dict(dpo_training or {})

    @staticmethod
    def _configure(cfg, model: str, data: Path, out_dir: Path, training: dict[str, Any]):
        raw = cfg.model_dump(mode="json")
        raw["model"]["path"] = model
        raw["data"]["sources"] = [{"path": str(data), "weight": 1.0}]
        raw["output_dir"] = str(out_dir)
        raw["training"].update(training)
        return type(cfg).model_validate(raw)

    def sft(self, data: Path, model: CompetitorSpec, out_dir: Path, name: str) -> CompetitorSpec:
        from sft.config import load_sft_config
        from sft.train_sft import train_sft

        cfg = self._configure(load_sft_config(self.sft_config), model_path(model), data, out_dir, self.training)
        result = train_sft(cfg)
        log.info("SFT: %d steps, losses %s -> %s", result.global_step, result.losses[:1], result.losses[-1:])
        return CompetitorSpec(name=name, kind="hf", path=str(result.output_dir), device=model.device)

    def dpo(self, data: Path, model: CompetitorSpec, out_dir: Path, name: str) -> CompetitorSpec:
        from sft.config import load_dpo_config
        from sft.train_dpo import train_dpo

        cfg = self._configure(load_dpo_config(self.dpo_config), model_path(model), data, out_dir,
                              {**self.training, **self.dpo_training})
        result = train_dpo(cfg)
        log.info("DPO: %d steps, losses %s -> %s", result.global_step, result.losses[:1], result.losses[-1:])
        return CompetitorSpec(name=name, kind="hf", path=str(result.output_dir), device=model.device)
