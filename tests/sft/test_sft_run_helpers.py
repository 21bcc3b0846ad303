"""The pieces SFT and DPO share: trainer inputs (config before data) and train-save-summarise."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from sft.config import load_dpo_config, load_sft_config
from sft.train_sft import SUMMARY, train_and_save
from sft.trainer_args import trainer_inputs


class FakeTrainer:
    """What ``train_and_save`` asks of a TRL trainer."""

    def __init__(self, main: bool = True):
        self.main, self.saved = main, []
        self.state = SimpleNamespace(global_step=0, log_history=[])

    def train(self):
        self.state.global_step = 2
        self.state.log_history = [{"loss": 1.5, "step": 1}, {"loss": 0.5, "step": 2}]
        return SimpleNamespace(metrics={"train_runtime": 0.1})

    def save_model(self, path: str) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)  # as TRL does
        self.saved.append(path)

    def is_world_process_zero(self) -> bool:
        return self.main


def test_train_and_save_serves_sft_and_dpo_alike(tmp_path: Path):
    for load in (load_sft_config, load_dpo_config):
        cfg = load().model_copy(update={"output_dir": tmp_path / load.__name__})
        trainer = FakeTrainer()
        result = train_and_save(trainer, [], cfg)
        assert trainer.saved == [str(cfg.output_dir)] and result.output_dir == cfg.output_dir
        assert result.global_step == 2 and result.losses == [1.5, 0.5]
        summary = json.loads((cfg.output_dir / SUMMARY).read_text())
        assert summary["config"]["output_dir"] == str(cfg.output_dir)
    quiet = load_sft_config().model_copy(update={"output_dir": tmp_path / "rank1"})
    train_and_save(FakeTrainer(main=False), [], quiet)
    assert not (tmp_path / "rank1" / SUMMARY).exists()  # only the main process writes the summary


def test_trainer_inputs_build_the_config_before_loading_the_data(tmp_path: Path):
    (tmp_path / "config.json").write_text("{}")
    cfg = load_sft_config().model_copy(update={"model": load_sft_config().model.model_copy(
        update={"path": str(tmp_path)})})
    order = []

    class Args:
        @contextmanager
        def main_process_first(self, desc: str):
            order.append(f"main first: {desc}")
            yield

    def config(c):
        order.append("config")
        return Args()

    def load(data):
        order.append("load")
        return ["row"], ["stats"]

    model_dir, args, dataset, stats = trainer_inputs(cfg, config, load, "loading records")
    assert model_dir == tmp_path and isinstance(args, Args) and (dataset, stats) == (["row"], ["stats"])
    assert order == ["config", "main first: loading records", "load"]
    order.clear()
    assert trainer_inputs(cfg, config, load, "x", dataset=["given"])[2:] == (["given"], [])
    assert order == ["config"]


def test_sft_and_dpo_commands_report_a_run_and_refuse_a_bad_config(monkeypatch, tmp_path: Path):
    from typer.testing import CliRunner

    from sft.cli import app
    from sft.train_sft import TrainResult

    def fake(cfg):
        return TrainResult(Path(cfg.output_dir), 3, [{"loss": 0.25}])

    monkeypatch.setattr("sft.train_sft.train_sft", fake)
    monkeypatch.setattr("sft.train_dpo.train_dpo", fake)
    for command in ("sft", "dpo"):
        out = tmp_path / command
        result = CliRunner().invoke(app, [command, "--output-dir", str(out)])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines() == ["steps=3", "final_loss=0.25", f"output_dir={out}"]
        bad = CliRunner().invoke(app, [command, "--config", str(tmp_path / "missing.yaml")])
        assert bad.exit_code == 2 and "error:" in bad.output
