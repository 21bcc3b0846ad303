"""Failure taxonomy: every failed step is recorded with a reason code and a short excerpt."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from core.records import Scores
from core.redact import redact
from core.safe_text import escape_controls

REASONS = (
    "parse", "refusal", "truncation", "content_filter", "timeout", "rate_limit", "auth",
    "validation", "sandbox", "seed", "provider", "budget", "stopped", "internal", "check", "judge",
    # model outputs refused by the checks (core.lm.metered, programs.output_checks)
    "ambiguous", "degenerate", "secret", "injection", "untrusted_url", "edit_noop", "drift", "too_long",
    # a request the provider refuses as such (400 invalid parameter, 404 model not found): retrying cannot help
    "invalid_request",
    # an endpoint that still refuses connections after the retries (a server down): the run stops resumably
    "unreachable",
)

# DSPy / LiteLLM / engine exception class names -> reason code (matched by name: no SDK imports).
_BY_CLASS = {
    "AdapterParseError": "parse",
    "JSONDecodeError": "parse",
    "BudgetExhausted": "budget",
    "StopRequested": "stopped",
    "RetryInterrupted": "stopped",
    "EmptyOutputError": "validation",
    "ValidationError": "validation",
    "OutputTruncated": "truncation",
    "ContextWindowExceededError": "truncation",
    "ContentPolicyViolationError": "content_filter",
    "LMTimeoutError": "timeout",
    "Timeout": "timeout",
    "TimeoutError": "timeout",
    "APITimeoutError": "timeout",
    "LMRateLimitError": "rate_limit",
    "RateLimitError": "rate_limit",
    "LMAuthError": "auth",
    "LMBillingError": "auth",
    "AuthenticationError": "auth",
    "PermissionDeniedError": "auth",
    "BudgetExceededError": "auth",
    "CallsHalted": "auth",
    "LMInvalidRequestError": "invalid_request",
    "LMUnsupportedModelError": "invalid_request",
    "NotFoundError": "invalid_request",
    "UnsupportedParamsError": "invalid_request",
    "LMServerError": "provider",
    "LMTransportError": "provider",
    "BadRequestError": "invalid_request",
    "APIConnectionError": "provider",
    "ServiceUnavailableError": "provider",
    "InternalServerError": "provider",
}

FATAL_REASONS = frozenset({"auth", "budget", "stopped", "unreachable"})
"""Reasons that stop the whole run (retrying other units would fail the same way)."""


class Failure(BaseModel):
    """One failed step of a work unit."""

    model_config = ConfigDict(extra="forbid")

    unit_id: str
    seed_id: str
    skill: str
    stage: str
    agent: str | None = None
    reason: str
    error: str
    excerpt: str
    scores: Scores | None = None
    """A refused item's judgement (reason ``judge`` or ``check``)."""
    text_sha256: str | None = None
    """The sha256 of a refused item's messages (``core.records.text_sha256``)."""
    item_key: str | None = None
    criteria: list[str] = Field(default_factory=list)
    """What refused the item: criteria below their threshold, or ``check:<name>``."""


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def classify(exc: BaseException) -> str:
    """The reason code for an exception raised by a model call or a validation step.

    DSPy wraps provider and engine errors, so the whole ``__cause__`` chain is examined and the innermost
    known class decides (``OutputTruncated`` inside ``LMUnexpectedError`` is a truncation). An exception
    that names its own reason (a ``reason_code`` attribute, e.g. ``OutputRejected``) decides, the outermost first.
    """
    found = None
    for link in _chain(exc):
        own = getattr(link, "reason_code", None)
        if own in REASONS:
            return own
        for cls in type(link).__mro__:
            if cls.__name__ in _BY_CLASS:
                found = _BY_CLASS[cls.__name__]
                break
    if found:
        return found
    text = str(exc).lower()
    if ("finish_reason" in text and "length" in text) or "truncat" in text:
        return "truncation"
    return "internal"


def excerpt(exc: BaseException, limit: int = 300) -> str:
    """A short, single-line excerpt of an exception message, redacted (``core.redact``): a key an output or a
    provider error carried never reaches failures.jsonl or a log."""
    text = redact(" ".join(str(exc)[: limit * 4 + 256].split()))
    text = escape_controls(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
