"""The per-benchmark sections of the evaluation report: per-category scores, extraction figures, and a row
per item (the prompt and reference, then per student the answer, what was extracted and the verdict);
Orca-Bench gets a row per assistant turn with the teacher's answer and both ratings."""

from __future__ import annotations

from collections.abc import Sequence

from agentinstruct.html import Element, definition_list, el, section, table, text_block
from agentinstruct.reports.eval_format import anchor, fmt_interval
from eval.job import ORCA
from eval.report import BenchmarkRow, LoadedStudent

MAX_ITEM_ROWS = 300
"""Per-item rows shown per benchmark (all of them are in the JSON files)."""
ANSWER_CHARS = 400


def _verdict(score: float | None, scale: str) -> Element:
    if score is None:
        return el("span", "unscored", class_="bad")
    if scale == "unit":
        return el("span", "\u2713 correct" if score >= 1 else "\u2717 wrong" if score <= 0 else f"{score:.2f}",
                  class_="good" if score >= 1 else "bad" if score <= 0 else None)
    return el("span", f"{score:.1f}/10")


def benchmark_section(row: BenchmarkRow, students: Sequence[LoadedStudent]) -> Element:
    names = [s.name for s in students]
    parts: list[object] = []
    cats = sorted({c for cell in row.cells.values() for c in cell.per_category})
    if len(cats) > 1:
        parts.append(table(["category", *names], [[c] + [fmt_interval(row.cells[n].per_category.get(c), row.scale)
                                                        if n in row.cells else "-" for n in names] for c in cats],
                           caption="Per category", numeric=list(range(1, len(names) + 1))))
    facts = []
    for n, cell in row.cells.items():
        if cell.extractor_counts:
            facts.append((f"{n}: decided by", ", ".join(f"{k} {v}" for k, v in sorted(cell.extractor_counts.items()))))
        if cell.agreement:
            a = cell.agreement
            rate = "n/a" if a.rate is None else f"{a.rate:.0%}"
            facts.append((f"{n}: regex vs LLM agreement", f"{a.agreed}/{a.audited - a.llm_parse_failures} ({rate}),"
                                                          f" LLM parse failures {a.llm_parse_failures}"))
        if cell.extra:
            facts.append((f"{n}: figures", ", ".join(f"{k} {v:.3f}" for k, v in sorted(cell.extra.items()))))
    if facts:
        parts.append(definition_list(facts))
    parts.append(_orca_items(students) if row.benchmark == ORCA else _bench_items(row, students))
    title = "Orca-Bench" if row.benchmark == ORCA else f"{row.benchmark} ({row.kind})"
    return section(title, *parts, id=anchor("bench", row.benchmark))


def _bench_items(row: BenchmarkRow, students: Sequence[LoadedStudent]) -> Element:
    results = {s.name: {r.id: r for r in s.report.benchmarks[row.benchmark].items}
               for s in students if row.benchmark in s.report.benchmarks}
    ids: list[str] = []
    for by_id in results.values():
        ids += [i for i in by_id if i not in ids]
    texts = next((s.texts.get(_file(row.benchmark), {}) for s in students if s.texts.get(_file(row.benchmark))), {})
    rows, row_ids = [], []
    for item_id in ids[:MAX_ITEM_ROWS]:
        text = texts.get(item_id, {})
        first = next(r[item_id] for r in results.values() if item_id in r)
        prompt = "\n\n".join(text.get("turns") or [])
        ref = text.get("reference")
        cells: list[object] = [el("code", item_id), first.category,
                               text_block(prompt, 200) if prompt else "-",
                               text_block(" | ".join(map(str, ref)) if isinstance(ref, list) else str(ref), 200)
                               if ref is not None else "-"]
        for n in results:
            r = results[n].get(item_id)
            if r is None:
                cells.append("-")
                continue
            how = f"extracted {r.extracted!r} ({r.extractor})" if r.extracted is not None else (r.miss_reason or "")
            cells.append(el("div", text_block(r.student_answer, ANSWER_CHARS), el("div", how, class_="ci"),
                            _verdict(r.score, row.scale)))
        rows.append(cells)
        row_ids.append(anchor("item", row.benchmark, item_id))
    more = len(ids) - len(rows)
    return el("div", el("h3", f"Items ({len(ids)})"),
              table(["id", "category", "prompt", "reference", *results], rows, row_ids=row_ids),
              el("p", f"{more} more items are in the JSON results.", class_="ci") if more > 0 else None)


def _file(benchmark: str) -> str:
    return "".join(c if c.isalnum() or c in "_.-" else "_" for c in benchmark).strip("._")


def _orca_items(students: Sequence[LoadedStudent]) -> Element:
    results = {s.name: s.report.orca_bench for s in students if s.report.orca_bench is not None}
    items = next((s.texts.get(ORCA) for s in students if s.texts.get(ORCA)), {})
    keys: list[tuple[str, int]] = []
    skill: dict[str, str] = {}
    for res in results.values():
        for t in res.turns:
            if (t.item_id, t.turn) not in keys:
                keys.append((t.item_id, t.turn))
            skill[t.item_id] = t.skill
    rows, row_ids = [], []
    for item_id, turn in keys[:MAX_ITEM_ROWS]:
        messages = (items.get(item_id) or {}).get("messages") or []
        users = [m["content"] for m in messages if m.get("role") == "user"]
        teachers = [m["content"] for m in messages if m.get("role") == "assistant"]
        cells: list[object] = [el("code", item_id), skill.get(item_id, ""), str(turn + 1),
                               text_block(users[turn], 200) if turn < len(users) else "-",
                               text_block(teachers[turn], 200) if turn < len(teachers) else "-"]
        for res in results.values():
            t = next((t for t in res.turns if (t.item_id, t.turn) == (item_id, turn)), None)
            answers = res.answers.get(item_id) or []
            answer = answers[turn] if turn < len(answers) else ""
            if t is None:
                cells.append("-")
                continue
            verdict = (el("span", "judge output unparseable", class_="bad") if t.parse_failure else
                       el("span", f"student {t.student:.1f} / teacher {t.teacher:.1f}"))
            cells.append(el("div", text_block(answer, ANSWER_CHARS) if answer else None, verdict,
                            el("div", f"order: {', '.join(t.orders) or '-'}", class_="ci")))
        rows.append(cells)
        row_ids.append(anchor("item", ORCA, item_id, str(turn)))
    return el("div", el("h3", f"Turns ({len(keys)})"),
              table(["item", "skill", "turn", "user turn", "teacher's answer", *results], rows, row_ids=row_ids))
