"""Every use of a private DSPy name, in one module, each pinned by ``tests/core/test_dspy_internals.py``.

DSPy 3.4.1 offers no public API for these; each entry says what it is for and the public route to take
when DSPy offers one (checked against DSPy 3.5's deprecations as far as they are announced). A DSPy upgrade
that moves one of them fails that test, not a user's run.

1. ``dspy._vendor.lm15.serde`` (request/response to plain data): the request cache stores requests and
   responses as JSON. Public alternative: none in 3.4; 3.5's ``dspy.lm15`` exports ``Request``/``Response``
   as pydantic-like objects, whose ``model_dump``/``model_validate`` would replace these three functions.
2. ``JSONAdapter._prepare_response_format(lm, lm_kwargs, signature)``: the compact adapter adds length
   floors to the response schema. Public alternative: override ``JSONAdapter.__call__`` and edit
   ``lm_kwargs["response_format"]`` before delegating (costs a second schema build per call).
3. ``dspy.LM._engine_spec``: reads an engine's capability hints (``compact_prompts``). Public alternative:
   keep a reference to the engine passed as ``engine=`` (``wants_compact_prompts`` would look it up in a
   registry keyed by the LM's id).
4. ``model_info`` as imported by ``dspy.clients.model_metadata``, ``.capabilities`` and ``.costs``: memoized
   (``core.lm.model_metadata_cache``), since it scanned the whole catalog twice per call. Public
   alternative: DSPy 3.5's cached catalog lookup, once released; until then no memo.
6. ``dspy.adapters.json_adapter._get_structured_outputs_response_format`` (module global): memoized per
   signature class (``memoize_structured_outputs``). DSPy rebuilt the same pydantic model
   (``create_model`` + ``model_json_schema``) on every call, 0.5-1 ms of ~2.9 ms of client CPU per call.
   The returned model is shared, so nobody may mutate it (the compact adapter derives its own). Public
   alternative: none in 3.4; a ``response_format`` cache in the adapter is proposed for 3.5.
7. ``dspy.clients.lm15_boundary.request_kwargs`` (a Request as a chat-completions body, DSPy's own
   serializer; not exported): the OpenAI batch lines (``core.lm.batch.wire``) carry exactly the body the
   native engine would send. Public alternative: none in 3.4 (``lm15``'s dialect ``_payload`` is private too).
5. ``MIPROv2._log_normal_eval`` / ``_perform_full_evaluation`` and ``BootstrapFewShot._bootstrap``: the
   budget-aware optimizers keep the best program so far when a budget stops them. Public alternative:
   ``dspy.Evaluate`` callbacks (``BaseCallback.on_evaluate_end``) to see every scored candidate, and
   catching ``BudgetExhausted`` around ``compile`` (losing the partial trail of bootstrapped demos).
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, field
from typing import Any

import dspy
from dspy._vendor.lm15.serde import request_to_dict, response_from_dict, response_to_dict
from dspy.teleprompt import BootstrapFewShot, MIPROv2

from core.lm.accounting import BudgetExhausted

log = logging.getLogger(__name__)

__all__ = [
    "MODEL_INFO_USERS",
    "BudgetedBootstrap",
    "BudgetedMIPROv2",
    "ResponseFormatHook",
    "engine_spec",
    "memoize_structured_outputs",
    "openai_chat_body",
    "request_to_dict",
    "response_from_dict",
    "response_to_dict",
]

MODEL_INFO_USERS = ("dspy.clients.model_metadata", "dspy.clients.capabilities", "dspy.clients.costs")
"""The DSPy modules that import ``model_info`` by name (entry 4)."""


_MEMO_LOCK = threading.Lock()
_MEMO_MAX = 4096


def memoize_structured_outputs() -> bool:
    """Memoize JSONAdapter's structured-output model per (signature class, flag) (entry 6); idempotent.

    Returns whether the memo is on (False when DSPy no longer has the function: nothing is patched)."""
    from dspy.adapters import json_adapter

    with _MEMO_LOCK:
        original = getattr(json_adapter, "_get_structured_outputs_response_format", None)
        if original is None:
            log.warning("DSPy has no _get_structured_outputs_response_format; schemas are rebuilt per call")
            return False
        if getattr(original, "__agentinstruct_memo__", False):
            return True
        cache: dict = {}

        def memoized(signature, use_native_function_calling=True):
            key = (signature, use_native_function_calling)
            found = cache.get(key)
            if found is None:
                found = original(signature, use_native_function_calling)
                with _MEMO_LOCK:
                    if len(cache) >= _MEMO_MAX:
                        cache.clear()  # signatures are few; a flood means they are built per call
                    cache[key] = found
            return found

        memoized.__wrapped__ = original
        memoized.__agentinstruct_memo__ = True
        memoized.cache = cache
        json_adapter._get_structured_outputs_response_format = memoized
        return True


def engine_spec(lm: dspy.BaseLM | None) -> Any:
    """The engine object a ``dspy.LM`` was built with (``engine=``), or None (entry 3)."""
    return getattr(lm, "_engine_spec", None)


def openai_chat_body(request) -> dict[str, Any]:
    """A ``dspy.lm15.Request`` as the chat-completions body DSPy would send, without the model (entry 7)."""
    from dspy.clients.lm15_boundary import request_kwargs

    return request_kwargs(request, "chat")


class ResponseFormatHook(dspy.JSONAdapter):
    """A ``JSONAdapter`` whose subclasses adjust the response format through a public method (entry 2)."""

    def adjust_response_format(self, lm_kwargs: dict[str, Any]) -> None:
        """Edit ``lm_kwargs["response_format"]`` after JSONAdapter prepared it (default: leave it)."""

    def _prepare_response_format(self, lm, lm_kwargs, signature):
        super()._prepare_response_format(lm, lm_kwargs, signature)
        self.adjust_response_format(lm_kwargs)


@dataclass
class BestSoFar:
    """The best candidate an optimizer has scored, and every score on the way."""

    program: dspy.Module | None = None
    score: float = -math.inf
    trail: list[dict[str, Any]] = field(default_factory=list)

    def offer(self, program: dspy.Module, score: float, kind: str) -> None:
        self.trail.append({"kind": kind, "score": float(score)})
        if score > self.score:
            self.score, self.program = float(score), program.deepcopy()


class BudgetedMIPROv2(MIPROv2):
    """MIPROv2 that remembers its best fully evaluated candidate, and returns it when a budget stops it."""

    def compile(self, student, **kwargs):
        self.best = BestSoFar()
        self.stopped = None
        try:
            return super().compile(student, **kwargs)
        except BudgetExhausted as exc:
            self.stopped = str(exc)
            log.warning("MIPROv2 stopped: %s; keeping the best program so far (score %s)", exc, self.best.score)
            return self.best.program if self.best.program is not None else student.deepcopy()

    def _log_normal_eval(self, score, best_score, chosen_params, score_data, trial, num_trials, trial_logs,
                         trial_num, valset, batch_size, candidate_program, total_eval_calls):
        super()._log_normal_eval(score, best_score, chosen_params, score_data, trial, num_trials, trial_logs,
                                 trial_num, valset, batch_size, candidate_program, total_eval_calls)
        self.best.offer(candidate_program, score, f"trial {trial_num}")

    def _perform_full_evaluation(self, *args, **kwargs):
        best_score, best_program, total = super()._perform_full_evaluation(*args, **kwargs)
        self.best.offer(best_program, best_score, "full evaluation")
        return best_score, best_program, total


class BudgetedBootstrap(BootstrapFewShot):
    """BootstrapFewShot that, when a budget stops it, keeps the demos bootstrapped so far."""

    def compile(self, student, *, teacher=None, trainset):
        self.stopped = None
        return super().compile(student, teacher=teacher, trainset=trainset)

    def _bootstrap(self, *, max_bootstraps=None):
        try:
            super()._bootstrap(max_bootstraps=max_bootstraps)
        except BudgetExhausted as exc:
            self.stopped = str(exc)
            self.validation = []
            log.warning("bootstrap stopped: %s; keeping %d traces", exc,
                        sum(len(v) for v in self.name2traces.values()))
