"""Binding of language models to roles, kept out of a program's saved state and copies."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

import dspy


class RoleLMs:
    """A mapping role -> ``dspy.LM`` that a program consults per stage.

    It is shared, not copied, when an optimizer deep-copies a program (a local model is not copyable)
    and it is never part of the program's saved state, so no model settings or keys are serialised.
    """

    def __init__(self, lms: Mapping[str, dspy.BaseLM] | None = None):
        self._lms = dict(lms or {})

    def __deepcopy__(self, memo: dict) -> "RoleLMs":
        return self

    def get(self, role: str) -> dspy.BaseLM | None:
        """The LM bound to ``role``, or ``None`` to use ``dspy.settings.lm``."""
        return self._lms.get(role)

    @contextlib.contextmanager
    def use(self, role: str) -> Iterator[None]:
        """Run the enclosed predictor calls on the role's LM (or the ambient LM if unbound)."""
        lm = self._lms.get(role)
        if lm is None:
            yield
        else:
            with dspy.context(lm=lm):
                yield
