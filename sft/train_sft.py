"""SFT with TRL's ``SFTTrainer``: packed (bfd) sequences, loss on assistant tokens only."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sft.config import SFTRunConfig
from sft.data import load_sft_dataset, to_prompt_completion
from sft.deps import require
from sft.masking.labels import check_template_mask
from sft.masking.template import PROBES, training_template
from sft.mixture import SourceStats
from sft.trainer_args import common_trainer_kwargs, trainer_inputs

logger = logging.getLogger(__name__)

SUMMARY = "agentinstruct_train.json"


@dataclass
class TrainResult:
    """What a finished run leaves behind: where the model is, and the logged losses."""

    output_dir: Path
    global_step: int
    log_history: list[dict[str, Any]]
    sources: list[SourceStats] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def losses(self) -> list[float]:
        """The training losses the trainer logged, in order."""
        return [float(entry["loss"]) for entry in self.log_history if "loss" in entry]


def load_tokenizer(model_dir: Path, template_choice: str, loss: str):
    """The model's tokenizer with the chat template training renders with (markers when loss is masked)."""
    transformers = require("transformers")
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(model_dir))
    if loss == "assistant_only":
        template = training_template(tokenizer, template_choice, model=str(model_dir))
        check_template_mask(tokenizer, template, PROBES)
        tokenizer.chat_template = template
    elif template_choice not in ("auto", "model") or not tokenizer.chat_template:
        tokenizer.chat_template = training_template(tokenizer, template_choice, model=str(model_dir))
    return tokenizer


def sft_trainer_config(cfg: SFTRunConfig):
    """TRL's ``SFTConfig`` for a run config."""
    trl = require("trl")
    t = cfg.training
    return trl.SFTConfig(
        **common_trainer_kwargs(t, cfg.model, cfg.cluster, cfg.output_dir),
        packing=t.packing,
        packing_strategy=t.packing_strategy,
        assistant_only_loss=t.loss == "assistant_only",
        completion_only_loss=t.loss == "completion_only",
    )


def build_sft_trainer(cfg: SFTRunConfig, dataset=None):
    """An ``SFTTrainer`` ready to ``train()``; loads and mixes ``cfg.data`` unless ``dataset`` is given.

    Returns ``(trainer, source_stats)``. The trainer's ``train_dataset`` is already tokenized, labelled
    and packed, which is what the masking tests inspect.
    """
    trl = require("trl")
    model_dir, args, dataset, stats = trainer_inputs(cfg, sft_trainer_config, load_sft_dataset,
                                                     "loading SFT records", dataset)
    if cfg.training.loss == "completion_only":
        dataset = to_prompt_completion(dataset)
    tokenizer = load_tokenizer(model_dir, cfg.model.chat_template, cfg.training.loss)
    trainer = trl.SFTTrainer(
        model=str(model_dir), args=args, train_dataset=dataset, processing_class=tokenizer
    )
    return trainer, stats


def train_sft(cfg: SFTRunConfig) -> TrainResult:
    """Run SFT and save the model, tokenizer (with its training template) and a run summary."""
    trainer, stats = build_sft_trainer(cfg)
    return train_and_save(trainer, stats, cfg)


def train_and_save(trainer, stats: list[SourceStats], cfg: Any) -> TrainResult:
    """Train, save the model and its tokenizer to ``cfg.output_dir``, and (on the main process) write the
    run summary. Serves SFT and DPO alike: ``cfg`` is their run config."""
    output = trainer.train()
    trainer.save_model(str(cfg.output_dir))  # also saves the tokenizer with its chat template
    result = TrainResult(
        Path(cfg.output_dir),
        trainer.state.global_step,
        list(trainer.state.log_history),
        stats,
        dict(output.metrics),
    )
    if trainer.is_world_process_zero():
        write_summary(cfg.output_dir, cfg.model_dump(mode="json"), result)
    return result


def write_summary(output_dir: Path, config: dict[str, Any], result: TrainResult) -> None:
    """``agentinstruct_train.json``: the resolved config, data sources, losses and trainer metrics."""
    summary = {
        "config": config,
        "global_step": result.global_step,
        "losses": result.losses,
        "metrics": result.metrics,
        "log_history": result.log_history,
        "sources": [{**asdict(s), "path": str(s.path)} for s in result.sources],
    }
    Path(output_dir, SUMMARY).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    logger.info("trained %d steps; summary in %s", result.global_step, Path(output_dir, SUMMARY))
