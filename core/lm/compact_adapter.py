"""A plain-language JSON adapter for small models (the embedded SmolLM2-135M by default).

DSPy's ``JSONAdapter`` explains its own message format in the system prompt: field lists, a
``[[ ## field ## ]]`` template and an output object of ``"{field}"`` placeholders. A strong model reads
past it; a 135M-parameter model copies it (measured on the sample seeds: the generator answered
``{task}``, ``task`` or a heading of the passage in most calls). This adapter keeps the signature's
instructions as the whole system prompt, labels the inputs in plain words, and ends with a plain
request ("Write the passage now."; several outputs are listed by their descriptions). The output is still
a JSON object with the signature's fields, decoded under the same JSON schema (``response_format``), so
parsing is unchanged.

The schema also carries length floors for the flow's free-text outputs (``MIN_CHARS``): a 135M model
under a grammar often closes a passage after a heading or an echo of the request ("The transformed
passage."), an output the flow's validation rejects anyway. Decoding under the floor makes it keep
writing instead (measured on 16 transformation calls over the sample seeds, with the engine's repeat
penalty: usable transformations 3/16 -> 13/16).
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Mapping
from typing import Any

import dspy
from dspy.adapters.utils import format_field_value
from dspy.signatures.signature import Signature

from core.dspy_internals import ResponseFormatHook, engine_spec

log = logging.getLogger(__name__)

MIN_CHARS: Mapping[str, int] = {
    "passage": 200, "modified_passage": 200,      # a passage worth teaching from (validation: >= 25 words)
    "task": 40, "modified_instruction": 40,       # a full instruction, not a heading or a field name
    "response": 40, "user_turn": 20,              # an answer or a conversational turn
    "suggestions": 20,                            # each suggestion (array items)
}
"""Minimum characters per output field name, enforced by the grammar (``minLength``) on the embedded model."""


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


class CompactJSONAdapter(ResponseFormatHook):
    """``JSONAdapter`` with a short, natural prompt: instructions, labelled inputs, the outputs wanted."""

    min_chars: Mapping[str, int] = MIN_CHARS

    def adjust_response_format(self, lm_kwargs: dict[str, Any]) -> None:
        """JSONAdapter's schema with the length floors of ``min_chars`` added (if the schema changes shape,
        the floors are skipped with a warning and outputs are still schema-checked)."""
        fmt = lm_kwargs.get("response_format")
        if not callable(getattr(fmt, "model_json_schema", None)):
            return
        floored = _FLOORED.get(fmt)
        if floored is None:
            try:
                schema = with_floors(fmt.model_json_schema(), self.min_chars)
            except (AttributeError, TypeError) as exc:
                log.warning("length floors skipped: unexpected schema shape (%s)", exc)
                return
            # A subclass of its own: DSPy's model may be shared (memoized), so it is never mutated here.
            floored = type(fmt.__name__, (fmt,), {})
            floored.model_json_schema = lambda *args, **kwargs: schema
            _FLOORED[fmt] = floored
        lm_kwargs["response_format"] = floored

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
        """What to write: one output by its plain name ("Write the passage now."); several by their
        descriptions. A single output's description at the end of the prompt was echoed as the answer
        ("The transformed passage."); measured on the sample seeds, usable transformations went 13/16 ->
        15/16 and usable instructions 24/32 -> 28/32 with the plain request."""
        if len(signature.output_fields) == 1:
            return f"Write the {_label(next(iter(signature.output_fields))).lower()} now."
        wanted = []
        for name, info in signature.output_fields.items():
            desc = (info.json_schema_extra or {}).get("desc") or ""
            wanted.append(desc if desc and not desc.startswith("${") else _label(name))
        return "Now write:\n" + "\n".join(f"- {w}" for w in wanted)


def with_floors(schema: dict, floors: Mapping[str, int]) -> dict:
    """A copy of an output schema whose top-level string (or string-array item) properties named in
    ``floors`` carry ``minLength``."""
    out = dict(schema)
    props = {name: dict(prop) for name, prop in schema.get("properties", {}).items()}
    for name, prop in props.items():
        floor = floors.get(name)
        if not floor:
            continue
        if prop.get("type") == "string":
            prop["minLength"] = max(floor, prop.get("minLength", 0))
        elif prop.get("type") == "array" and (prop.get("items") or {}).get("type") == "string":
            prop["items"] = {**prop["items"], "minLength": max(floor, prop["items"].get("minLength", 0))}
    out["properties"] = props
    return out


def wants_compact_prompts(lm: dspy.BaseLM | None) -> bool:
    """Whether ``lm`` or its engine asks for the compact adapter (``compact_prompts = True``: the embedded
    llama.cpp engine, wrappers that forward its hints, like a compile's metered engine, and a remote model
    configured with ``compact_prompts: true``, e.g. the same small model behind a server)."""
    return bool(getattr(engine_spec(lm), "compact_prompts", False) or getattr(lm, "compact_prompts", False))


def adapter_for(lm: dspy.BaseLM | None) -> dspy.Adapter | None:
    """The adapter ``lm`` needs: compact for the embedded llama.cpp engine; None (the ambient one) otherwise."""
    return _COMPACT if wants_compact_prompts(lm) else None


_COMPACT = CompactJSONAdapter()  # stateless: one instance serves every call
_FLOORED: dict[type, type] = {}
"""DSPy's structured-output model -> the same with ``MIN_CHARS`` floors (built once per signature)."""
