"""A student that is any DSPy LM (``dspy.LM`` over LiteLLM, an embedded engine, ``DummyLM``)."""

from __future__ import annotations

import logging

import dspy
from dspy.lm15 import Config, Message, Request

from eval.students.base import GenerationSettings
from eval.students.base import Message as ChatMessage

log = logging.getLogger(__name__)


class EmptyGenerationError(RuntimeError):
    """The LM returned no text for a prompt."""


def to_request(model: str, messages: list[ChatMessage], settings: GenerationSettings) -> Request:
    """An lm15 ``Request`` of chat messages: system turns become the request's system text."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system") or None
    turns = tuple(Message.user(m["content"]) if m["role"] == "user" else Message.assistant(m["content"])
                  for m in messages if m["role"] != "system")
    config = Config(max_tokens=settings.max_new_tokens, temperature=settings.temperature, top_p=settings.top_p,
                    seed=None if settings.greedy else settings.seed)
    return Request(model=model, messages=turns, system=system, config=config)


class DspyLMStudent:
    """Sends each chat prompt to ``lm`` as one request (temperature, top_p, max tokens, seed passed on)."""

    def __init__(self, lm: dspy.BaseLM, name: str | None = None):
        self.lm = lm
        self.name = name or getattr(lm, "model", type(lm).__name__)

    def generate(self, prompts: list[list[ChatMessage]], settings: GenerationSettings) -> list[str]:
        """One reply per prompt."""
        replies = []
        for messages in prompts:
            response = self.lm(to_request(self.lm.model, messages, settings))
            if response.text is None:
                raise EmptyGenerationError(f"{self.name}: no text in the reply ({response.finish_reason})")
            replies.append(response.text)
        return replies
