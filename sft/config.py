"""Typed run configs for SFT and DPO, loaded from YAML.

The defaults of :class:`SFTTrainingConfig` are the Orca-3 recipe (AgentInstruct paper, section 3.2):
AdamW, learning rate 8e-6, cosine schedule, 500 linear warm-up steps, weight decay 0.1, 3 epochs,
per-device batch 10, sequences packed to 8192 tokens, loss on the response only. The shipped
``configs/sft_default.yaml`` spells the same values out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sft.resources import resolve


class StrictModel(BaseModel):
    """Base for every config: unknown keys are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class DataSource(StrictModel):
    """One input of a mixture: a run directory, a JSONL file or a saved HF dataset, with a weight.

    ``weight`` multiplies the source's size after filtering: 2.0 repeats every record twice, 0.5 keeps a
    seeded random half, 1.5 keeps every record once plus a random half again.
    """

    path: Path
    weight: float = Field(default=1.0, gt=0)


class ScoreFilter(StrictModel):
    """Keep records whose judge scores reach ``min_score``.

    ``keys`` names the scores to look at (None: every score a record carries); ``aggregate`` folds them
    into one number. Records without any of the scores are kept when ``keep_unscored`` is true.
    """

    min_score: float
    keys: list[str] | None = None
    aggregate: Literal["min", "mean"] = "min"
    keep_unscored: bool = True


class DataConfig(StrictModel):
    """Where the training rows come from; ``seed`` drives weighting and shuffling."""

    sources: list[DataSource] = Field(default_factory=list)
    seed: int = 42


class SFTDataConfig(DataConfig):
    """SFT records, optionally filtered by their judge scores; held-out evaluation records refused."""

    score_filter: ScoreFilter | None = None
    heldout: list[Path] = Field(default_factory=list)
    """Held-out files (or run directories, ``heldout/`` folders) whose record ids are refused from every
    source, on top of each run directory's own ``RUN/heldout/*.json``: for data that left its run (an
    exported dataset with an ``id`` column)."""


class ModelConfig(StrictModel):
    """The model to fine-tune (a local directory; nothing is downloaded) and its chat template.

    ``chat_template``: ``auto`` keeps the model's template when it has ``{% generation %}`` markers and
    otherwise swaps in a shipped training template that renders the same text with markers; ``model``
    forces the model's own template; any other value is a shipped template name or a ``.jinja`` path.
    """

    path: str | None = None
    chat_template: str = "auto"
    attn_implementation: str | None = None


class TrainingConfig(StrictModel):
    """Optimiser, schedule and batch settings shared by SFT and DPO."""

    learning_rate: float = Field(default=8e-6, gt=0)
    lr_scheduler_type: Literal["cosine", "linear", "constant", "constant_with_warmup"] = "cosine"
    warmup_steps: int = Field(default=500, ge=0)
    weight_decay: float = Field(default=0.1, ge=0)
    optim: Literal["adamw_torch", "adamw_torch_fused"] = "adamw_torch"
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-8
    max_grad_norm: float = 1.0
    num_train_epochs: float = Field(default=3.0, gt=0)
    max_steps: int = -1
    per_device_train_batch_size: int = Field(default=10, ge=1)
    gradient_accumulation_steps: int = Field(default=1, ge=1)
    max_length: int = Field(default=8192, ge=16)
    precision: Literal["auto", "bf16", "fp16", "fp32"] = "auto"
    activation_checkpointing: bool = False
    seed: int = 42
    logging_steps: int = Field(default=10, ge=1)
    save_strategy: Literal["steps", "epoch", "no"] = "steps"
    save_steps: int = Field(default=1000, ge=1)
    save_total_limit: int | None = 3
    dataset_num_proc: int | None = None
    report_to: list[str] = Field(default_factory=list)


class SFTTrainingConfig(TrainingConfig):
    """SFT specifics: packing and which tokens carry the loss.

    ``loss``: ``assistant_only`` trains on every assistant turn (multi-turn records included) through
    the chat template's generation markers; ``completion_only`` turns each record into a prompt /
    completion pair (the last assistant turn is the completion); ``full`` trains on every token.
    """

    packing: bool = True
    packing_strategy: Literal["bfd", "bfd_split", "wrapped"] = "bfd"
    loss: Literal["assistant_only", "completion_only", "full"] = "assistant_only"


class DPOTrainingConfig(TrainingConfig):
    """DPO specifics. The paper gives no DPO recipe; these are TRL's usual values."""

    learning_rate: float = Field(default=5e-7, gt=0)
    warmup_steps: int = Field(default=100, ge=0)
    weight_decay: float = Field(default=0.0, ge=0)
    num_train_epochs: float = Field(default=1.0, gt=0)
    per_device_train_batch_size: int = Field(default=4, ge=1)
    max_length: int = Field(default=4096, ge=16)
    beta: float = Field(default=0.1, gt=0)
    loss_type: Literal["sigmoid", "ipo", "hinge", "robust"] = "sigmoid"


class ClusterConfig(StrictModel):
    """Where a run is launched: node topology and the shipped (or user) accelerate / DeepSpeed files."""

    num_nodes: int = Field(default=1, ge=1)
    gpus_per_node: int = Field(default=1, ge=1)
    accelerate_config: str | None = None
    deepspeed_config: str | None = None

    @property
    def world_size(self) -> int:
        """Number of training processes (one per GPU)."""
        return self.num_nodes * self.gpus_per_node


class EstimateConfig(StrictModel):
    """Assumptions of the ``--dry-run`` compute estimate (see docs/training.md).

    Anything left ``None`` is measured from ``--data`` / ``--model`` when they are given.
    GPU-hours = epochs x tokens / packing_efficiency x flops_per_token_per_param x model_params
    / (gpu_peak_tflops x 1e12 x mfu) / 3600.
    """

    model_params: float | None = Field(default=None, gt=0)
    num_examples: int | None = Field(default=None, ge=1)
    mean_tokens_per_example: float | None = Field(default=None, gt=0)
    packing_efficiency: float | None = Field(default=None, gt=0, le=1)
    gpu_peak_tflops: float = Field(default=312.0, gt=0)
    mfu: float = Field(default=0.3, gt=0, le=1)
    flops_per_token_per_param: float = Field(default=6.0, gt=0)
    chars_per_token: float = Field(default=4.0, gt=0)


class SFTRunConfig(StrictModel):
    """Everything one SFT run needs."""

    model: ModelConfig = Field(default_factory=ModelConfig)
    data: SFTDataConfig = Field(default_factory=SFTDataConfig)
    training: SFTTrainingConfig = Field(default_factory=SFTTrainingConfig)
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    estimate: EstimateConfig = Field(default_factory=EstimateConfig)
    output_dir: Path = Path("outputs/sft")


class DPORunConfig(StrictModel):
    """Everything one DPO run needs. ``data.sources`` hold preference pairs."""

    model: ModelConfig = Field(default_factory=ModelConfig)
    data: DataConfig = Field(default_factory=DataConfig)
    training: DPOTrainingConfig = Field(default_factory=DPOTrainingConfig)
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    output_dir: Path = Path("outputs/dpo")


ConfigT = TypeVar("ConfigT", SFTRunConfig, DPORunConfig)


def _load(cls: type[ConfigT], name_or_path: str | Path | None, default: str) -> ConfigT:
    path = resolve("configs", name_or_path if name_or_path is not None else default)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise TypeError(f"{path}: a run config must be a YAML mapping, got {type(raw).__name__}")
    try:
        return cls.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"{path}: invalid {cls.__name__}:\n{exc}") from exc


def load_sft_config(name_or_path: str | Path | None = None) -> SFTRunConfig:
    """Load an SFT run config from a YAML path or a shipped config name (default: ``sft_default``)."""
    return _load(SFTRunConfig, name_or_path, "sft_default")


def load_dpo_config(name_or_path: str | Path | None = None) -> DPORunConfig:
    """Load a DPO run config from a YAML path or a shipped config name (default: ``dpo_default``)."""
    return _load(DPORunConfig, name_or_path, "dpo_default")
