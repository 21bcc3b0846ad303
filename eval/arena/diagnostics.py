"""Judge diagnostics from games: order flips, position and length bias, self-preference, agreement
between jurors, parse failures and cost.

Rates are ``None`` when nothing was there to measure. "Decisive" means not a tie. Agreement units are
single games (prompt, model in position A, model in position B, order): Krippendorff's alpha (ordinal,
over the five levels ``A>>B`` .. ``B>>A``; from ``metrics.agreement``) and Cohen's kappa per pair of
judges over the direction (A, tie, B).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from eval.arena.battles import Game
from eval.arena.verdicts import label_score

log = logging.getLogger(__name__)

_LEVEL = {"A>>B": 2, "A>B": 1, "A=B": 0, "B>A": -1, "B>>A": -2}


def position_a_result(game: Game, tie_band: float = 0.5) -> float | None:
    """Position A's result in a parsed game (1, 0.5, 0; scores within ``tie_band`` tie), else ``None``."""
    if game.label is not None:
        return label_score(game.label)
    if game.scores is not None:
        d = game.scores[0] - game.scores[1]
        return 1.0 if d > tie_band else 0.0 if d < -tie_band else 0.5
    return None


def _level(game: Game, tie_band: float) -> int | None:
    if game.label is not None:
        return _LEVEL[game.label]
    r = position_a_result(game, tie_band)
    return None if r is None else round(2 * r - 1)


def _rate(hits: int, n: int) -> float | None:
    return hits / n if n else None


@dataclass(frozen=True)
class JudgeReport:
    """One judge's diagnostics over its games."""

    judge: str
    n_games: int
    parse_failures: int
    n_order_pairs: int
    flip_rate: float | None
    first_position_rate: float | None
    tie_rate: float | None
    longer_answer_rate: float | None
    cost_per_1k: float | None


@dataclass(frozen=True)
class SelfPreference:
    """A competitor that is also a judge: its mean result when judging itself and when judged by others."""

    model: str
    self_rate: float
    n_self: int
    others_rate: float | None
    n_others: int


@dataclass(frozen=True)
class Agreement:
    """Agreement between jurors over the games two or more of them judged (``alpha_unavailable``: why
    alpha is missing)."""

    judges: tuple[str, ...]
    n_units: int
    alpha: float | None
    kappa: dict[str, float | None]
    alpha_unavailable: str | None = None


@dataclass(frozen=True)
class Diagnostics:
    """Per-judge reports, self-preference of competitors that judge, and juror agreement."""

    judges: dict[str, JudgeReport]
    self_preference: list[SelfPreference]
    agreement: Agreement


def _judge_report(judge: str, games: list[Game], tie_band: float) -> JudgeReport:
    parsed = [g for g in games if g.parsed_ok]
    results = [position_a_result(g, tie_band) for g in parsed]
    decisive = [(g, r) for g, r in zip(parsed, results, strict=True) if r != 0.5]
    sized = [(g, r) for g, r in decisive if g.style_a and g.style_b and g.style_a.length != g.style_b.length]
    longer_won = sum((g.style_a.length > g.style_b.length) == (r == 1.0) for g, r in sized)
    pairs: dict[tuple, dict[int, float]] = defaultdict(dict)
    for g, r in zip(parsed, results, strict=True):
        pairs[(g.prompt_id, frozenset((g.model_a, g.model_b)))][g.order] = r
    both = [(p[1], 1.0 - p[2]) for p in pairs.values() if 1 in p and 2 in p]
    flips = sum((y1 > 0.5) - (y1 < 0.5) != (y2 > 0.5) - (y2 < 0.5) for y1, y2 in both)
    costs = [g.cost for g in games if g.cost is not None]
    return JudgeReport(
        judge, len(games), len(games) - len(parsed), len(both), _rate(flips, len(both)),
        _rate(sum(r == 1.0 for _, r in decisive), len(decisive)),
        _rate(len(parsed) - len(decisive), len(parsed)), _rate(longer_won, len(sized)),
        1000.0 * sum(costs) / len(costs) if costs else None)


def _self_preference(games: list[Game], tie_band: float) -> list[SelfPreference]:
    judges = {g.judge for g in games}
    tally: dict[str, dict[bool, list[float]]] = defaultdict(lambda: {True: [], False: []})
    for g in games:
        r = position_a_result(g, tie_band)
        if r is None:
            continue
        for model, result in ((g.model_a, r), (g.model_b, 1.0 - r)):
            if model in judges:
                tally[model][g.judge == model].append(result)
    out = []
    for model in sorted(tally):
        own, others = tally[model][True], tally[model][False]
        if own:
            out.append(SelfPreference(model, sum(own) / len(own), len(own),
                                      sum(others) / len(others) if others else None, len(others)))
    return out


def cohen_kappa(a: list[int], b: list[int]) -> float | None:
    """Cohen's kappa of two raters' nominal labels on the same units; ``None`` if undefined."""
    if len(a) != len(b):
        raise ValueError(f"kappa needs paired labels, got {len(a)} and {len(b)}")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    cats = set(a) | set(b)
    expected = sum((a.count(c) / n) * (b.count(c) / n) for c in cats)
    return None if expected == 1.0 else (observed - expected) / (1.0 - expected)


def _agreement(games: list[Game], tie_band: float) -> Agreement:
    judges = tuple(sorted({g.judge for g in games}))
    units: dict[tuple, dict[str, int]] = defaultdict(dict)
    for g in games:
        level = _level(g, tie_band)
        if level is not None:
            units[(g.prompt_id, g.model_a, g.model_b, g.order)][g.judge] = level
    shared = [u for u in units.values() if len(u) >= 2]
    kappa = {}
    for a, b in combinations(judges, 2):
        both = [u for u in shared if a in u and b in u]
        kappa[f"{a}|{b}"] = cohen_kappa([(u[a] > 0) - (u[a] < 0) for u in both],
                                        [(u[b] > 0) - (u[b] < 0) for u in both])
    alpha, unavailable = None, None
    if len(judges) >= 2:
        try:
            from metrics.agreement import krippendorff_alpha  # lazy: metrics/ is outside the arena core
        except ImportError as err:
            unavailable = f"metrics.agreement not importable: {err}"
            log.warning("juror alpha not computed: %s", unavailable)
        else:
            alpha = krippendorff_alpha([[u.get(j) for j in judges] for u in shared], "ordinal")
    return Agreement(judges, len(shared), alpha, kappa, unavailable)


def diagnose(games: Iterable[Game], tie_band: float = 0.5) -> Diagnostics:
    """Diagnostics of every judge in ``games`` (``tie_band``: the score difference that still ties)."""
    games = list(games)
    by_judge: dict[str, list[Game]] = defaultdict(list)
    for g in games:
        by_judge[g.judge].append(g)
    reports = {j: _judge_report(j, gs, tie_band) for j, gs in sorted(by_judge.items())}
    return Diagnostics(reports, _self_preference(games, tie_band), _agreement(games, tie_band))
