"""Checks on chat message lists, shared by SFT records and DPO preference pairs.

``sft`` must not import ``agentinstruct`` (whose package pulls in DSPy), so the record rules of
``core.records.Record`` are restated here for the fields training reads.
"""

from __future__ import annotations

from typing import Any

ROLES = ("system", "user", "assistant")


def clean_messages(raw: Any, where: str, field: str = "messages") -> list[dict[str, str]]:
    """Validate a list of ``{"role", "content"}`` dicts and return it with only those two keys."""
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: '{field}' must be a non-empty list of messages")
    out = []
    for i, msg in enumerate(raw):
        if not isinstance(msg, dict) or "role" not in msg or "content" not in msg:
            raise ValueError(f"{where}: {field}[{i}] must be an object with 'role' and 'content'")
        role, content = msg["role"], msg["content"]
        if role not in ROLES:
            raise ValueError(f"{where}: {field}[{i}] has role {role!r}; expected one of {ROLES}")
        if not isinstance(content, str):
            raise TypeError(f"{where}: {field}[{i}].content must be a string")
        out.append({"role": role, "content": content})
    return out


def check_conversation(messages: list[dict[str, str]], where: str, *, ends_with: str) -> None:
    """A conversation: optional leading system turn, then user/assistant alternating from a user turn.

    ``ends_with`` is ``"assistant"`` for SFT records and ``"user"`` for DPO prompts.
    """
    turns = messages[1:] if messages[0]["role"] == "system" else messages
    if any(m["role"] == "system" for m in turns):
        raise ValueError(f"{where}: a system message is only allowed as the first message")
    if not turns:
        raise ValueError(f"{where}: no user turn after the system message")
    for i, msg in enumerate(turns):
        expected = "user" if i % 2 == 0 else "assistant"
        if msg["role"] != expected:
            raise ValueError(f"{where}: turn {i} is {msg['role']!r}; user and assistant turns must alternate")
        if not msg["content"].strip():
            raise ValueError(f"{where}: turn {i} ({msg['role']}) is empty")
    if turns[-1]["role"] != ends_with:
        raise ValueError(f"{where}: the conversation must end with a {ends_with} turn")


def check_replies(messages: list[dict[str, str]], where: str, field: str) -> None:
    """A DPO reply: one or more non-empty assistant messages."""
    for i, msg in enumerate(messages):
        if msg["role"] != "assistant":
            raise ValueError(f"{where}: {field}[{i}] must be an assistant message, got {msg['role']!r}")
        if not msg["content"].strip():
            raise ValueError(f"{where}: {field}[{i}] is empty")
