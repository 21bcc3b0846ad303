"""`--dry-run`: cluster-config validation, batch geometry and the paper-scale GPU-hours estimate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sft.cli import app
from sft.config import ClusterConfig, EstimateConfig, SFTTrainingConfig, load_sft_config
from sft.estimate import estimate_run
from sft.launch import check_deepspeed

runner = CliRunner()


def _values(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines() if re.match(r"^[a-z_]+=", line))


def test_paper_config_dry_run_validates_and_lands_near_200_hours() -> None:
    pytest.importorskip("accelerate")
    result = runner.invoke(app, ["sft", "--config", "orca3_19x8_a100", "--dry-run"])
    assert result.exit_code == 0, result.output
    v = _values(result.output)
    assert v["accelerate_config"].endswith("accelerate_zero3_19x8.yaml (ok)")
    assert "ZeRO stage 3" in v["deepspeed_config"]
    assert v["world_size"] == "152"
    assert "warning" not in v  # the paper config uses flash attention with padding-free packing
    assert v["effective_batch"] == str(10 * 152)
    assert v["tokens_per_step"] == str(10 * 152 * 8192)
    assert 150 <= float(v["wall_clock_hours"]) <= 250  # the paper reports ~200 hours
    assert float(v["gpu_hours"]) == pytest.approx(152 * float(v["wall_clock_hours"]), rel=1e-3)
    assert v["launch"].startswith("accelerate launch --config_file ")
    assert "--machine_rank $MACHINE_RANK" in v["launch"] and "-m sft.cli sft --config " in v["launch"]


def test_estimate_is_the_stated_formula() -> None:
    training = SFTTrainingConfig(
        per_device_train_batch_size=4, gradient_accumulation_steps=2, max_length=1000
    )
    cluster = ClusterConfig(num_nodes=2, gpus_per_node=4)
    base = EstimateConfig(
        model_params=1e9, num_examples=80_000, mean_tokens_per_example=500, packing_efficiency=0.8, mfu=0.5
    )
    est = estimate_run(training, cluster, base, packing=True)
    assert est.effective_batch == 4 * 2 * 8
    rows = 80_000 * 500 / (1000 * 0.8)  # 50,000 packed rows per epoch
    assert est.steps_per_epoch == int(rows / 64) + 1
    assert est.optimizer_steps == 3 * est.steps_per_epoch
    tokens = 3 * 80_000 * 500
    assert est.gpu_hours == pytest.approx(6 * 1e9 * tokens / (312e12 * 0.5) / 3600)
    # Halving MFU doubles the time; capping max_steps scales the trained tokens.
    assert estimate_run(training, cluster, base.model_copy(update={"mfu": 0.25}), packing=True).gpu_hours == (
        pytest.approx(2 * est.gpu_hours)
    )
    capped = training.model_copy(update={"max_steps": est.optimizer_steps // 3})
    assert estimate_run(capped, cluster, base, packing=True).gpu_hours == pytest.approx(
        est.gpu_hours / 3, rel=1e-3
    )


def test_estimate_names_missing_assumptions() -> None:
    with pytest.raises(ValueError, match=r"estimate\.model_params"):
        estimate_run(SFTTrainingConfig(), ClusterConfig(), EstimateConfig(num_examples=1), packing=True)


def test_inconsistent_accelerate_config_is_refused_naming_the_file(tmp_path: Path) -> None:
    pytest.importorskip("accelerate")
    shipped = Path(load_sft_config("orca3_19x8_a100").cluster.accelerate_config)
    acc = tmp_path / "acc.yaml"
    from sft.resources import resolve

    acc.write_text(
        resolve("configs", shipped).read_text().replace("num_processes: 152", "num_processes: 128")
    )
    cfg = tmp_path / "run.yaml"
    text = resolve("configs", "orca3_19x8_a100").read_text().replace("accelerate_zero3_19x8.yaml", str(acc))
    cfg.write_text(text)
    result = runner.invoke(app, ["sft", "--config", str(cfg), "--dry-run"])
    assert result.exit_code == 2
    assert (
        "acc.yaml" in result.output and "num_processes is 128 but the cluster has 152 GPUs" in result.output
    )


def test_deepspeed_checks_catch_stage_and_batch_mismatch() -> None:
    from sft.resources import resolve

    ds = json.loads(resolve("configs", "ds_zero3.json").read_text())
    training, cluster = SFTTrainingConfig(precision="bf16"), ClusterConfig(num_nodes=19, gpus_per_node=8)
    assert check_deepspeed(ds, cluster, training) == []
    ds["zero_optimization"]["stage"] = 2
    ds["train_micro_batch_size_per_gpu"] = 4
    problems = check_deepspeed(ds, cluster, training)
    assert any("stage is 2" in p for p in problems)
    assert any("train_micro_batch_size_per_gpu is 4" in p for p in problems)


def test_dry_run_measures_a_dataset_with_the_model_tokenizer(run_dir: Path, tiny_dir: Path) -> None:
    result = runner.invoke(
        app,
        ["sft", "--config", "sft_cpu_smoke", "--data", str(run_dir), "--model", str(tiny_dir), "--dry-run"],
    )
    assert result.exit_code == 0, result.output
    v = _values(result.output)
    assert v["num_examples"] == "24" and v["tokens_from"] == "tokenizer"
    assert 40 < float(v["mean_tokens_per_example"]) < 200
    assert 0 < float(v["packing_efficiency"]) <= 1
    assert int(v["model_params"].split("e")[0].replace(".", "")) > 0
    assert v["launch"].startswith("accelerate launch --num_processes 1 -m sft.cli sft")


def test_transformers_reads_the_shipped_zero3_config_and_fills_it_from_the_recipe() -> None:
    pytest.importorskip("deepspeed")
    from sft.train_sft import sft_trainer_config

    cfg = load_sft_config("orca3_19x8_a100")
    # bf16 needs a GPU to construct the arguments; the DeepSpeed plumbing is the same in fp32.
    cfg = cfg.model_copy(update={"training": cfg.training.model_copy(update={"precision": "fp32"})})
    args = sft_trainer_config(cfg)
    ds = args.hf_deepspeed_config
    assert ds.is_zero3()
    ds.trainer_config_process(args)  # resolves every "auto" from the training arguments
    assert ds.config["train_micro_batch_size_per_gpu"] == 10
    assert ds.config["optimizer"]["params"]["lr"] == 8e-6
    assert ds.config["optimizer"]["params"]["weight_decay"] == 0.1


def test_dry_run_warns_when_gpu_packing_would_use_dense_attention_masks(tmp_path: Path) -> None:
    pytest.importorskip("accelerate")
    cfg = tmp_path / "sdpa.yaml"
    cfg.write_text(
        "model: {attn_implementation: sdpa}\n"
        "cluster: {num_nodes: 1, gpus_per_node: 8, accelerate_config: accelerate_zero3_1x8.yaml}\n"
        "estimate: {model_params: 7.0e9, num_examples: 1000, mean_tokens_per_example: 1000, "
        "packing_efficiency: 0.95}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["sft", "--config", str(cfg), "--dry-run"])
    assert result.exit_code == 0, result.output
    warning = _values(result.output)["warning"]
    assert "81920 flattened tokens" in warning and "flash_attention_2" in warning
