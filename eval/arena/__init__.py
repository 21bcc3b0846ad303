"""The arena's statistical core: verdicts, battles, Bradley-Terry ratings with prompt-level bootstrap CIs,
style control, online Elo, judge diagnostics and loss mining. Pure numpy/scipy; no model calls."""

from eval.arena.battles import Battle, BTRows, Game, Vote, battles_from_games, bt_rows
from eval.arena.bootstrap import BootstrapConfig, BootstrapResult, bootstrap_ratings, separability
from eval.arena.bradley_terry import (
    BTConfig,
    BTFit,
    DisconnectedComparisons,
    fit_bradley_terry,
    to_elo,
    win_rate_vs,
)
from eval.arena.diagnostics import Diagnostics, diagnose
from eval.arena.elo import EloConfig, online_elo
from eval.arena.mining import MiningConfig, MiningResult, answer_scores, mine_losses, split_disjoint
from eval.arena.style import StyleConfig, StyleFit, fit_style_controlled, length_controlled_win_rate
from eval.arena.style_features import AnswerStyle, answer_style
from eval.arena.verdicts import (
    ParseFailure,
    ReconcileConfig,
    jury_vote,
    parse_label,
    parse_pair_scores,
    parse_rating,
    reconcile_labels,
    reconcile_scores,
)

__all__ = [
    "AnswerStyle", "BTConfig", "BTFit", "BTRows", "Battle", "BootstrapConfig", "BootstrapResult",
    "Diagnostics", "DisconnectedComparisons", "EloConfig", "Game", "MiningConfig", "MiningResult",
    "ParseFailure", "ReconcileConfig", "StyleConfig", "StyleFit", "Vote", "answer_scores", "answer_style",
    "battles_from_games", "bootstrap_ratings", "bt_rows", "diagnose", "fit_bradley_terry", "fit_style_controlled",
    "jury_vote", "length_controlled_win_rate", "mine_losses", "online_elo", "parse_label", "parse_pair_scores",
    "parse_rating", "reconcile_labels", "reconcile_scores", "separability", "split_disjoint", "to_elo",
    "win_rate_vs",
]
