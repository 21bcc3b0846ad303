"""The student protocol and its generation settings (recorded with every result)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

Message = dict[str, str]
"""A chat message: ``{"role": "system" | "user" | "assistant", "content": ...}``."""


class GenerationSettings(BaseModel):
    """How a student generates; ``temperature == 0`` means greedy decoding."""

    model_config = ConfigDict(extra="forbid")

    max_new_tokens: int = Field(512, ge=1)
    temperature: float = Field(0.0, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    batch_size: int = Field(8, ge=1)
    """Prompts per forward batch (Hugging Face students)."""
    seed: int = 0
    """Seeds sampling (ignored when greedy)."""

    @property
    def greedy(self) -> bool:
        """Whether decoding is greedy."""
        return self.temperature == 0.0


@runtime_checkable
class Student(Protocol):
    """A model under evaluation."""

    name: str

    def generate(self, prompts: list[list[Message]], settings: GenerationSettings) -> list[str]:
        """One reply per chat prompt, in order."""
        ...
