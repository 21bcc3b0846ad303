"""Run configs: the shipped default is the paper's recipe; bad configs fail naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from sft.config import DPORunConfig, SFTRunConfig, SFTTrainingConfig, load_dpo_config, load_sft_config
from sft.overrides import apply_overrides, parse_source
from sft.resources import shipped_names


def test_shipped_default_is_the_paper_recipe() -> None:
    t = load_sft_config().training  # sft_default.yaml
    assert t.optim.startswith("adamw")
    assert t.learning_rate == 8e-6
    assert t.lr_scheduler_type == "cosine"
    assert t.warmup_steps == 500
    assert t.weight_decay == 0.1
    assert t.num_train_epochs == 3
    assert t.per_device_train_batch_size == 10
    assert t.max_length == 8192
    assert (t.packing, t.packing_strategy, t.loss) == (True, "bfd", "assistant_only")
    # The YAML and the pydantic defaults say the same thing.
    assert t == SFTTrainingConfig()


def test_every_shipped_run_config_loads() -> None:
    names = shipped_names("configs")
    assert {"sft_default", "orca3_19x8_a100", "sft_1x8_zero3", "dpo_default", "ds_zero3"} <= set(names)
    for name in names:
        if name.startswith("dpo"):
            assert isinstance(load_dpo_config(name), DPORunConfig)
        elif name.startswith(("sft", "orca3")):
            assert isinstance(load_sft_config(name), SFTRunConfig)


def test_paper_config_describes_152_gpus() -> None:
    cfg = load_sft_config("orca3_19x8_a100")
    assert cfg.cluster.world_size == 152
    assert cfg.cluster.deepspeed_config == "ds_zero3.json"


def test_unknown_key_is_rejected_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("training:\n  learning_rate: 1.0e-5\n  lr_shedule: cosine\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"(?s)bad\.yaml.*lr_shedule"):
        load_sft_config(bad)


def test_non_mapping_and_missing_configs_fail_clearly(tmp_path: Path) -> None:
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(TypeError, match=r"list\.yaml: a run config must be a YAML mapping"):
        load_sft_config(listy)
    with pytest.raises(FileNotFoundError, match="neither an existing file nor a shipped config"):
        load_sft_config("no_such_config")


def test_overrides_parse_weighted_sources_and_revalidate() -> None:
    assert parse_source("runs/a@0.5") == {"path": "runs/a", "weight": 0.5}
    assert parse_source("me@host/run") == {"path": "me@host/run", "weight": 1.0}
    cfg = apply_overrides(
        load_sft_config(), model="m", data=["a", "b@2"], max_steps=3, min_score=7, score_keys=["judge"]
    )
    assert [(str(s.path), s.weight) for s in cfg.data.sources] == [("a", 1.0), ("b", 2.0)]
    assert cfg.training.max_steps == 3
    assert cfg.data.score_filter is not None and cfg.data.score_filter.min_score == 7
    with pytest.raises(ValueError, match="weight"):
        apply_overrides(load_sft_config(), data=["a@-1"])
    with pytest.raises(ValueError, match="SFT records only"):
        apply_overrides(load_dpo_config(), min_score=3)


def test_importing_sft_pulls_in_neither_dspy_nor_the_training_stack() -> None:
    import subprocess
    import sys

    modules = (
        "sft, sft.cli, sft.dryrun, sft.train_sft, sft.train_dpo, sft.data, sft.gguf, sft.measure, sft.launch"
    )
    code = (
        f"import sys, {modules}\n"
        "heavy = ('dspy', 'torch', 'transformers', 'trl', 'deepspeed', 'datasets', 'accelerate')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
