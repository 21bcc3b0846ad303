"""One typed judge call on a given LM, where an unparseable output is a counted outcome, not a crash."""

from __future__ import annotations

import logging
import threading
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from core.flow.failures import classify
from core.lm.metered import MalformedAnswer

log = logging.getLogger(__name__)


class JudgeCall:
    """``dspy.Predict(signature)`` run on ``lm`` (and ``adapter``); returns ``None`` when unparseable.

    ``parse_failures`` counts the calls whose output the adapter could not parse into the signature's
    typed fields, the middleware refused as malformed, or the model cut at ``max_tokens`` (a truncated
    structured output cannot be parsed either). Errors of the LM itself (network, rate limits) propagate.
    """

    def __init__(self, signature: type[dspy.Signature], lm: dspy.BaseLM, adapter: dspy.Adapter | None = None):
        self.signature = signature
        self.predict = dspy.Predict(signature)
        self.lm = lm
        self.adapter = adapter
        self.parse_failures = 0
        self._lock = threading.Lock()

    def __call__(self, **inputs: Any) -> dspy.Prediction | None:
        """The prediction, or ``None`` (logged and counted) when the output cannot be parsed."""
        overrides: dict[str, Any] = {"lm": self.lm}
        if self.adapter is not None:
            overrides["adapter"] = self.adapter
        try:
            with dspy.context(**overrides):
                return self.predict(**inputs)
        except Exception as exc:
            # AdapterParseError: unparseable; MalformedAnswer: the middleware refused it; a truncation: cut off
            if not isinstance(exc, (AdapterParseError, MalformedAnswer)) and classify(exc) != "truncation":
                raise
            with self._lock:
                self.parse_failures += 1
            log.warning("%s: judge output could not be parsed: %s", self.signature.__name__,
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return None
