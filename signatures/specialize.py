"""Specialise a generic signature for one agent of a skill."""

from __future__ import annotations

import dspy


def specialize(signature: type[dspy.Signature], agent_prose: str) -> type[dspy.Signature]:
    """The signature with the agent's prose (from its skill YAML) appended to the generic instructions."""
    return signature.with_instructions(f"{signature.instructions.strip()}\n\n{agent_prose.strip()}")
