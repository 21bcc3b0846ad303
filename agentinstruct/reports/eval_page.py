"""The evaluation report as one self-contained HTML page (``agentinstruct eval report``).

Sections: the students and how they generated; every score with its 95% bootstrap interval; the paired
comparisons; a radar of Orca-Bench skills (the paper's Figure 4: the teacher is the outer ring) and one of
the benchmarks; then one section per benchmark with its per-category scores, extraction figures and a
row per item (the prompt, each student's answer, what was extracted and the verdict).
"""

from __future__ import annotations

from collections.abc import Sequence

from agentinstruct.html import Element, el, interval_chart, page, radar_chart, section, table
from agentinstruct.reports.eval_format import anchor, fmt_interval, student_tag
from agentinstruct.reports.eval_items import benchmark_section
from eval.job import ORCA
from eval.report import BenchmarkRow, Cell, EvalReport, LoadedStudent


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
