"""DPO with TRL's ``DPOTrainer`` on conversational preference pairs (prompt / chosen / rejected)."""

from __future__ import annotations

import logging

from sft.config import DPORunConfig
from sft.deps import require
from sft.preference_data import load_preference_dataset
from sft.train_sft import TrainResult, train_and_save
from sft.trainer_args import common_trainer_kwargs, trainer_inputs

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
    model_dir, args, dataset, stats = trainer_inputs(cfg, dpo_trainer_config, load_preference_dataset,
                                                     "loading preference pairs", dataset)
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
    return train_and_save(trainer, stats, cfg)
