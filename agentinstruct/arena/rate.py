"""Rating an arena again from its files, with other leaderboard or reconciliation settings (no model call)."""

from __future__ import annotations

from pathlib import Path

from agentinstruct.arena.artifacts import read_games
from eval.arena.battles import battles_from_games
from eval.arena.leaderboard import Leaderboard, LeaderboardConfig, build_leaderboard
from eval.arena.verdicts import ReconcileConfig


def rate(arena_dir: str | Path, leaderboard: LeaderboardConfig | None = None,
         reconcile: ReconcileConfig | None = None) -> Leaderboard:
    """The leaderboard of the games in ``arena_dir`` (``games.jsonl``), fitted with these settings."""
    games = read_games(Path(arena_dir))
    return build_leaderboard(battles_from_games(games, reconcile), leaderboard)
