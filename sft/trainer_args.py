"""Keyword arguments shared by TRL's ``SFTConfig`` and ``DPOConfig``, built from our typed configs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sft.config import ClusterConfig, ModelConfig, TrainingConfig
from sft.deps import require
from sft.model_path import resolve_model_path
from sft.resources import resolve

logger = logging.getLogger(__name__)


def resolve_precision(precision: str) -> str:
    """``auto`` -> ``bf16`` on a CUDA device that supports it, else ``fp32``."""
    if precision != "auto":
        return precision
    torch = require("torch")
    if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
        return "bf16"
    return "fp32"


def common_trainer_kwargs(
    training: TrainingConfig, model: ModelConfig, cluster: ClusterConfig, output_dir: Path
) -> dict[str, Any]:
    """Optimiser, schedule, batch, precision, logging and DeepSpeed arguments for a TRL config."""
    precision = resolve_precision(training.precision)
    kwargs: dict[str, Any] = {
        "output_dir": str(output_dir),
        "learning_rate": training.learning_rate,
        "lr_scheduler_type": training.lr_scheduler_type,
        "warmup_steps": training.warmup_steps,
        "weight_decay": training.weight_decay,
        "optim": training.optim,
        "adam_beta1": training.adam_beta1,
        "adam_beta2": training.adam_beta2,
        "adam_epsilon": training.adam_epsilon,
        "max_grad_norm": training.max_grad_norm,
        "num_train_epochs": training.num_train_epochs,
        "max_steps": training.max_steps,
        "per_device_train_batch_size": training.per_device_train_batch_size,
        "gradient_accumulation_steps": training.gradient_accumulation_steps,
        "max_length": training.max_length,
        "bf16": precision == "bf16",
        "fp16": precision == "fp16",
        "seed": training.seed,
        "logging_steps": training.logging_steps,
        "save_strategy": training.save_strategy,
        "save_steps": training.save_steps,
        "save_total_limit": training.save_total_limit,
        "dataset_num_proc": training.dataset_num_proc,
        "report_to": training.report_to or "none",
        "activation_checkpointing": training.activation_checkpointing,
        "model_init_kwargs": {"dtype": "float32", "attn_implementation": model.attn_implementation},
    }
    if cluster.deepspeed_config is not None:
        kwargs["deepspeed"] = str(resolve("configs", cluster.deepspeed_config).resolve())
    logger.info("precision %s, deepspeed %s", precision, kwargs.get("deepspeed"))
    return kwargs


def trainer_inputs(cfg: Any, trainer_config: Callable[[Any], Any], load: Callable[[Any], tuple[Any, list]],
                   desc: str, dataset: Any = None) -> tuple[Path, Any, Any, list]:
    """``(model_dir, trainer args, dataset, source stats)`` of an SFT or DPO run config.

    The trainer config is built first: with DeepSpeed ZeRO-3 it must exist before the model is loaded.
    Unless ``dataset`` is given, ``load(cfg.data)`` reads it on the main process first, so that on a
    cluster rank 0 builds the datasets cache and the other ranks then read it.
    """
    model_dir = resolve_model_path(cfg.model.path)
    args = trainer_config(cfg)
    stats: list = []
    if dataset is None:
        with args.main_process_first(desc=desc):
            dataset, stats = load(cfg.data)
    return model_dir, args, dataset, stats
