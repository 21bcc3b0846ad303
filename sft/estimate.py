"""Compute estimate for a run: batch geometry, optimizer steps and GPU-hours (``--dry-run``).

The model: a dense decoder spends ``flops_per_token_per_param`` (6: 2 forward + 4 backward) FLOPs per
parameter per trained token, and a GPU sustains ``mfu`` of its peak. Padding-free packing (TRL's
``bfd``) computes only real tokens, so packing efficiency changes how many optimizer steps an epoch
takes, not the FLOPs. Attention FLOPs (which grow with document length) are left out. Every input is a
config value or a measurement, so the printed number is only as good as the assumptions it lists.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from sft.config import ClusterConfig, EstimateConfig, TrainingConfig


@dataclass(frozen=True)
class Estimate:
    """The numbers ``--dry-run`` prints."""

    world_size: int
    per_device_batch: int
    gradient_accumulation_steps: int
    effective_batch: int
    max_length: int
    packing: bool
    tokens_per_step: int
    num_examples: int
    mean_tokens_per_example: float
    packing_efficiency: float
    epochs: float
    steps_per_epoch: int
    optimizer_steps: int
    trained_tokens: float
    model_params: float
    total_flops: float
    gpu_peak_tflops: float
    mfu: float
    gpu_hours: float
    wall_clock_hours: float

    def lines(self) -> list[str]:
        """``name=value`` lines, numbers in a readable form."""
        out = []
        for key, value in asdict(self).items():
            if isinstance(value, float):
                value = f"{value:.4g}" if abs(value) < 1e6 else f"{value:.4e}"
            out.append(f"{key}={value}")
        return out


def estimate_run(
    training: TrainingConfig,
    cluster: ClusterConfig,
    assumptions: EstimateConfig,
    *,
    packing: bool,
) -> Estimate:
    """Estimate a run from the config. Every field of ``assumptions`` it needs must be set (or measured)."""
    missing = [
        name
        for name in ("model_params", "num_examples", "mean_tokens_per_example", "packing_efficiency")
        if getattr(assumptions, name) is None
    ]
    if missing:
        raise ValueError(
            f"cannot estimate: estimate.{', estimate.'.join(missing)} not set; give --data / --model to "
            "measure them or set them in the config"
        )
    world = cluster.world_size
    eff_batch = training.per_device_train_batch_size * training.gradient_accumulation_steps * world
    n, mean_tokens = assumptions.num_examples, assumptions.mean_tokens_per_example
    efficiency = assumptions.packing_efficiency
    if packing:
        # Each packed row holds up to max_length tokens, filled to `efficiency` on average.
        rows_per_epoch = math.ceil(n * mean_tokens / (training.max_length * efficiency))
        tokens_per_step = eff_batch * training.max_length
    else:
        rows_per_epoch = n
        tokens_per_step = round(eff_batch * mean_tokens)
    steps_per_epoch = math.ceil(rows_per_epoch / eff_batch)
    full_steps = math.ceil(steps_per_epoch * training.num_train_epochs)
    steps = min(full_steps, training.max_steps) if training.max_steps > 0 else full_steps
    trained_tokens = n * mean_tokens * training.num_train_epochs * (steps / full_steps)
    flops = assumptions.flops_per_token_per_param * assumptions.model_params * trained_tokens
    gpu_seconds = flops / (assumptions.gpu_peak_tflops * 1e12 * assumptions.mfu)
    return Estimate(
        world_size=world,
        per_device_batch=training.per_device_train_batch_size,
        gradient_accumulation_steps=training.gradient_accumulation_steps,
        effective_batch=eff_batch,
        max_length=training.max_length,
        packing=packing,
        tokens_per_step=tokens_per_step,
        num_examples=n,
        mean_tokens_per_example=mean_tokens,
        packing_efficiency=efficiency,
        epochs=training.num_train_epochs,
        steps_per_epoch=steps_per_epoch,
        optimizer_steps=steps,
        trained_tokens=trained_tokens,
        model_params=assumptions.model_params,
        total_flops=flops,
        gpu_peak_tflops=assumptions.gpu_peak_tflops,
        mfu=assumptions.mfu,
        gpu_hours=gpu_seconds / 3600,
        wall_clock_hours=gpu_seconds / 3600 / world,
    )
