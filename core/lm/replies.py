"""Provider replies that are faults, not answers: a 200 with no choice in it, or a body that is not JSON.

Both are transient (a proxy cut, an overloaded gateway, a server restarting): ``LimitedLM`` retries them
with its backoff like a 5xx. DSPy passes the first as an empty answer (``[""]`` on its native engine,
``[]`` through LiteLLM) and raises the second as an ``LMProviderError`` that it does not count as
retryable.
"""

from __future__ import annotations

from typing import Any

from dspy.utils.exceptions import LMProviderError, LMServerError, is_retryable_lm_error


class EmptyReply(LMServerError):
    """A completed HTTP call whose reply holds no choice or no content at all (retried as a server error)."""

    def __init__(self, model: str):
        super().__init__("the provider's reply holds no answer (no choice, or empty content)", model=model)


def is_empty_reply(outputs: Any) -> bool:
    """Whether an LM call's result (a ``Response``, or DSPy's list of completions) carries nothing at all."""
    message = getattr(outputs, "message", None)
    if message is not None:
        if getattr(outputs, "finish_reason", None) == "content_filter":
            return False  # a refusal by the provider's filter: the middleware records it as such
        parts = getattr(message, "parts", None) or ()
        return not any(not isinstance(getattr(p, "text", None), str) or p.text.strip() for p in parts)
    if isinstance(outputs, list):
        return not outputs or all(isinstance(o, str) and not o.strip() for o in outputs)
    return False


def _not_json_body(exc: BaseException) -> bool:
    """A provider error raised because a 2xx reply's body did not parse."""
    seen = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if type(link).__name__ == "JSONDecodeError":
            return True
        link = link.__cause__ or link.__context__
    return "is not JSON" in str(exc)


def is_transient(exc: BaseException) -> bool:
    """Whether a failed call may succeed when retried: DSPy's retryable errors, and a reply that is not JSON."""
    return is_retryable_lm_error(exc) or (isinstance(exc, LMProviderError) and _not_json_body(exc))
