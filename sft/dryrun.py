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
