"""Online Elo over battles in the order given: a secondary, order-dependent view (Bradley-Terry is the
rating of record). Each battle moves both ratings by ``k * (y - expected)``; abstained battles are skipped."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from eval.arena.battles import Battle


class EloConfig(BaseModel):
    """Online Elo settings: K factor (FastChat uses 4), scale, base and initial rating."""

    model_config = ConfigDict(extra="forbid")

    k: float = Field(4.0, gt=0.0)
    scale: float = Field(400.0, gt=0.0)
    base: float = Field(10.0, gt=1.0)
    initial: float = 1000.0


def expected_score(r_x: float, r_y: float, scale: float = 400.0, base: float = 10.0) -> float:
    """X's expected result against Y: ``1 / (1 + base^((r_y - r_x) / scale))``."""
    return 1.0 / (1.0 + base ** ((r_y - r_x) / scale))


def online_elo(battles: Iterable[Battle], config: EloConfig | None = None) -> dict[str, float]:
    """Ratings after playing ``battles`` in order, every model starting at ``config.initial``."""
    config = config or EloConfig()
    ratings: dict[str, float] = {}
    for b in battles:
        if b.y is None:
            continue
        rx = ratings.setdefault(b.model_x, config.initial)
        ry = ratings.setdefault(b.model_y, config.initial)
        delta = config.k * (b.y - expected_score(rx, ry, config.scale, config.base))
        ratings[b.model_x] = rx + delta
        ratings[b.model_y] = ry - delta
    return ratings
