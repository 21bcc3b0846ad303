"""The arena report: one self-contained page (``agentinstruct.html``: escaped elements, inline SVG, no
script) with the leaderboard, its intervals as a chart, and the judge diagnostics next to it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agentinstruct.html import Element, definition_list, el, interval_chart, page, section, table
from eval.arena.leaderboard import Leaderboard

if TYPE_CHECKING:
    from agentinstruct.arena.battle import BattleResult


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None or value != value else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "-" if value is None or value != value else f"{100 * value:.1f}%"


def leaderboard_section(board: Leaderboard | None) -> Element:
    """The ratings table, the interval chart and how they were fitted."""
    if board is None:
        return section("Leaderboard", el("p", "No leaderboard: no battle between two models voted."),
                       id="leaderboard")
    level = f"{100 * board.level:.0f}%"
    rows = [[r.model, _f(r.elo), f"{_f(r.lower)} - {_f(r.upper)}", _pct(r.win_rate_vs_anchor), r.battles,
             _pct(r.mean_result), _f(r.style_elo), _pct(r.lc_win_rate), _f(r.online_elo)] for r in board.rows]
    lo = min(r.lower for r in board.rows)
    hi = max(r.upper for r in board.rows)
    chart = interval_chart([(r.model, r.elo, r.lower, r.upper, k) for k, r in enumerate(board.rows)],
                           low=lo - 10, high=hi + 10, zero=board.anchor_rating, width=560,
                           title=f"Elo with {level} intervals")
    style = ", ".join(f"{k} {v:+.3f}" for k, v in (board.style_g or {}).items()) or "-"
    facts = definition_list([
        ("fit", "Bradley-Terry by maximum likelihood (ties as half wins)"),
        ("anchor", f"{board.anchor} = {board.anchor_rating:g}"),
        ("intervals", f"{board.rounds} bootstrap replicates over {board.n_prompts} prompts"),
        ("separability", _pct(board.separability)),
        ("battles", f"{board.n_battles} voted, {board.n_abstained} abstained"),
        ("style coefficients", style),
    ])
    notes = el("ul", [el("li", n) for n in board.notes], class_="ci") if board.notes else None
    return section("Leaderboard", table(
        ["model", "Elo (BT)", f"{level} CI", f"win rate vs {board.anchor}", "battles", "mean result",
         "style-controlled Elo", "LC win rate", "online Elo"], rows, numeric=range(1, 9)),
        chart, facts, notes, id="leaderboard")


def diagnostics_section(result: BattleResult) -> Element:
    """Per judge: flips, position, ties, length, parse failures, cost; self-preference; agreement."""
    d = result.diagnostics
    rows = [[j.judge, j.n_games, j.parse_failures, j.n_order_pairs, _pct(j.flip_rate), _pct(j.first_position_rate),
             _pct(j.tie_rate), _pct(j.longer_answer_rate), _f(j.cost_per_1k, 4)] for j in d.judges.values()]
    parts: list = [table(["judge", "games", "parse failures", "order pairs", "flip rate", "first-position wins",
                          "ties", "longer answer wins", "USD per 1k judgements"], rows, numeric=range(1, 9))]
    if d.self_preference:
        parts.append(table(["competitor judging itself", "own result", "games", "result from other judges",
                            "games"], [[s.model, _pct(s.self_rate), s.n_self, _pct(s.others_rate), s.n_others]
                                       for s in d.self_preference], numeric=range(1, 5)))
    a = d.agreement
    if len(a.judges) >= 2:
        kappas = ", ".join(f"{k}: {_f(v, 3)}" for k, v in a.kappa.items())
        parts.append(el("p", f"Juror agreement over {a.n_units} shared games: Krippendorff's alpha "
                             f"{_f(a.alpha, 3)}; Cohen's kappa {kappas}."))
    parts.append(el("p", "A flip: the verdict changed direction when the answers swapped places. First-position "
                         "wins: share of decisive verdicts for position A (0.5 is unbiased). Longer answer wins: "
                         "share of decisive verdicts for the longer answer.", class_="ci"))
    return section("Judge diagnostics", *parts, id="diagnostics")


def arena_report(result: BattleResult, extra: Sequence[Element] = ()) -> str:
    """The arena's page: what ran, the leaderboard and the diagnostics side by side, then ``extra``."""
    head = el("p", f"{result.n_prompts} prompts; competitors {', '.join(result.competitors)}; judges "
                   f"{', '.join(result.judges)}; {len(result.games)} judgements; {result.llm_calls} LLM calls this "
                   f"invocation ({result.cache_hits} from the cache), USD {result.cost_usd:.4f}.")
    stopped = el("p", el("b", "Stopped early: "), f"{result.stopped_early} (resumable).") \
        if result.stopped_early else None
    body = el("div", el("div", leaderboard_section(result.leaderboard)), el("div", diagnostics_section(result)),
              class_="charts")
    return page(f"Arena: {result.arena_dir.name}", head, stopped, body, *extra)
