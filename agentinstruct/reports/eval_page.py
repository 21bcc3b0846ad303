"""The evaluation report as one self-contained HTML page (``agentinstruct eval report``).

Sections: the students and how they generated; every score with its 95% bootstrap interval; the paired
comparisons; a radar of Orca-Bench skills (the paper's Figure 4: the teacher is the outer ring) and one of
the benchmarks; then one section per benchmark with its per-category scores, extraction figures and a
row per item (the prompt, each student's answer, what was extracted and the verdict).
"""

from __future__ import annotations

from collections.abc import Sequence

from agentinstruct.html import (
    Element,
    colour,
    definition_list,
    el,
    interval_chart,
    page,
    radar_chart,
    section,
    table,
    text_block,
)
from eval.job import ORCA
from eval.report import BenchmarkRow, Cell, EvalReport, LoadedStudent
from eval.stats import Interval

MAX_ITEM_ROWS = 300
"""Per-item rows shown per benchmark (all of them are in the JSON files)."""
ANSWER_CHARS = 400


def anchor(*parts: str) -> str:
    """An id usable as a link target."""
    return "-".join("".join(c if c.isalnum() else "_" for c in p) for p in parts)


def percent(scale: str) -> float:
    """Display factor of a scale: unit scores as percentages, ratings as they are."""
    return 100.0 if scale == "unit" else 1.0


def fmt_interval(iv: Interval | None, scale: str) -> Element | str:
    """``61.2 [55.0, 67.1]``."""
    if iv is None:
        return "n/a"
    f, d = percent(scale), 1 if scale == "unit" else 2
    bounds = el("span", f"[{iv.low * f:.{d}f}, {iv.high * f:.{d}f}]", class_="ci")
    return el("span", f"{iv.estimate * f:.{d}f} ", bounds)


def student_tag(name: str, index: int) -> Element:
    """A student's name with its series colour."""
    return el("span", el("span", "\u25a0 ", style=f"color:{colour(index)}"), name)


def _cell(cell: Cell | None, scale: str) -> Element | str:
    if cell is None:
        return "-"
    notes = [f"n={cell.n_scored}/{cell.n_items}"]
    if cell.misses:
        notes.append(f"misses {cell.misses}")
    if cell.judge_parse_failures:
        notes.append(f"judge parse failures {cell.judge_parse_failures}")
    if cell.scoring_errors:
        notes.append(f"errors {cell.scoring_errors}")
    return el("span", fmt_interval(cell.score, scale), el("br"), el("span", ", ".join(notes), class_="ci"))


def _label(row: BenchmarkRow) -> Element:
    unit = {"unit": "%", "rating10": "1-10", "ratio10": "0-10, teacher = 10"}.get(row.scale, row.scale)
    name = "Orca-Bench" if row.benchmark == ORCA else row.benchmark
    return el("span", el("a", name, href=f"#{anchor('bench', row.benchmark)}"), " ", el("span", unit, class_="tag"))


def students_section(report: EvalReport) -> Element:
    rows = []
    for i, s in enumerate(report.students):
        st = s.settings
        gen = (f"max_new_tokens={st.max_new_tokens}, temperature={st.temperature:g}, top_p={st.top_p:g}, "
               f"seed={st.seed}, batch={st.batch_size}")
        usage = s.usage or {}
        rows.append([student_tag(s.name, i), s.kind, el("code", s.source), gen, f"{s.elapsed_s:.0f}",
                     f"{usage.get('calls', 0)} / {usage.get('cache_hits', 0)}"])
    return section("Students", table(["student", "kind", "source", "generation settings", "seconds",
                                      "LM calls / cache hits"], rows, numeric=[4, 5]), id="students")


def scores_section(report: EvalReport) -> Element:
    names = [s.name for s in report.students]
    rows = [[_label(row)] + [_cell(row.cells.get(n), row.scale) for n in names] for row in report.benchmarks]
    headers = ["benchmark"] + [student_tag(n, i) for i, n in enumerate(names)]
    note = el("p", f"Estimate and 95% bootstrap interval over items (B = {report.n_boot}, seed {report.seed}). "
                   "A miss is an answer nothing could be extracted from (scored 0); an item whose judge output "
                   "did not parse is left out of the mean and counted.", class_="ci")
    return section("Scores", note, table(headers, rows, numeric=list(range(1, len(names) + 1))), id="scores")


def comparisons_section(report: EvalReport) -> Element | None:
    if not report.comparisons:
        return None
    rows = []
    for c in report.comparisons:
        row = report.row(c.benchmark)
        scale = row.scale if row else "unit"
        d = c.paired.difference
        sign = "good" if d.low > 0 else "bad" if d.high < 0 else None
        rows.append([_label(row) if row else c.benchmark, f"{c.a} \u2212 {c.b}",
                     el("span", fmt_interval(d, scale), class_=sign),
                     "<0.001" if c.paired.p_value < 0.001 else f"{c.paired.p_value:.3f}", str(d.n)])
    note = el("p", "Paired bootstrap of the difference over the items both students were scored on (all of an "
                   "item's numbers resampled together); green: the interval lies above 0, red: below.", class_="ci")
    return section("Paired comparisons", note, table(["benchmark", "difference", "estimate [95% CI]", "p", "items"],
                                                     rows, numeric=[2, 3, 4]), id="comparisons")


def charts_section(report: EvalReport) -> Element | None:
    names = [s.name for s in report.students]
    charts: list[Element] = []
    orca = report.row(ORCA)
    if orca:
        skills = sorted({k for cell in orca.cells.values() for k in cell.per_category})
        if len(skills) >= 3:
            series = {n: [orca.cells[n].per_category[k].estimate if n in orca.cells and k in orca.cells[n].per_category
                          else None for k in skills] for n in names if n in orca.cells}
            charts.append(radar_chart(skills, series, max_value=10, title="Orca-Bench by skill",
                                      outer_label="outer ring: teacher = 10"))
    benches = [r for r in report.benchmarks if r.benchmark != ORCA]
    if len(benches) >= 3:
        series = {n: [_normalised(r.cells.get(n), r.scale) for r in benches] for n in names}
        charts.append(radar_chart([r.benchmark for r in benches], series, max_value=100,
                                  title="Benchmarks (% of the maximum)", outer_label="outer ring: 100%"))
    rows, lo, hi = [], 0.0, 0.0
    for r in report.benchmarks:
        for i, n in enumerate(names):
            cell = r.cells.get(n)
            if cell and cell.score:
                f = 100.0 if r.scale == "unit" else 10.0
                rows.append((f"{'Orca-Bench' if r.benchmark == ORCA else r.benchmark} \u00b7 {n}",
                             cell.score.estimate * f, cell.score.low * f, cell.score.high * f, i))
                hi = max(hi, cell.score.high * f)
    if rows:
        charts.append(interval_chart(rows, low=lo, high=max(100.0, hi), title="Scores with 95% intervals "
                                     "(% of the maximum)"))
    return section("Charts", el("div", charts, class_="charts"), id="charts") if charts else None


def _normalised(cell: Cell | None, scale: str) -> float | None:
    if cell is None or cell.score is None:
        return None
    return cell.score.estimate * (100.0 if scale == "unit" else 10.0)


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


def eval_page(report: EvalReport, students: Sequence[LoadedStudent], *, title: str = "Evaluation report") -> str:
    """The report page as an HTML string."""
    benches = ", ".join("Orca-Bench" if r.benchmark == ORCA else r.benchmark for r in report.benchmarks)
    nav = el("nav", [el("a", t, href=f"#{i}") for t, i in (("students", "students"), ("scores", "scores"),
                                                          ("comparisons", "comparisons"), ("charts", "charts"))]
             + [el("a", "Orca-Bench" if r.benchmark == ORCA else r.benchmark, href=f"#{anchor('bench', r.benchmark)}")
                for r in report.benchmarks])
    body = [nav, students_section(report), scores_section(report), comparisons_section(report),
            charts_section(report)]
    body += [benchmark_section(row, students) for row in report.benchmarks]
    subtitle = f"{len(report.students)} student(s) on {benches or 'no benchmark'}"
    return page(title, *body, subtitle=subtitle)
