"""How a command ends: one table of exit codes, and errors as one line (a traceback only with ``--verbose``).

- 0: finished; failed units (if any) within ``--max-failure-rate``
- 1: internal error (a bug: run with ``--verbose`` for the traceback)
- 2: usage, config or input error, found before any LLM call (bad option, invalid config or compiled file,
  unusable ``--out``, no usable seed); nothing was spent
- 3: stopped early by a budget (``--max-calls``, ``--max-cost``); resumable with ``--resume``
- 4: finished, but more units failed than ``--max-failure-rate`` allows (see failures.jsonl)
- 5: stopped by the provider: authentication or quota, or the same non-retryable error (400, 404) in unit
  after unit, or a server that refuses connections; resumable once fixed
- 130: stopped by SIGINT (Ctrl-C); resumable
- 143: stopped by SIGTERM; resumable

A user-facing error (``USER_ERRORS``) prints ``error: <message>`` (the message names the file and the field,
never a value, and is redacted besides) and exits 2.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from typing import Any

import click
import pydantic
import typer
from rich.console import Console
from rich.markup import escape

from agentinstruct.engine.resume import ResumeMismatch
from agentinstruct.engine.rundir import RunDirError
from core.config import ConfigError, validation_fields
from core.redact import redact
from core.safe_text import escape_controls
from core.seeds import SeedError
from core.summary import RunSummary
from core.taxonomy import SkillError
from programs.compiled import CompiledStateError

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_BUDGET, EXIT_FAILURES, EXIT_PROVIDER = 0, 1, 2, 3, 4, 5
EXIT_SIGINT, EXIT_SIGTERM = 130, 143

USER_ERRORS: tuple[type[BaseException], ...] = (
    ConfigError, CompiledStateError, SkillError, RunDirError, ResumeMismatch, SeedError, FileNotFoundError,
    NotADirectoryError, IsADirectoryError, PermissionError, pydantic.ValidationError,
)

STOP_CODES = {"SIGINT": EXIT_SIGINT, "SIGTERM": EXIT_SIGTERM, "budget": EXIT_BUDGET, "auth": EXIT_PROVIDER,
              "provider_fatal": EXIT_PROVIDER, "unreachable": EXIT_PROVIDER}

console = Console(stderr=True)
log = logging.getLogger(__name__)
_state = {"verbose": False}


def set_verbose(verbose: bool) -> None:
    """Whether errors come with their traceback (the root ``--verbose`` option)."""
    _state["verbose"] = verbose


def message_of(exc: BaseException) -> str:
    """An error's message for the terminal: fields without values, redacted, control characters escaped."""
    text = f"invalid settings: {validation_fields(exc)}" if isinstance(exc, pydantic.ValidationError) else str(exc)
    return escape_controls(redact(text))


def _report(prefix: str, exc: BaseException) -> None:
    console.print(f"[bold red]{prefix}:[/bold red] {escape(message_of(exc))}", highlight=False)
    if _state["verbose"]:
        console.print(escape(redact("".join(traceback.format_exception(exc)))), highlight=False)
    elif prefix != "error":
        console.print("(run `agentinstruct --verbose ...` for the traceback)")


def guarded(command: Callable[..., Any]) -> Callable[..., Any]:
    """A command whose errors end the process with the table's code and one line, not a traceback."""
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, click.exceptions.ClickException, click.exceptions.Abort):
            raise
        except USER_ERRORS as exc:
            _report("error", exc)
            raise typer.Exit(code=EXIT_USAGE) from None
        except KeyboardInterrupt:
            console.print("interrupted")
            raise typer.Exit(code=EXIT_SIGINT) from None
        except Exception as exc:  # reported with its type, exit 1
            log.debug("internal error", exc_info=True)
            _report(f"internal error ({type(exc).__name__})", exc)
            raise typer.Exit(code=EXIT_INTERNAL) from None

    return run


def run_exit_code(summary: RunSummary, max_failure_rate: float, seeds: object = None) -> tuple[int, str | None]:
    """The exit code of a generation run and, when it is not 0, the line that says why."""
    if summary.stopped_early:
        kind = summary.stopped_early.split(":", 1)[0].strip()
        code = STOP_CODES.get(kind, EXIT_BUDGET)
        return code, f"stopped early ({escape_controls(summary.stopped_early)[:300]}); exit code {code}"
    if summary.seeds_loaded == 0:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(summary.rejects_by_reason.items())) or "no input found"
        where = f" under {escape_controls(str(seeds))}" if seeds is not None else ""
        return EXIT_USAGE, (f"no usable seed{where}: {summary.seeds_rejected} input(s) not used ({reasons}); "
                            f"see {summary.run_dir}/rejects.jsonl")
    ran = summary.units_done + summary.units_failed
    if ran and summary.units_failed / ran > max_failure_rate:
        return EXIT_FAILURES, (f"{summary.units_failed} of {ran} units failed (over --max-failure-rate "
                               f"{max_failure_rate:g}); see {summary.run_dir}/failures.jsonl")
    return EXIT_OK, None
