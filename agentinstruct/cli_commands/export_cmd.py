"""``agentinstruct export RUN... --out DIR``: runs' records -> a HF dataset (disk, parquet, orca), a card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentinstruct.cli_commands.render import console
from agentinstruct.export.formats import ExportFormat


def export(
    run: Annotated[list[Path], typer.Argument(help="One or more run directories.")],
    out: Annotated[Path, typer.Option("--out", help="Directory to write (must be new or empty).")],
    format: Annotated[ExportFormat, typer.Option("--format", help="disk: save_to_disk, one split per skill; "
                                                 "parquet: Hub-style parquet, one split per skill; orca: "
                                                 "parquet in the orca-agentinstruct-1M-v1 layout.")]
    = ExportFormat.parquet,
    push_to_hub: Annotated[str | None, typer.Option("--push-to-hub", help="Also push to this Hub dataset "
                                                    "repo id (e.g. user/name).")] = None,
    token_env: Annotated[str, typer.Option("--token-env", help="Environment variable holding the Hub "
                                           "token (default HF_TOKEN; unset: the saved login).")] = "HF_TOKEN",
    private: Annotated[bool, typer.Option("--private/--public", help="Visibility of a new Hub repo.")] = True,
    card: Annotated[bool, typer.Option("--card/--no-card", help="Write README.md with stats and plots.")]
    = True,
    name: Annotated[str, typer.Option("--name", help="The dataset's pretty name in its card.")]
    = "AgentInstruct synthetic data",
    license: Annotated[str, typer.Option("--license", help="The card's license id.")]
    = "other",
) -> None:
    """Export generated records as a Hugging Face dataset, with a dataset card and plots."""
    from agentinstruct.export.pipeline import export_runs

    try:
        result = export_runs(run, out, format, push_to_hub=push_to_hub, token_env=token_env, private=private,
                             card=card, pretty_name=name, license=license)
    except (ValueError, FileExistsError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"exported {result.records} records to {result.out} ({result.format.value}): "
                  + ", ".join(f"{s}={n}" for s, n in result.splits.items()))
    if result.card:
        console.print(f"dataset card: {result.card}")
    if result.pushed_to:
        console.print(f"pushed to https://huggingface.co/datasets/{result.pushed_to}")
