"""``agentinstruct train``: SFT, DPO and GGUF conversion commands (a typer app; the lead mounts it).

Also runnable as ``python -m sft.cli`` (which is what ``accelerate launch -m sft.cli`` starts on each GPU).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sft.config import load_dpo_config, load_sft_config
from sft.overrides import apply_overrides
from sft.resources import resolve, shipped_names

if TYPE_CHECKING:
    from sft.train_sft import TrainResult

app = typer.Typer(
    help="Fine-tune a student on generated data: SFT, DPO, model conversion.", no_args_is_help=True
)

ConfigOpt = Annotated[
    str | None, typer.Option("--config", help="Run config: a YAML path or a shipped name (see `configs`).")
]
DataOpt = Annotated[
    list[str] | None,
    typer.Option("--data", help="Run dir, .jsonl file/dir or saved dataset; PATH@WEIGHT to mix. Repeatable."),
]
ModelOpt = Annotated[
    str | None, typer.Option("--model", help="Local model directory, or `embedded` for SmolLM2-135M.")
]
OutOpt = Annotated[Path | None, typer.Option("--output-dir", help="Where the trained model is saved.")]
StepsOpt = Annotated[int | None, typer.Option("--max-steps", help="Stop after this many optimizer steps.")]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="Validate and print the estimate; train nothing.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log at INFO level.")]


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(code=2) from exc


def _run_training(work: Callable[[], TrainResult | None]) -> None:
    """Run a training command's ``work``: a bad config or input exits with code 2; a finished run
    (``None`` for a dry run) prints its steps, final loss and output directory."""
    try:
        result = work()
    except (ValueError, TypeError, FileNotFoundError, ImportError) as exc:
        _fail(exc)
    if result is None:
        return
    typer.echo(f"steps={result.global_step}")
    typer.echo(f"final_loss={result.losses[-1] if result.losses else 'n/a'}")
    typer.echo(f"output_dir={result.output_dir}")


def _worker_args(
    config: str | None, data: list[str] | None, model: str | None, output_dir: Path | None
) -> list[str]:
    """The arguments each launched process gets (paths made absolute: workers may start elsewhere)."""
    args = ["--config", str(resolve("configs", config or "sft_default").resolve())]
    for spec in data or []:
        args += ["--data", spec]
    if model is not None:
        args += ["--model", model]
    if output_dir is not None:
        args += ["--output-dir", str(output_dir)]
    return args


@app.command("sft")
def sft_command(
    config: ConfigOpt = None,
    data: DataOpt = None,
    model: ModelOpt = None,
    output_dir: OutOpt = None,
    max_steps: StepsOpt = None,
    min_score: Annotated[float | None, typer.Option("--min-score", help="Drop records scored below.")] = None,
    score_key: Annotated[list[str] | None, typer.Option("--score-key", help="Score(s) to filter on.")] = None,
    dry_run: DryOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Supervised fine-tuning with TRL's SFTTrainer (packed, loss on assistant turns only)."""
    _setup_logging(verbose)

    def work():
        cfg = apply_overrides(
            load_sft_config(config),
            model=model,
            data=data,
            output_dir=output_dir,
            max_steps=max_steps,
            min_score=min_score,
            score_keys=score_key,
        )
        if dry_run:
            from sft.dryrun import dry_run as run_dry

            for line in run_dry(cfg, _worker_args(config, data, model, output_dir)):
                typer.echo(line)
            return None
        from sft.train_sft import train_sft

        return train_sft(cfg)

    _run_training(work)


@app.command("dpo")
def dpo_command(
    config: ConfigOpt = None,
    data: DataOpt = None,
    model: ModelOpt = None,
    output_dir: OutOpt = None,
    max_steps: StepsOpt = None,
    dry_run: DryOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Direct preference optimisation with TRL's DPOTrainer on prompt/chosen/rejected pairs."""
    _setup_logging(verbose)

    def work():
        cfg = apply_overrides(
            load_dpo_config(config), model=model, data=data, output_dir=output_dir, max_steps=max_steps
        )
        if dry_run:
            from sft.launch import validate_cluster
            from sft.preference_data import load_preference_dataset

            for line in validate_cluster(cfg.cluster, cfg.training):
                typer.echo(line)
            _, stats = load_preference_dataset(cfg.data)
            for s in stats:
                typer.echo(f"source={s.path} pairs={s.read} used={s.used} weight={s.weight:g}")
            return None
        from sft.train_dpo import train_dpo

        return train_dpo(cfg)

    _run_training(work)


@app.command("convert-gguf")
def convert_gguf_command(
    out: Annotated[Path | None, typer.Option("--out", help="Target dir (default: the cache).")] = None,
    gguf: Annotated[
        Path | None, typer.Option("--gguf", help="A .gguf file (default: embedded SmolLM2).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Convert again even if cached.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Dequantise a GGUF into a trainable Hugging Face model directory (cached); print its path."""
    _setup_logging(verbose)
    from sft.gguf import convert_gguf

    try:
        path = convert_gguf(gguf, out, force=force)
    except (ValueError, TypeError, FileNotFoundError, ImportError, RuntimeError) as exc:
        _fail(exc)
    typer.echo(str(path))


@app.command("configs")
def configs_command() -> None:
    """List the shipped run, accelerate and DeepSpeed configs with their paths."""
    for name in shipped_names("configs"):
        typer.echo(f"{name}={resolve('configs', name)}")


if __name__ == "__main__":
    app()
