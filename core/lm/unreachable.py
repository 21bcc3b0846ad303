"""An endpoint that refuses connections: after the LM layer's retries, the run stops instead of failing
every remaining unit the same way.

A killed or never-started server answers every request with "connection refused" (DSPy's native engine:
``ConnectError`` over ``ConnectionRefusedError``; LiteLLM: ``httpx.ConnectError`` under an
``InternalServerError``); each unit used to record it as a ``provider`` failure and be committed, so the
run exited 0 with nothing left to resume. ``EndpointUnreachable`` carries the reason code ``unreachable``,
one of the fatal reasons (``core.flow.failures.FATAL_REASONS``): the unit that met it stays pending, the run
stops with the reason, and ``--resume`` redoes the pending units once the server is back.
"""

from __future__ import annotations

_CONNECT_ERRORS = frozenset({"ConnectError", "APIConnectionError"})
"""Class names (httpx, httpcore, DSPy's lm15 transport, openai) of a connection that could not be made."""
_TIMEOUTS = frozenset({"APITimeoutError", "ConnectTimeout", "TimeoutException", "TimeoutError"})


class EndpointUnreachable(RuntimeError):
    """Calls to a model's server cannot connect (after retries); the run stops, resumably."""

    reason_code = "unreachable"

    def __init__(self, model: str, where: str | None, cause: BaseException):
        from core.flow.failures import excerpt

        super().__init__(f"{model} at {where or 'its default endpoint'} is unreachable: {excerpt(cause, 200)}")


def is_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) is a refused or impossible connection, not a timeout or an answer."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        names = {cls.__name__ for cls in type(link).__mro__}
        if names & _TIMEOUTS:
            return False
        if isinstance(link, ConnectionRefusedError) or names & _CONNECT_ERRORS:
            return True
        link = link.__cause__ or link.__context__
    return False
