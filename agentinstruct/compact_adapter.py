"""A plain-language JSON adapter for small models (the embedded SmolLM2-135M by default).

DSPy's ``JSONAdapter`` explains its own message format in the system prompt: field lists, a
``[[ ## field ## ]]`` template and an output object of ``"{field}"`` placeholders. A strong model reads
past it; a 135M-parameter model copies it (measured on the sample seeds: the generator answered
``{task}``, ``task`` or a heading of the passage in most calls). This adapter keeps the signature's
instructions as the whole system prompt, labels the inputs in plain words, and asks for the outputs
by their descriptions, never by their names. The output is still a JSON object with the signature's
fields, decoded under the same JSON schema (``response_format``), so parsing is unchanged.
"""

from __future__ import annotations

import textwrap
from typing import Any

import dspy
from dspy.adapters.utils import format_field_value
from dspy.signatures.signature import Signature


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


class CompactJSONAdapter(dspy.JSONAdapter):
    """``JSONAdapter`` with a short, natural prompt: instructions, labelled inputs, the outputs wanted."""

    def format_system_message(self, signature: type[Signature]) -> str:
        """The signature's instructions, and nothing about the wire format (the grammar enforces it)."""
        return textwrap.dedent(signature.instructions).strip()

    def format_user_message_content(
        self,
        signature: type[Signature],
        inputs: dict[str, Any],
        prefix: str = "",
        suffix: str = "",
        main_request: bool = False,
    ) -> str:
        """Each input as ``Label:`` then its value; the main request ends with what to write."""
        parts = [prefix]
        for name, info in signature.input_fields.items():
            if name in inputs:
                parts.append(f"{_label(name)}:\n{format_field_value(field_info=info, value=inputs[name])}")
        if main_request:
            parts.append(self.user_message_output_requirements(signature))
        parts.append(suffix)
        return "\n\n".join(p for p in parts if p).strip()

    def user_message_output_requirements(self, signature: type[Signature]) -> str:
        """What to write, from the output fields' descriptions (names invite the model to echo them)."""
        wanted = []
        for name, info in signature.output_fields.items():
            desc = (info.json_schema_extra or {}).get("desc") or ""
            wanted.append(desc if desc and not desc.startswith("${") else _label(name))
        if len(wanted) == 1:
            return f"Now write it. {wanted[0]}"
        return "Now write:\n" + "\n".join(f"- {w}" for w in wanted)


def adapter_for(lm: dspy.BaseLM | None) -> dspy.Adapter | None:
    """The adapter ``lm`` needs: compact for the embedded llama.cpp engine; None (the ambient one) otherwise."""
    from agentinstruct.local_engine import LlamaCppEngine

    if isinstance(getattr(lm, "_engine_spec", None), LlamaCppEngine):
        return _COMPACT
    return None


_COMPACT = CompactJSONAdapter()  # stateless: one instance serves every call
