"""The run viewer's page (``agentinstruct view``): one self-contained HTML document built with
``agentinstruct.html`` (the evaluation report's toolkit), plus the filter script (``viewer.script``).

Sections: the summary's counts (records, units, failures, calls and tokens by model, each role's model and
structured-output mode); the records, each with its lineage and scores and, for a refined item, its parent
beside it; failures and refusals by stage, reason and skill, with excerpts.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from agentinstruct.html import Element, definition_list, details, el, page, section, table
from agentinstruct.viewer.run_data import RunView
from agentinstruct.viewer.script import inline_script

MAX_RECORDS = 2000
"""Records put on the page (the first ones, in file order); the summary counts all of them."""
TEXT_CHARS = 360

STYLE = """
.filters { position: sticky; top: 0; background: #fff; padding: 8px 0; border-bottom: 1px solid var(--line);
           display: flex; flex-wrap: wrap; gap: 12px; align-items: center; z-index: 1; }
.filters label { color: var(--muted); font-size: 12px; } .filters select, .filters input { font: inherit; }
#shown { font-weight: 600; }
tr.rec td { max-width: 420px; } .parent { border-left: 3px solid var(--accent); padding-left: 8px; }
.bar { display: inline-block; height: 10px; background: var(--accent); vertical-align: middle; margin-right: 6px; }
details > summary pre.text { display: inline-block; vertical-align: top; color: var(--fg); }
pre.full { margin-top: 6px; border-top: 1px dashed var(--line); padding-top: 6px; }
.score { font-weight: 600; } .muted { color: var(--muted); font-size: 12px; }
"""


def _messages(row: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in row.get("messages") or () if isinstance(m, dict)]


def instruction_of(row: dict[str, Any]) -> str:
    """The record's (first) user turn."""
    return next((str(m.get("content", "")) for m in _messages(row) if m.get("role") == "user"), "")


def response_of(row: dict[str, Any]) -> str:
    """The record's last assistant turn."""
    return next((str(m.get("content", "")) for m in reversed(_messages(row)) if m.get("role") == "assistant"), "")


def clipped(text: str, limit: int = TEXT_CHARS) -> Element:
    """Preformatted text; a long one shows its start and its end (the question of a passage + question
    prompt is at the end), with the whole of it folded in."""
    if len(text) <= limit:
        return el("pre", text, class_="text")
    head, tail = text[: limit // 3].rstrip(), text[-(limit - limit // 3):].lstrip()
    return details(el("pre", f"{head}\n[...]\n{tail}", class_="text"), el("pre", text, class_="text full"))


def _score(row: dict[str, Any]) -> float | None:
    value = (row.get("scores") or {}).get("overall")
    return float(value) if isinstance(value, (int, float)) else None


def _tags(*values: object) -> list[Element]:
    return [el("span", str(v), class_="tag") for v in values if v not in (None, "")]


def _scores_cell(row: dict[str, Any]) -> list[Element | str]:
    scores = row.get("scores") or {}
    overall = _score(row)
    criteria = {k: v for k, v in (scores.get("criteria") or {}).items() if isinstance(v, (int, float))}
    return [el("span", "-" if overall is None else f"{overall:.2f}", class_="score"),
            el("div", ", ".join(f"{k} {v:.2f}" for k, v in sorted(criteria.items())), class_="muted")
            if criteria else None]


def _lineage_cell(row: dict[str, Any]) -> Element:
    lineage = row.get("lineage") or {}
    models = lineage.get("models") or {}
    pairs = [("record", row.get("id", "")), ("seed", lineage.get("seed_id", "")),
             ("unit", (row.get("metadata") or {}).get("unit_id", "")),
             ("agents", " -> ".join(lineage.get("agents") or ())),
             ("models", ", ".join(f"{r}={m}" for r, m in sorted(models.items())) if len(set(models.values())) > 1
              else next(iter(models.values()), "")),
             ("program", lineage.get("program_hash", "")), ("parent", lineage.get("parent_id") or "-")]
    return details("lineage", definition_list([(k, v) for k, v in pairs if v]))


def _parent_cell(row: dict[str, Any], parent: dict[str, Any] | None) -> Any:
    lineage = row.get("lineage") or {}
    if not lineage.get("refinement_round"):
        return el("span", "-", class_="muted")
    suggestion = lineage.get("suggestion")
    if parent is None:
        return [el("div", "parent not in this run's files", class_="muted"),
                el("div", f"suggestion: {suggestion}", class_="muted") if suggestion else None]
    return el("div", el("div", f"round {(parent.get('lineage') or {}).get('refinement_round', 0)}, score "
                               + ("-" if _score(parent) is None else f"{_score(parent):.2f}"), class_="muted"),
              clipped(instruction_of(parent)),
              el("div", f"suggestion: {suggestion}", class_="muted") if suggestion else None, class_="parent")


def record_row(row: dict[str, Any], parent: dict[str, Any] | None) -> Element:
    """One record as a table row carrying the attributes the filters read."""
    lineage = row.get("lineage") or {}
    score = _score(row)
    round_ = int(lineage.get("refinement_round") or 0)
    turns = _messages(row)
    conversation = details(f"all {len(turns)} turns", [el("div", el("b", m.get("role", "")), clipped(
        str(m.get("content", "")))) for m in turns]) if len(turns) > 2 else None
    item = [el("div", _tags(row.get("skill"), row.get("subcategory"), lineage.get("transformation"))),
            el("div", f"round {round_}" + (f": {lineage['refinement_goal']}" if lineage.get("refinement_goal")
                                           else ""), class_="muted")]
    cells = [item, [clipped(instruction_of(row)), conversation],
             clipped(response_of(row)), _parent_cell(row, parent), _scores_cell(row),
             _lineage_cell(row)]
    return el("tr", [el("td", c) for c in cells], class_="rec", data_skill=row.get("skill", ""),
              data_subcategory=row.get("subcategory", ""), data_transformation=lineage.get("transformation") or "",
              data_score="" if score is None else f"{score:.4f}", data_round=round_, id=f"r-{row.get('id', '')}")


def _select(name: str, label: str, values: list[str]) -> Element:
    options = [el("option", "all", value="")] + [el("option", v, value=v) for v in values]
    return el("label", f"{label} ", el("select", options, id=f"f-{name}"))


def filters(view: RunView) -> Element:
    """The filter bar: skill, subcategory, transformation, a minimum score, refined items only."""
    lineage = [r.get("lineage") or {} for r in view.records]
    return el("form", [
        _select("skill", "skill", sorted({str(r.get("skill", "")) for r in view.records})),
        _select("subcategory", "subcategory", sorted({str(r.get("subcategory", "")) for r in view.records})),
        _select("transformation", "transformation", sorted({str(x.get("transformation")) for x in lineage
                                                            if x.get("transformation")})),
        el("label", "min score ", el("input", type="number", min=0, max=1, step="0.05", id="f-min_score",
                                     placeholder="0-1")),
        el("label", el("input", type="checkbox", id="f-refined", value="1"), " refined only"),
        el("button", "reset", type="button", id="f-reset"),
        el("span", f"{min(len(view.records), MAX_RECORDS)} of {min(len(view.records), MAX_RECORDS)} records shown",
           id="shown"),
    ], class_="filters", onsubmit="return false")


def _bars(counts: dict[str, int], title: str) -> Element:
    top = max(counts.values(), default=1) or 1
    rows = [[name, [el("span", class_="bar", style=f"width:{round(160 * n / top)}px"), str(n)]]
            for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return table([title, "count"], rows) if rows else el("p", f"{title}: none", class_="muted")


def summary_section(view: RunView) -> Element:
    """The summary's counts, the usage by model, and each role's model with its structured-output mode."""
    s, m = view.summary, view.manifest
    pairs = [("records written (run total)", s.get("records_total", len(view.records))),
             ("seeds loaded / rejected", f"{s.get('seeds_loaded', '-')} / {s.get('seeds_rejected', '-')}"),
             ("units done / failed / pending", f"{s.get('units_done', '-')} / {s.get('units_failed', '-')} / "
                                               f"{s.get('units_incomplete', '-')}"),
             ("LLM calls (cache hits)", f"{_calls(s)} ({s.get('cache_hits', 0)})"),
             ("stopped early", s.get("stopped_early") or "no"),
             ("started", m.get("started", "-")), ("seeds", m.get("seeds", "-"))]
    if view.torn_lines:
        pairs.append(("lines being written (skipped)", view.torn_lines))
    usage = s.get("usage_by_model") or {}
    usage_table = table(["model", "calls", "prompt tokens", "completion tokens", "cost $"],
                        [[name, u.get("calls", 0), u.get("prompt_tokens", 0), u.get("completion_tokens", 0),
                          f"{u.get('cost_usd', 0.0):.4f}"] for name, u in sorted(usage.items())],
                        numeric=[1, 2, 3, 4], caption="LLM usage by model") if usage else None
    modes = m.get("structured_output") or {}
    roles = table(["role", "model", "structured output"],
                  [[role, model, modes.get(role, "-")] for role, model in sorted((m.get("models") or {}).items())],
                  caption="models by role") if m.get("models") else None
    by_skill = Counter(str(r.get("skill", "?")) for r in view.records)
    failure_reasons = s.get("failures_by_reason") or {}
    return section("Summary", definition_list(pairs),
                   el("div", [el("div", _bars(dict(by_skill), "records by skill")),
                              el("div", _bars(failure_reasons, "failures by reason")), el("div", usage_table),
                              el("div", roles)], class_="charts"), id="summary")


def _calls(summary: dict[str, Any]) -> int:
    return sum(int(u.get("calls", 0)) for u in (summary.get("usage_by_model") or {}).values())


def records_section(view: RunView) -> Element:
    """The records table (at most ``MAX_RECORDS``), refined items beside their parents."""
    shown = view.records[:MAX_RECORDS]
    header = el("thead", el("tr", [el("th", h) for h in ("item", "instruction", "response", "refined from",
                                                           "score", "lineage")]))
    body = el("tbody", [record_row(r, view.parents.get(r.get("id", ""))) for r in shown])
    note = (el("p", f"the first {MAX_RECORDS} of {len(view.records)} records are on this page", class_="muted")
            if len(view.records) > MAX_RECORDS else None)
    return section("Records", filters(view), note, el("table", header, body, class_="data", id="records"),
                   id="records-section")


def failures_section(view: RunView) -> Element:
    """Failures and refusals by stage, reason and skill, with excerpts."""
    rows = []
    for g in view.failures:
        excerpts = el("ul", [el("li", el("span", f"{e.get('seed_id') or ''} {e.get('agent') or ''}", class_="muted"),
                                " ", e.get("excerpt") or e.get("error") or "") for e in g.excerpts])
        cells = [g.stage, g.reason, g.skill, "refused" if g.refusal else "failed", g.count,
                 details(f"{len(g.excerpts)} excerpt(s)", excerpts)]
        rows.append(el("tr", [el("td", c, class_="num" if i == 4 else None) for i, c in enumerate(cells)],
                       class_="fail", data_skill=g.skill))
    if not rows:
        return section("Failures and refusals", el("p", "none", class_="muted"), id="failures")
    header = el("thead", el("tr", [el("th", h) for h in ("stage", "reason", "skill", "kind", "count", "excerpts")]))
    return section("Failures and refusals", el("table", header, el("tbody", rows), class_="data"), id="failures")


def build_page(view: RunView) -> str:
    """The whole viewer page for a loaded run."""
    nav = el("nav", el("a", "summary", href="#summary"), el("a", "records", href="#records-section"),
             el("a", "failures", href="#failures"))
    return page(f"Run {view.root.name}", nav, summary_section(view), records_section(view), failures_section(view),
                inline_script(), subtitle=str(view.root), style=STYLE)
