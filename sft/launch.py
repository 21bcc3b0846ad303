"""Checking the accelerate + DeepSpeed files a run config names, and writing its launch command."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from sft.config import ClusterConfig, TrainingConfig
from sft.deps import require
from sft.resources import resolve

_AUTO = "auto"


def check_accelerate(path: Path, cluster: ClusterConfig, training: TrainingConfig) -> list[str]:
    """Problems with an accelerate config file, as sentences (empty when it fits the run config)."""
    config_args = require("accelerate.commands.config.config_args")
    try:
        acc = config_args.load_config_from_file(str(path))
    except (ValueError, TypeError) as exc:  # accelerate raises these for unknown keys / bad values
        return [f"accelerate rejects it: {exc}"]
    problems = []
    if acc.num_machines != cluster.num_nodes:
        problems.append(f"num_machines is {acc.num_machines} but cluster.num_nodes is {cluster.num_nodes}")
    if acc.num_processes != cluster.world_size:
        problems.append(f"num_processes is {acc.num_processes} but the cluster has {cluster.world_size} GPUs")
    if str(acc.distributed_type.value) not in ("MULTI_GPU", "DEEPSPEED"):
        problems.append(f"distributed_type is {acc.distributed_type.value}, expected MULTI_GPU or DEEPSPEED")
    mixed = str(acc.mixed_precision)
    if training.precision in ("bf16", "fp16") and mixed not in (training.precision, "no"):
        problems.append(f"mixed_precision is {mixed} but training.precision is {training.precision}")
    return problems


def _matches(value: Any, expected: Any) -> bool:
    return value == _AUTO or value == expected


def check_deepspeed(ds: dict[str, Any], cluster: ClusterConfig, training: TrainingConfig) -> list[str]:
    """Problems with a DeepSpeed config: ZeRO stage 3, and batch / precision fields ``auto`` or consistent."""
    problems = []
    stage = ds.get("zero_optimization", {}).get("stage")
    if stage != 3:
        problems.append(f"zero_optimization.stage is {stage!r}, expected 3")
    micro, accum = training.per_device_train_batch_size, training.gradient_accumulation_steps
    fields = {
        "train_micro_batch_size_per_gpu": micro,
        "gradient_accumulation_steps": accum,
        "train_batch_size": micro * accum * cluster.world_size,
        "gradient_clipping": training.max_grad_norm,
    }
    for key, expected in fields.items():
        if key in ds and not _matches(ds[key], expected):
            problems.append(f"{key} is {ds[key]!r} but the run config implies {expected} (or use 'auto')")
    bf16 = ds.get("bf16", {}).get("enabled", False)
    if training.precision == "bf16" and not _matches(bf16, True):
        problems.append("training.precision is bf16 but bf16.enabled is false")
    optimizer = ds.get("optimizer", {}).get("type")
    if optimizer is not None and optimizer.lower() not in ("adamw", "adam"):
        problems.append(f"optimizer.type is {optimizer!r}; the recipe is AdamW")
    return problems


def validate_cluster(cluster: ClusterConfig, training: TrainingConfig) -> list[str]:
    """Check the cluster's accelerate and DeepSpeed files; return ``name=value`` lines describing them.

    Raises ValueError naming the file and every problem found.
    """
    lines = [f"nodes={cluster.num_nodes}", f"gpus_per_node={cluster.gpus_per_node}"]
    if cluster.accelerate_config is not None:
        path = resolve("configs", cluster.accelerate_config)
        problems = check_accelerate(path, cluster, training)
        if problems:
            raise ValueError(f"{path}: " + "; ".join(problems))
        lines.append(f"accelerate_config={path} (ok)")
    if cluster.deepspeed_config is not None:
        path = resolve("configs", cluster.deepspeed_config)
        try:
            ds = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON: {exc}") from exc
        problems = check_deepspeed(ds, cluster, training)
        if problems:
            raise ValueError(f"{path}: " + "; ".join(problems))
        lines.append(f"deepspeed_config={path} (ok, ZeRO stage 3)")
    return lines


def launch_command(command: str, cluster: ClusterConfig, train_args: list[str]) -> str:
    """The ``accelerate launch`` line that runs ``python -m sft.cli COMMAND ...`` on every node."""
    parts = ["accelerate", "launch"]
    if cluster.accelerate_config is not None:
        parts += ["--config_file", str(resolve("configs", cluster.accelerate_config).resolve())]
    else:
        parts += ["--num_processes", str(cluster.world_size)]
    if cluster.num_nodes > 1:
        parts += ["--machine_rank", "$MACHINE_RANK", "--main_process_ip", "$MAIN_PROCESS_IP"]
    parts += ["-m", "sft.cli", command, *train_args]
    return " ".join(p if p.startswith("$") else shlex.quote(p) for p in parts)
