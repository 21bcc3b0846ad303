"""Binding of language models to roles, kept out of a program's saved state and copies."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Mapping

import dspy

from core.lm.accounting import current_role
from core.lm.compact_adapter import adapter_for

_SAMPLE: contextvars.ContextVar[int] = contextvars.ContextVar("agentinstruct_sample", default=0)


@contextlib.contextmanager
def resample(n: int) -> Iterator[None]:
    """Make the enclosed calls the ``n``-th fresh sample of their prompts (DSPy ``rollout_id`` n).

    ``n = 0`` is the ordinary first sample. A stage retried after a degenerate output needs new samples,
    not the cached answer it just rejected; the rollout id keeps each retry a distinct, cached entry.
    """
    token = _SAMPLE.set(n)
    try:
        yield
    finally:
        _SAMPLE.reset(token)


class RoleLMs:
    """A mapping role -> ``dspy.LM`` that a program consults per stage.

    It is shared, not copied, when an optimizer deep-copies a program (a local model is not copyable)
    and it is never part of the program's saved state, so no model settings or keys are serialised.
    """

    def __init__(self, lms: Mapping[str, dspy.BaseLM] | None = None, guard: Callable[[], None] | None = None):
        self._lms = dict(lms or {})
        self.guard = guard
        """Called before every predictor call (the run's budget check); may raise to stop the run."""

    def __deepcopy__(self, memo: dict) -> RoleLMs:
        return self

    def get(self, role: str) -> dspy.BaseLM | None:
        """The LM bound to ``role``, or ``None`` to use ``dspy.settings.lm``."""
        return self._lms.get(role)

    @contextlib.contextmanager
    def use(self, role: str) -> Iterator[None]:
        """Run the enclosed predictor calls on the role's LM (or the ambient LM if unbound).

        The LM in use (bound, or ambient) brings its adapter (``adapter_for``: the compact one for the
        embedded model, wherever it comes from: a compile or a test may set it as the ambient LM). Inside
        ``resample(n)`` with n > 0 the LM (bound or ambient) is a copy with ``rollout_id=n``.

        The role is published in a context variable so that usage is accounted per role.
        """
        if self.guard is not None:
            self.guard()
        token = current_role.set(role)
        try:
            lm = self._lms.get(role)
            effective = lm or dspy.settings.lm
            sample = _SAMPLE.get()
            if sample and effective is not None:
                lm = effective = effective.copy(rollout_id=sample)
            adapter = adapter_for(effective)
            overrides = {**({"lm": lm} if lm is not None else {}), **({"adapter": adapter} if adapter else {})}
            if not overrides:
                yield
            else:
                with dspy.context(**overrides):
                    yield
        finally:
            current_role.reset(token)
