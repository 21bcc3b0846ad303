"""The tool-use trace protocol of the paper (section 2.3): render, parse and validate.

An assistant turn ends with one action block::

    ACTION_TYPE : API_CALL
    ACTION: name(parameter_name=value, another_parameter_name=value)

or, to end the process, ``ACTION_TYPE : STOP`` with ``ACTION: FINAL_ANSWER(value)`` or
``ACTION: FAILED(reason)``. The simulated API result of a call comes back as the next user turn. Values are
written as JSON literals, so a rendered trace parses back to the same calls.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

from programs.special.api_schema import call_problems
from signatures.types import ApiSpec, ToolAction

STOP_KINDS = ("FINAL_ANSWER", "FAILED")
_BLOCK = re.compile(r"ACTION_TYPE\s*:\s*(\w+)\s*\n\s*ACTION\s*:\s*(.+?)\s*(?:```|$)", re.DOTALL)


class TraceError(ValueError):
    """A trace breaks the protocol or the API schemas; ``reason`` is a failure reason code."""

    def __init__(self, detail: str, reason: str = "validation"):
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class ApiCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Stop:
    kind: str
    value: str


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def render_action(action: ToolAction) -> str:
    """The action block of a typed action (``TraceError`` for a STOP that is neither kind)."""
    if action.action_type == "STOP":
        if action.name not in STOP_KINDS:
            raise TraceError(f"STOP action must be FINAL_ANSWER or FAILED, got {action.name!r}")
        return f"ACTION_TYPE : STOP\nACTION: {action.name}({_literal(action.value)})"
    args = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in action.kwargs.items())
    return f"ACTION_TYPE : API_CALL\nACTION: {action.name.strip()}({args})"


def render_step(message: str, action: ToolAction) -> str:
    """An assistant turn: its message, then the action block in a markdown fence."""
    block = f"```markdown\n{render_action(action)}\n```"
    return f"{message.strip()}\n\n{block}" if message.strip() else block


def _split_args(text: str) -> list[str]:
    """Split ``a=1, b=[1, 2], c="x, y"`` at top-level commas."""
    parts, depth, quote, start, i = [], 0, None, 0, 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    if quote or depth:
        raise TraceError(f"unbalanced quotes or brackets in arguments: {text[:80]!r}", "parse")
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError) as exc:
        raise TraceError(f"argument value is not a literal: {text[:60]!r}", "parse") from exc


def parse_action(text: str) -> ApiCall | Stop:
    """The one action of an assistant turn (``TraceError`` when there is none, or more than one)."""
    blocks = _BLOCK.findall(text)
    if len(blocks) != 1:
        raise TraceError(f"an assistant turn needs exactly one action block, found {len(blocks)}", "parse")
    action_type, action = blocks[0]
    head, paren, rest = action.partition("(")
    if not paren or not rest.rstrip().endswith(")"):
        raise TraceError(f"ACTION must look like name(...): {action[:80]!r}", "parse")
    name, inner = head.strip(), rest.rstrip()[:-1].strip()
    if action_type == "STOP":
        if name not in STOP_KINDS:
            raise TraceError(f"STOP action must be FINAL_ANSWER or FAILED, got {name!r}")
        value = _value(inner) if inner.startswith(('"', "'")) else inner
        return Stop(name, str(value))
    if action_type != "API_CALL":
        raise TraceError(f"unknown ACTION_TYPE {action_type!r}", "parse")
    arguments = {}
    for part in _split_args(inner):
        key, eq, value = part.partition("=")
        if not eq or not key.strip().isidentifier():
            raise TraceError(f"argument must be name=value: {part[:60]!r}", "parse")
        if key.strip() in arguments:
            raise TraceError(f"argument {key.strip()!r} given twice")
        arguments[key.strip()] = _value(value.strip())
    return ApiCall(name, arguments)


@dataclass(frozen=True)
class TraceSummary:
    calls: list[ApiCall]
    stop: Stop


def validate_trace(messages: list[dict[str, str]], apis: list[ApiSpec], expected_stop: str | None = None,
                   min_calls: int = 0) -> TraceSummary:
    """Check a whole trace: turn order, one action per assistant turn, every call against the schemas,
    an API result after every call, and a STOP at the end of the expected kind."""
    turns = [m for m in messages if m["role"] != "system"]
    if len(turns) < 2 or turns[0]["role"] != "user":
        raise TraceError("a trace starts with the user's task and has at least one assistant turn")
    for i, turn in enumerate(turns):
        if turn["role"] != ("user" if i % 2 == 0 else "assistant"):
            raise TraceError(f"turn {i} should be a {'user' if i % 2 == 0 else 'assistant'} turn")
    if turns[-1]["role"] != "assistant":
        raise TraceError("a trace must end with the assistant's STOP")
    actions = [parse_action(t["content"]) for t in turns if t["role"] == "assistant"]
    *steps, last = actions
    if not isinstance(last, Stop):
        raise TraceError("the last assistant turn must be a STOP")
    calls = []
    for step in steps:
        if isinstance(step, Stop):
            raise TraceError("a STOP may only end the trace")
        problems = call_problems(apis, step.name, step.arguments)
        if problems:
            raise TraceError("; ".join(problems))
        calls.append(step)
    if expected_stop and last.kind != expected_stop:
        raise TraceError(f"the task calls for a {expected_stop} stop, the trace ends with {last.kind}")
    if len(calls) < min_calls:
        raise TraceError(f"{last.kind} after {len(calls)} API call(s); the task needs at least {min_calls}")
    if not last.value.strip():
        raise TraceError(f"{last.kind} needs a value")
    return TraceSummary(calls, last)
