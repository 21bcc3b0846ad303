"""``agentinstruct models``: each role's model, how it is asked for structured outputs, and whether it
answers under a JSON schema (one probe per distinct model)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agentinstruct.cli_commands.render import console
from core.config import ROLES, load_config
from core.lm.probe import ProbeResult, probe
from core.lm.roles import build_role_lms, dspy_engine
from core.lm.structured import structured_mode


def _yes(flag: bool | None) -> str:
    return "-" if flag is None else "yes" if flag else "NO"


def models(
    config: Annotated[Path | None, typer.Option("--config", help="A RunConfig YAML/JSON.")] = None,
    check: Annotated[bool, typer.Option("--check/--no-check", help="Send one short request per model.")] = True,
) -> None:
    """Show the model of every role, its structured-output mode, and (with --check, the default) whether
    each distinct model answers and honours a JSON schema."""
    cfg = load_config(config)
    table = Table(title="models by role")
    for col in ("role", "model", "engine", "structured output", "answers", "schema honoured", "latency s",
                "reply / error"):
        table.add_column(col, overflow="fold")
    lms = build_role_lms(cfg.models)
    probed: dict[int, ProbeResult] = {}
    failed = False
    for role in ROLES:
        spec, lm = cfg.models.for_role(role), lms[role]
        engine = "embedded" if spec.is_embedded else {"lm15": "native", "litellm": "litellm"}[dspy_engine(spec)]
        mode = structured_mode(lm)
        why = getattr(lm, "structured_output_reason", None) or ("embedded llama.cpp" if spec.is_embedded else "")
        answers = honoured = latency = "-"
        detail = ""
        if check:
            if id(lm) not in probed:
                probed[id(lm)] = probe(lm)
            result = probed[id(lm)]
            answers, honoured = _yes(result.answered), _yes(result.honoured)
            latency, detail = f"{result.latency_s:.1f}", result.detail
            failed |= not result.answered
        table.add_row(role, spec.model, engine, f"{mode} ({why})" if why else mode, answers, honoured, latency,
                      detail)
    console.print(table)
    if failed:
        raise typer.Exit(code=1)
