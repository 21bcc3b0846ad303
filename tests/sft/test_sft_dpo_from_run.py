"""``agentinstruct train dpo --data RUN_DIR``: a run's preferences.jsonl (responses_per_item: 2) trains on CPU."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from judged_items import preference_lm
from typer.testing import CliRunner

from sft.cli import app
from sft.preference_data import resolve_preference_source

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "seeds"


def _judged_run(tmp_path: Path) -> Path:
    from agentinstruct import RunConfig, generate
    from core.config import GenerationConfig, QualityConfig

    cfg = RunConfig(generation=GenerationConfig(responses_per_item=2, refinement_rounds=0),
                    quality=QualityConfig(dedup=False))
    generate(EXAMPLES, tmp_path / "run", config=cfg, lms=preference_lm(), limit=2, compiled_dir=None)
    return tmp_path / "run"


def test_a_run_dir_means_its_preference_pairs_and_a_run_without_them_is_named(tmp_path):
    run = _judged_run(tmp_path)
    assert resolve_preference_source(run).files == (run / "preferences.jsonl",)
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "ledger.sqlite").write_bytes(b"")
    with pytest.raises(ValueError, match="responses_per_item"):
        resolve_preference_source(tmp_path / "plain")


@pytest.mark.slow
def test_train_dpo_runs_a_few_cpu_steps_on_a_generated_run(tiny_dir: Path, tmp_path: Path) -> None:
    run = _judged_run(tmp_path)
    pairs = (run / "preferences.jsonl").read_text().splitlines()
    assert len(pairs) >= 2
    config = tmp_path / "dpo.yaml"
    config.write_text("training:\n  learning_rate: 1.0e-3\n  lr_scheduler_type: constant\n  warmup_steps: 0\n"
                      "  per_device_train_batch_size: 2\n  max_length: 256\n  precision: fp32\n  logging_steps: 1\n"
                      "  save_strategy: 'no'\n", encoding="utf-8")
    out = tmp_path / "dpo"
    result = CliRunner().invoke(app, ["dpo", "--config", str(config), "--data", str(run), "--model", str(tiny_dir),
                                      "--output-dir", str(out), "--max-steps", "3"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "agentinstruct_train.json").read_text())
    assert summary["global_step"] == 3 and summary["sources"][0]["read"] == len(pairs)
    assert summary["losses"][0] == pytest.approx(0.6931, abs=1e-3)  # log 2: policy == reference at step 1
