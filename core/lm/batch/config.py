"""``generation.batch``: which provider's batch API the flow's calls go through, and how."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class BatchConfig(BaseModel):
    """Settings of batch mode (``generation.batch: openai`` is ``{provider: openai}``)."""

    model_config = ConfigDict(extra="forbid")

    provider: Literal["openai", "anthropic"]
    """Models of this provider (``openai/...``; ``anthropic/...``) are called through its batch API."""
    window_s: float = Field(default=2.0, gt=0)
    """A batch is sent once no new request came for this long (the units of a wave ask nearly at once)."""
    poll_s: float = Field(default=30.0, gt=0)
    """Seconds between polls of a batch in progress."""
    max_requests: int = Field(default=50_000, ge=1, le=100_000)
    """Requests per batch at most (OpenAI takes 50,000; Anthropic 100,000)."""
    completion_window: str = "24h"
    """OpenAI's ``completion_window``."""
    max_attempts: int = Field(default=3, ge=1, le=10)
    """Batches one request is sent in at most: a failed line (5xx, 429) or one an expired batch left unanswered
    is sent again in the next batch until then, and then recorded as failed."""
    discount: float = Field(default=0.5, gt=0, le=1)
    """The share of the list price a batched call costs (both providers: half)."""
