"""The leaderboard of one arena: Bradley-Terry ratings with prompt-level bootstrap intervals, win rates
against the anchor, separability, and (where the battles carry answer styles) the style-controlled
rating and the length-controlled win rate; online Elo as a secondary, order-dependent view.

The anchor defaults to the first model in ``models`` (else the first by name). Style control and the
LC win rate are optional views: a fit that cannot be made (no variation, too few battles) is left out
with its reason in ``notes``, never reported as a number.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from eval.arena.battles import Battle, bt_rows
from eval.arena.bootstrap import BootstrapConfig, bootstrap_ratings
from eval.arena.bradley_terry import BTConfig
from eval.arena.elo import online_elo
from eval.arena.style import StyleConfig, fit_style_controlled, length_controlled_win_rate

log = logging.getLogger(__name__)


class LeaderboardConfig(BaseModel):
    """Anchor and its rating, bootstrap rounds / seed / level, and whether to fit the style views."""

    model_config = ConfigDict(extra="forbid")

    anchor: str | None = None
    anchor_rating: float = 1000.0
    rounds: int = Field(1000, ge=1)
    seed: int = 0
    level: float = Field(0.95, gt=0.0, lt=1.0)
    style_control: bool = True


@dataclass(frozen=True)
class ModelRating:
    """One model's row: Elo with its interval, win rate against the anchor, battles and results."""

    model: str
    elo: float
    lower: float
    upper: float
    median: float
    win_rate_vs_anchor: float
    battles: int
    mean_result: float
    """The model's mean battle result (1 win, 0.5 tie, 0 loss) over the battles that voted."""
    style_elo: float | None = None
    lc_win_rate: float | None = None
    online_elo: float | None = None


@dataclass(frozen=True)
class Leaderboard:
    """Ratings sorted best first, with the fit's context."""

    rows: list[ModelRating]
    anchor: str
    anchor_rating: float
    level: float
    rounds: int
    separability: float
    n_battles: int
    n_abstained: int
    n_prompts: int
    n_disconnected_replicates: int
    style_g: dict[str, float] | None = None
    notes: list[str] = field(default_factory=list)

    def rating(self, model: str) -> ModelRating:
        """The row of ``model``."""
        for row in self.rows:
            if row.model == model:
                return row
        raise KeyError(model)

    def to_dict(self) -> dict:
        """A JSON-ready view."""
        return asdict(self)


def _results(battles: Sequence[Battle]) -> tuple[dict[str, int], dict[str, float]]:
    n: dict[str, int] = defaultdict(int)
    total: dict[str, float] = defaultdict(float)
    for b in battles:
        if b.y is None:
            continue
        for model, y in ((b.model_x, b.y), (b.model_y, 1.0 - b.y)):
            n[model] += 1
            total[model] += y
    return n, total


def build_leaderboard(battles: Iterable[Battle], config: LeaderboardConfig | None = None,
                      models: Sequence[str] | None = None) -> Leaderboard:
    """Rate the battles (``models``: all names to rate, in display order; default: those that battled)."""
    config = config or LeaderboardConfig()
    battles = list(battles)
    voted = [b for b in battles if b.y is not None]
    seen = sorted({m for b in voted for m in (b.model_x, b.model_y)})
    names = [m for m in (models or seen) if m in seen]
    if len(names) < 2:
        raise ValueError(f"a leaderboard needs battles between two models at least "
                         f"({len(battles)} battles, {len(battles) - len(voted)} abstained)")
    anchor = config.anchor if config.anchor in names else names[0]
    notes = [] if config.anchor in (None, anchor) else [f"anchor {config.anchor!r} has no battle; "
                                                        f"anchored on {anchor!r}"]
    rows = bt_rows(voted, names)
    boot = bootstrap_ratings(rows, BootstrapConfig(rounds=config.rounds, seed=config.seed, level=config.level,
                                                   bt=BTConfig(anchor=anchor, anchor_rating=config.anchor_rating)))
    ratings = boot.fit.ratings
    win = boot.fit.win_rates()
    style_elo, style_g, lc = {}, None, {}
    if config.style_control and any(b.style_x is not None for b in voted):
        try:
            styled = fit_style_controlled(voted, StyleConfig(anchor=anchor, anchor_rating=config.anchor_rating))
            style_elo, style_g = styled.ratings, styled.g
        except ValueError as err:
            notes.append(f"style control not fitted: {err}")
        for m in names:
            if m == anchor:
                continue
            try:
                lc[m] = length_controlled_win_rate(voted, m, anchor).lc_win_rate
            except ValueError as err:
                notes.append(f"LC win rate of {m!r}: {err}")
    online = online_elo(voted)
    n, total = _results(voted)
    table = [ModelRating(m, ratings[m], *boot.intervals[m][::2], boot.intervals[m][1], win[m], n[m],
                         total[m] / n[m] if n[m] else float("nan"), style_elo.get(m), lc.get(m), online.get(m))
             for m in names]
    table.sort(key=lambda r: -r.elo)
    log.info("leaderboard of %d models over %d battles (%d abstained), anchor %s", len(names), len(voted),
             len(battles) - len(voted), anchor)
    return Leaderboard(table, anchor, config.anchor_rating, config.level, config.rounds, boot.separability,
                       len(voted), len(battles) - len(voted), len(rows.prompts), boot.n_disconnected, style_g, notes)
