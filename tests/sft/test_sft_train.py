"""Real training on CPU: SFT on the dequantised SmolLM2 (loss falls, model reloads and generates), DPO steps."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sft.cli import app
from sft.config import SFTRunConfig
from sft.gguf import MARKER, convert_gguf

pytest.importorskip("trl")  # the [sft] extra

runner = CliRunner()


@pytest.mark.slow
def test_gguf_conversion_is_cached_and_no_longer_quantized(smollm2_dir: Path) -> None:
    import transformers

    marker = json.loads((smollm2_dir / MARKER).read_text())
    assert marker["gguf"].endswith(".gguf") and len(marker["gguf_sha256"]) == 64
    config = json.loads((smollm2_dir / "config.json").read_text())
    assert "quantization_config" not in config
    start = time.perf_counter()
    result = runner.invoke(app, ["convert-gguf", "--out", str(smollm2_dir)])
    assert result.exit_code == 0, result.output
    assert Path(result.output.strip().splitlines()[-1]) == smollm2_dir
    assert convert_gguf(cache_dir=smollm2_dir.parent.parent) == smollm2_dir  # the default name for this GGUF
    assert time.perf_counter() - start < 10  # cache hits hash the file, they do not convert again
    model = transformers.AutoModelForCausalLM.from_pretrained(str(smollm2_dir))
    assert not getattr(model, "is_quantized", False)
    assert sum(p.numel() for p in model.parameters()) == pytest.approx(134.5e6, rel=0.01)


@pytest.mark.slow
def test_sft_on_smollm2_loss_falls_and_the_model_reloads_and_generates(
    smollm2_dir: Path, tmp_path: Path, kit
) -> None:
    import torch
    import transformers

    from sft.train_sft import train_sft

    run = kit.write_run(tmp_path / "run", kit.make_records(32))
    out = tmp_path / "sft"
    cfg = SFTRunConfig.model_validate(
        {
            "model": {"path": str(smollm2_dir)},
            "data": {"sources": [{"path": str(run)}]},
            "training": {
                "learning_rate": 2e-4,
                "lr_scheduler_type": "constant",
                "warmup_steps": 0,
                "max_steps": 5,
                "per_device_train_batch_size": 1,
                "max_length": 192,
                "precision": "fp32",
                "logging_steps": 1,
                "save_strategy": "no",
            },
            "output_dir": str(out),
        }
    )
    result = train_sft(cfg)
    assert result.global_step == 5 and len(result.losses) == 5
    first, last = result.losses[0], sum(result.losses[-2:]) / 2
    assert last < 0.7 * first, result.losses

    summary = json.loads((out / "agentinstruct_train.json").read_text())
    assert summary["losses"] == result.losses and summary["sources"][0]["used"] == 32

    tok = transformers.AutoTokenizer.from_pretrained(str(out))
    model = transformers.AutoModelForCausalLM.from_pretrained(str(out)).eval()
    assert "generation" in tok.chat_template  # saved with its training template (renders like SmolLM2's)
    prompt = [
        {
            "role": "user",
            "content": "Record 99: the zoo has 3 otters and 4 herons. How many animals in total?",
        }
    ]
    enc = tok.apply_chat_template(prompt, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():
        ids = model.generate(**enc, max_new_tokens=48, do_sample=False)
    reply = tok.decode(ids[0, enc["input_ids"].shape[1] :])
    assert reply.strip() and reply.endswith("<|im_end|>"), reply  # answers and stops
    assert "otters" in reply and "herons" in reply, reply  # learned the records' answer style


@pytest.mark.slow
def test_dpo_steps_raise_the_chosen_margin(tiny_dir: Path, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    lines = []
    for i in range(12):
        lines.append(
            {
                "prompt": [{"role": "user", "content": f"Question {i}: is the sky blue?"}],
                "chosen": [{"role": "assistant", "content": "Yes, on a clear day the sky is blue."}],
                "rejected": [{"role": "assistant", "content": "No. Purple elephants fly at dawn."}],
            }
        )
    pairs.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    config = tmp_path / "dpo.yaml"
    config.write_text(
        "training:\n  learning_rate: 1.0e-3\n  lr_scheduler_type: constant\n  warmup_steps: 0\n"
        "  per_device_train_batch_size: 4\n  max_length: 128\n  precision: fp32\n  logging_steps: 1\n"
        "  save_strategy: 'no'\n",
        encoding="utf-8",
    )
    out = tmp_path / "dpo"
    args = ["dpo", "--config", str(config), "--data", str(pairs), "--model", str(tiny_dir)]
    result = runner.invoke(app, [*args, "--output-dir", str(out), "--max-steps", "4"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "agentinstruct_train.json").read_text())
    assert summary["global_step"] == 4
    losses = summary["losses"]
    assert losses[0] == pytest.approx(0.6931, abs=1e-3)  # log(2): policy == reference at step 1
    assert losses[-1] < losses[0] - 0.1
    margins = [e["rewards/margins"] for e in summary["log_history"] if "rewards/margins" in e]
    assert margins[-1] > margins[0] and margins[-1] > 0
    assert (out / "model.safetensors").is_file()
