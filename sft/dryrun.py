"""``--dry-run``: validate a run config and its cluster files, then print the compute estimate."""

from __future__ import annotations

import logging

from sft.config import SFTRunConfig
from sft.estimate import estimate_run
from sft.launch import launch_command, validate_cluster
from sft.model_path import resolve_model_path

logger = logging.getLogger(__name__)


def dry_run(cfg: SFTRunConfig, train_args: list[str]) -> list[str]:
    """``name=value`` lines: cluster checks, measured inputs, the estimate and the launch command.

    Measurements from ``data.sources`` and ``model.path`` (when set) replace the config's ``estimate``
    assumptions; whatever cannot be measured must be in the config.
    """
    lines = validate_cluster(cfg.cluster, cfg.training)
    lines += attention_warnings(cfg)
    assumptions = cfg.estimate
    tokenizer = None
    if cfg.model.path is not None:
        from sft.measure import count_params
        from sft.train_sft import load_tokenizer

        model_dir = resolve_model_path(cfg.model.path)
        params = count_params(model_dir)
        tokenizer = load_tokenizer(model_dir, cfg.model.chat_template, cfg.training.loss)
        assumptions = assumptions.model_copy(update={"model_params": float(params)})
        lines.append(f"measured_model_params={params}")
    if cfg.data.sources:
        from sft.data import load_sft_dataset
        from sft.measure import measure_dataset

        dataset, stats = load_sft_dataset(cfg.data)
        for s in stats:
            lines.append(f"source={s.path} read={s.read} kept={s.kept} used={s.used} weight={s.weight:g}")
        m = measure_dataset(
            dataset,
            cfg.training.max_length,
            cfg.training.packing_strategy,
            tokenizer,
            assumptions.chars_per_token,
        )
        assumptions = assumptions.model_copy(
            update={
                "num_examples": m.num_examples,
                "mean_tokens_per_example": m.mean_tokens,
                "packing_efficiency": m.packing_efficiency if cfg.training.packing else 1.0,
            }
        )
        lines += [f"measured_sample={m.sample_size}", f"tokens_from={m.tokens_from}"]
    est = estimate_run(cfg.training, cfg.cluster, assumptions, packing=cfg.training.packing)
    lines += est.lines()
    lines.append(f"launch={launch_command('sft', cfg.cluster, train_args)}")
    return lines


def attention_warnings(cfg: SFTRunConfig) -> list[str]:
    """``warning=`` lines for GPU runs whose attention kernel would waste padding-free packing.

    TRL flattens a batch of bfd-packed rows into one sequence. Flash attention computes it document by
    document (``cu_seq_lens``); sdpa and eager instead build a dense block-diagonal mask over the whole
    flattened batch (81,920 tokens at batch 10 x 8192), quadratic in memory and compute.
    """
    t = cfg.training
    attn = cfg.model.attn_implementation or "sdpa"
    on_gpus = cfg.cluster.accelerate_config is not None or cfg.cluster.deepspeed_config is not None
    if on_gpus and t.packing and t.packing_strategy != "wrapped" and not attn.startswith("flash_attention"):
        flat = t.per_device_train_batch_size * t.max_length
        message = (
            f"warning=attn_implementation={attn} with padding-free packing attends over {flat} flattened tokens "
            "per device; set model.attn_implementation: flash_attention_2 (pip install flash-attn) on GPUs"
        )
        return [message]
    return []
