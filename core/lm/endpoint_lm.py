"""``EndpointLM``: the ``dspy.LM`` of a remote model: limits and retries (``LimitedLM``), one explicit
structured-output mode (``core.lm.structured``), and a refused connection reported as such
(``core.lm.unreachable``)."""

from __future__ import annotations

from typing import Any

from dspy.lm15 import Request, Response

from core.lm.limited_lm import LimitedLM
from core.lm.structured import CATALOG, ModeChoice, wire_kwargs, wire_request
from core.lm.unreachable import EndpointUnreachable, is_unreachable


class EndpointLM(LimitedLM):
    """A ``LimitedLM`` asked for structured outputs in ``structured_output`` mode."""

    def __init__(self, model: str, *, structured_output: ModeChoice, compact_prompts: bool = False, **kwargs: Any):
        super().__init__(model, **kwargs)
        self.compact_prompts = compact_prompts
        """Whether its prompts go through the compact adapter (``core.lm.compact_adapter.wants_compact_prompts``)."""
        choice = structured_output
        if choice.mode == CATALOG:
            catalog = LimitedLM.supports_response_schema.fget(self)
            choice = ModeChoice("json_schema" if catalog else "prompt",
                                f"{choice.reason}: {'takes a' if catalog else 'no'} JSON schema")
        self.structured_output = choice.mode
        """``json_schema``, ``json_object`` or ``prompt`` (see ``core.lm.structured``)."""
        self.structured_output_reason = choice.reason

    @property
    def supports_response_schema(self) -> bool:
        """Always: the adapter builds the schema, and ``wire_request`` shapes it for the server (or the prompt)."""
        return True

    @property
    def supported_params(self) -> set[str]:
        return set(LimitedLM.supported_params.fget(self)) | {"response_format"}

    def __call__(self, prompt=None, *, messages=None, **kwargs):
        """One call (limited and retried), its structured-output request shaped for the server."""
        if isinstance(prompt, Request):
            prompt = wire_request(prompt, self.structured_output)
        elif kwargs.get("response_format"):
            if prompt is not None and messages is None:
                messages, prompt = [{"role": "user", "content": prompt}], None
            messages, kwargs = wire_kwargs(messages, kwargs, self.structured_output)
        try:
            return super().__call__(prompt, messages=messages, **kwargs)
        except Exception as exc:
            if is_unreachable(exc):
                raise EndpointUnreachable(self.model, self.kwargs.get("api_base"), exc) from exc
            raise

    def complete_request(self, request: Request) -> Response:
        """The middleware's call (``LimitedLM.complete_request``), shaped for the server as ``__call__`` does."""
        try:
            return super().complete_request(wire_request(request, self.structured_output))
        except Exception as exc:
            if is_unreachable(exc):
                raise EndpointUnreachable(self.model, self.kwargs.get("api_base"), exc) from exc
            raise
