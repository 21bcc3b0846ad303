"""DPO with TRL's ``DPOTrainer`` on conversational preference pairs (prompt / chosen / rejected)."""

from __future__ import annotations

import logging
from pathlib import Path

from sft.config import DPORunConfig
from sft.deps import require
from sft.model_path import resolve_model_path
from sft.preference_data import load_preference_dataset
from sft.train_sft import TrainResult, write_summary
from sft.trainer_args import common_trainer_kwargs

logger = logging.getLogger(__name__)


def dpo_trainer_config(cfg: DPORunConfig):
    """TRL's ``DPOConfig`` for a run config."""
    trl = require("trl")
    t = cfg.training
    return trl.DPOConfig(
        **common_trainer_kwargs(t, cfg.model, cfg.cluster, cfg.output_dir),
        beta=t.beta,
        loss_type=[t.loss_type],
    )


def build_dpo_trainer(cfg: DPORunConfig, dataset=None):
    """A ``DPOTrainer`` ready to ``train()``; the reference model is a frozen copy of the starting model.

    The tokenizer keeps the model's own chat template (DPO scores whole replies, no masking template is
    needed); a model without one gets the shipped ChatML. Returns ``(trainer, source_stats)``.
    """
    trl = require("trl")
    transformers = require("transformers")
    model_dir = resolve_model_path(cfg.model.path)
    args = dpo_trainer_config(cfg)  # before the model: ZeRO-3 needs it at load time
    stats = []
    if dataset is None:
        with args.main_process_first(desc="loading preference pairs"):
            dataset, stats = load_preference_dataset(cfg.data)
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(model_dir))
    if cfg.model.chat_template not in ("auto", "model") or not tokenizer.chat_template:
        from sft.masking.template import load_template

        tokenizer.chat_template = load_template(
            "chatml" if cfg.model.chat_template == "auto" else cfg.model.chat_template
        )
    trainer = trl.DPOTrainer(
        model=str(model_dir), args=args, train_dataset=dataset, processing_class=tokenizer
    )
    return trainer, stats


def train_dpo(cfg: DPORunConfig) -> TrainResult:
    """Run DPO and save the model, tokenizer and a run summary (``agentinstruct_train.json``)."""
    trainer, stats = build_dpo_trainer(cfg)
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
