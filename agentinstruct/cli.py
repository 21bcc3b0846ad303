"""The ``agentinstruct`` command line: an explicit list of commands, each a thin call into the API."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.console import Console

from agentinstruct.cli_commands import (
    arena_cmd,
    compile_cmd,
    eval_cmd,
    export_cmd,
    generate_cmd,
    models_cmd,
    report_cmd,
    skills_cmd,
    tune_cmd,
    view_cmd,
)
from agentinstruct.cli_commands.errors import guarded, set_verbose
from core.safe_text import SafeFormatter
from sft.cli import app as train_app

app = typer.Typer(
    name="agentinstruct",
    help="AgentInstruct as a DSPy program suite: raw documents in, post-training data out.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at INFO level; errors come with their "
                                          "traceback.")] = False,
) -> None:
    handler = logging.StreamHandler()  # one log record, one line: names and excerpts are escaped
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
    set_verbose(verbose)


COMMANDS = [
    ("generate", generate_cmd.generate),
    ("models", models_cmd.models),
    ("skills", skills_cmd.skills),
    ("report", report_cmd.report),
    ("export", export_cmd.export),
    ("compile", compile_cmd.compile),
    ("tune", tune_cmd.tune),
    ("view", view_cmd.view),
]
for _name, _fn in COMMANDS:
    app.command(_name)(guarded(_fn))  # errors: one line and an exit code (agentinstruct.cli_commands.errors)


# ``agentinstruct train ...`` comes from ``sft.cli``; its heavy imports (torch, trl) stay lazy.
app.add_typer(train_app, name="train", help="Fine-tune a student on generated data (SFT, DPO).")
app.add_typer(arena_cmd.app, name="arena", help="Arena Learning: battles, ratings, mining, the loop.")
app.add_typer(eval_cmd.app, name="eval", help="Evaluate students: benchmarks, Orca-Bench, reports.")


def main() -> None:
    """Entry point of the ``agentinstruct`` script."""
    app()


if __name__ == "__main__":
    main()
