"""``agentinstruct models``: each role's model, and whether it answers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import dspy
import typer
from rich.table import Table

from agentinstruct.cli_commands.render import console
from core.config import ROLES, load_config
from core.flow.failures import classify, excerpt
from core.lm.roles import build_role_lms


class Ping(dspy.Signature):
    """Answer the question in one short sentence."""

    question: str = dspy.InputField()
    answer: str = dspy.OutputField()


def models(
    config: Annotated[Path | None, typer.Option("--config", help="A RunConfig YAML/JSON.")] = None,
    check: Annotated[bool, typer.Option("--check/--no-check", help="Send one short request per model.")] = True,
) -> None:
    """Show the model of every role and check that each distinct model answers."""
    cfg = load_config(config)
    table = Table(title="models by role")
    for col in ("role", "model", "key from env", "answers", "latency s", "reply / error"):
        table.add_column(col)
    lms = build_role_lms(cfg.models) if check else {}
    checked: dict[int, tuple[str, str, str]] = {}
    failed = False
    for role in ROLES:
        spec = cfg.models.for_role(role)
        status, latency, reply = "-", "-", ""
        if check:
            lm = lms[role]
            if id(lm) not in checked:
                start = time.monotonic()
                try:
                    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
                        answer = dspy.Predict(Ping)(question="What is the capital of France?").answer
                    checked[id(lm)] = ("yes", f"{time.monotonic() - start:.1f}", excerpt(ValueError(answer), 60))
                except Exception as exc:  # noqa: BLE001 - reported in the table with its reason code
                    checked[id(lm)] = ("NO", f"{time.monotonic() - start:.1f}",
                                       f"{classify(exc)}: {excerpt(exc, 80)}")
            status, latency, reply = checked[id(lm)]
            failed |= status == "NO"
        table.add_row(role, spec.model, spec.api_key_env or "-", status, latency, reply)
    console.print(table)
    if failed:
        raise typer.Exit(code=1)
