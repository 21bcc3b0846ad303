"""The arena report: one self-contained HTML page (no script, no external asset) with the leaderboard, its
intervals drawn as a forest plot, and the judge diagnostics next to it.

Built here with minimal HTML of its own: the evaluation report's page builder did not exist when the arena
was written; when it does, this page should move onto it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from eval.arena.leaderboard import Leaderboard

if TYPE_CHECKING:
    from agentinstruct.arena.battle import BattleResult

_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.row{display:flex;gap:2em;flex-wrap:wrap}
.note{color:#666;font-size:.9em}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.2em}"""


def _f(value, digits: int = 3, pct: bool = False) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "&ndash;"
    if pct:
        return f"{100 * value:.1f}%"
    return f"{value:.{digits}f}" if isinstance(value, float) else html.escape(str(value))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table; cells are already escaped/formatted."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _forest(board: Leaderboard, width: int = 420) -> str:
    lo = min(r.lower for r in board.rows)
    hi = max(r.upper for r in board.rows)
    span = max(hi - lo, 1.0)
    x = lambda v: 110 + (width - 130) * (v - lo) / span  # noqa: E731
    lines = []
    for k, r in enumerate(board.rows):
        y = 20 + 22 * k
        lines.append(f'<text x="4" y="{y + 4}" font-size="12">{html.escape(r.model[:16])}</text>'
                     f'<line x1="{x(r.lower):.1f}" x2="{x(r.upper):.1f}" y1="{y}" y2="{y}" stroke="#357" '
                     f'stroke-width="2"/><circle cx="{x(r.elo):.1f}" cy="{y}" r="4" fill="#c33"/>')
    h = 30 + 22 * len(board.rows)
    return (f'<svg width="{width}" height="{h}" role="img" aria-label="ratings with intervals">'
            + "".join(lines) + f'<text x="110" y="{h - 4}" font-size="11">{lo:.0f}</text>'
            f'<text x="{width - 50}" y="{h - 4}" font-size="11">{hi:.0f}</text></svg>')


def leaderboard_html(board: Leaderboard | None) -> str:
    """The leaderboard section."""
    if board is None:
        return "<h2>Leaderboard</h2><p>No leaderboard: no battle between two models voted.</p>"
    level = f"{100 * board.level:.0f}%"
    rows = [[html.escape(r.model), _f(r.elo, 1), f"{r.lower:.1f} &ndash; {r.upper:.1f}",
             _f(r.win_rate_vs_anchor, pct=True), str(r.battles), _f(r.mean_result, pct=True),
             _f(r.style_elo, 1), _f(r.lc_win_rate, pct=True), _f(r.online_elo, 1)] for r in board.rows]
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in board.notes)
    g = ", ".join(f"{k} {v:+.3f}" for k, v in (board.style_g or {}).items()) or "&ndash;"
    return ("<h2>Leaderboard</h2>"
            + table(["model", "Elo (BT)", f"{level} CI", f"win rate vs {board.anchor}", "battles", "mean result",
                     "style-controlled Elo", "LC win rate", "online Elo"], rows)
            + _forest(board)
            + f"<p class='note'>Bradley-Terry by maximum likelihood, anchor {html.escape(board.anchor)} = "
            f"{board.anchor_rating:g}; intervals from {board.rounds} bootstrap replicates over "
            f"{board.n_prompts} prompts; separability {_f(board.separability, pct=True)}; {board.n_battles} "
            f"battles voted, {board.n_abstained} abstained. Style coefficients: {g}.</p>"
            + (f"<ul class='note'>{notes}</ul>" if notes else ""))


def diagnostics_html(result: BattleResult) -> str:
    """The judge diagnostics section: per judge, self-preference, agreement between jurors."""
    d = result.diagnostics
    rows = [[html.escape(j.judge), str(j.n_games), str(j.parse_failures), str(j.n_order_pairs),
             _f(j.flip_rate, pct=True), _f(j.first_position_rate, pct=True), _f(j.tie_rate, pct=True),
             _f(j.longer_answer_rate, pct=True), _f(j.cost_per_1k, 4)] for j in d.judges.values()]
    out = ["<h2>Judge diagnostics</h2>",
           table(["judge", "games", "parse failures", "order pairs", "flip rate", "first-position wins",
                  "ties", "longer answer wins", "USD per 1k judgements"], rows)]
    if d.self_preference:
        out.append(table(["competitor judging itself", "own result", "games", "result from other judges",
                          "games"], [[html.escape(s.model), _f(s.self_rate, pct=True), str(s.n_self),
                                      _f(s.others_rate, pct=True), str(s.n_others)] for s in d.self_preference]))
    a = d.agreement
    if len(a.judges) >= 2:
        kappas = ", ".join(f"{html.escape(k)}: {_f(v)}" for k, v in a.kappa.items())
        out.append(f"<p>Juror agreement over {a.n_units} shared games: Krippendorff's alpha {_f(a.alpha)}; "
                   f"Cohen's kappa {kappas}.</p>")
    out.append("<p class='note'>A flip: the verdict changed direction when the answers swapped places. "
               "First-position wins: share of decisive verdicts for position A (0.5 is unbiased). Longer answer "
               "wins: share of decisive verdicts for the longer answer.</p>")
    return "".join(out)


def page(title: str, sections: Sequence[str]) -> str:
    """A whole page around ``sections`` (HTML fragments)."""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>{''.join(sections)}</body></html>")


def arena_report(result: BattleResult, extra: Sequence[str] = ()) -> str:
    """The arena's page: what ran, the leaderboard and the diagnostics side by side, then ``extra``."""
    head = (f"<p>{result.n_prompts} prompts; competitors {html.escape(', '.join(result.competitors))}; judges "
            f"{html.escape(', '.join(result.judges))}; {len(result.games)} judgements; {result.llm_calls} LLM "
            f"calls this invocation ({result.cache_hits} from the cache), USD {result.cost_usd:.4f}.</p>")
    if result.stopped_early:
        head += f"<p><b>Stopped early:</b> {html.escape(result.stopped_early)} (resumable).</p>"
    body = (f"<div class='row'><div>{leaderboard_html(result.leaderboard)}</div>"
            f"<div>{diagnostics_html(result)}</div></div>")
    return page(f"Arena: {result.arena_dir.name}", [head, body, *extra])
