"""The evaluation report as data: every score with its interval, breakdowns, paired comparisons, failures.

Built from the student reports of one or more job directories (``eval.job``). Each benchmark row holds
one cell per student; each later student is compared with each earlier one (``a - b``, ``a`` the later: list
the baseline first) by a paired bootstrap of the difference over the items both were scored on
(Orca-Bench: the difference of the two teacher-relative ratios over the items both were rated on). The HTML page
(``agentinstruct.reports.eval_page``) renders this and the per-item rows of the student reports.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from eval.extraction.decide import Agreement
from eval.job import ORCA, StudentReport, read_item_texts, read_student_reports
from eval.orca_bench import OrcaBenchResult
from eval.stats import Interval, PairedDifference, paired_bootstrap, paired_ratio_bootstrap
from eval.students.base import GenerationSettings

REPORT_JSON = "report.json"


class Cell(BaseModel):
    """One student's score on one benchmark."""

    model_config = ConfigDict(extra="forbid")

    score: Interval | None
    n_items: int
    n_scored: int
    misses: int = 0
    judge_parse_failures: int = 0
    scoring_errors: int = 0
    extractor_counts: dict[str, int] = Field(default_factory=dict)
    agreement: Agreement | None = None
    extra: dict[str, float] = Field(default_factory=dict)
    per_category: dict[str, Interval] = Field(default_factory=dict)
    """Per category (benchmarks) or per skill (Orca-Bench)."""


class BenchmarkRow(BaseModel):
    """A benchmark across students."""

    model_config = ConfigDict(extra="forbid")

    benchmark: str
    kind: str
    scale: str
    """``unit`` (0-1), ``rating10`` (1-10) or ``ratio10`` (Orca-Bench, teacher = 10)."""
    cells: dict[str, Cell]


class Comparison(BaseModel):
    """A paired comparison of two students on the items of one benchmark both were scored on."""

    model_config = ConfigDict(extra="forbid")

    benchmark: str
    a: str
    b: str
    paired: PairedDifference
    """``a - b`` with its bootstrap interval and two-sided p-value."""


class StudentSummary(BaseModel):
    """Who a student is and how it generated."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: str
    source: str
    settings: GenerationSettings
    directory: str
    elapsed_s: float
    usage: dict = Field(default_factory=dict)


class EvalReport(BaseModel):
    """What ``agentinstruct eval report`` writes as ``report.json``."""

    model_config = ConfigDict(extra="forbid")

    students: list[StudentSummary]
    benchmarks: list[BenchmarkRow]
    comparisons: list[Comparison]
    n_boot: int
    seed: int

    def row(self, benchmark: str) -> BenchmarkRow | None:
        """The row of ``benchmark`` (``orca_bench`` for Orca-Bench)."""
        return next((r for r in self.benchmarks if r.benchmark == benchmark), None)

    def comparison(self, benchmark: str, a: str, b: str) -> Comparison | None:
        """The paired comparison ``a - b`` on ``benchmark`` (``None`` when they share no scored item)."""
        return next((c for c in self.comparisons if (c.benchmark, c.a, c.b) == (benchmark, a, b)), None)


class LoadedStudent(BaseModel):
    """A student report with the directory it came from and the item texts of that job."""

    model_config = ConfigDict(extra="forbid")

    name: str
    directory: str
    report: StudentReport
    texts: dict[str, dict[str, dict]] = Field(default_factory=dict)


def load_students(directories: Sequence[str | Path]) -> list[LoadedStudent]:
    """Every student of the given job directories; a name met twice gets its directory appended."""
    loaded, seen = [], set()
    for directory in directories:
        texts = read_item_texts(directory)
        for report in read_student_reports(directory):
            name = report.student.name
            if name in seen:
                name = f"{name} ({Path(directory).name})"
            seen.add(name)
            loaded.append(LoadedStudent(name=name, directory=str(directory), report=report, texts=texts))
    return loaded


def _orca_sums(result: OrcaBenchResult) -> dict[str, tuple[float, float]]:
    sums: dict[str, tuple[float, float]] = {}
    for t in result.turns:
        if not t.parse_failure:
            s, d = sums.get(t.item_id, (0.0, 0.0))
            sums[t.item_id] = (s + t.student, d + t.teacher)
    return sums


def _orca_cell(result: OrcaBenchResult) -> Cell:
    return Cell(score=result.score, n_items=len({t.item_id for t in result.turns}), n_scored=result.n_items,
                judge_parse_failures=result.judge_parse_failures, per_category=result.per_skill)


def compare(a: LoadedStudent, b: LoadedStudent, benchmark: str, n_boot: int, seed: int) -> Comparison | None:
    """The paired comparison ``a - b`` on one benchmark, over the items both were scored on."""
    if benchmark == ORCA:
        ra, rb = a.report.orca_bench, b.report.orca_bench
        if ra is None or rb is None:
            return None
        sa, sb = _orca_sums(ra), _orca_sums(rb)
        common = [i for i in sa if i in sb and sa[i][1] > 0 and sb[i][1] > 0]
        if not common:
            return None
        paired = paired_ratio_bootstrap([sa[i][0] for i in common], [sa[i][1] for i in common],
                                        [sb[i][0] for i in common], [sb[i][1] for i in common],
                                        n_boot=n_boot, seed=seed)
        return Comparison(benchmark=benchmark, a=a.name, b=b.name, paired=paired)
    ra, rb = a.report.benchmarks.get(benchmark), b.report.benchmarks.get(benchmark)
    if ra is None or rb is None:
        return None
    scores_b = {r.id: r.score for r in rb.items if r.score is not None}
    common = [(r.score, scores_b[r.id]) for r in ra.items if r.score is not None and r.id in scores_b]
    if not common:
        return None
    paired = paired_bootstrap([x for x, _ in common], [y for _, y in common], n_boot=n_boot, seed=seed)
    return Comparison(benchmark=benchmark, a=a.name, b=b.name, paired=paired)


def build_report(students: Sequence[LoadedStudent], *, n_boot: int = 1000, seed: int = 0) -> EvalReport:
    """The report over ``students`` (benchmarks in first-seen order, Orca-Bench last)."""
    names: list[str] = []
    for s in students:
        names += [n for n in s.report.benchmarks if n not in names]
    rows = []
    for name in names:
        cells, kind, scale = {}, "", "unit"
        for s in students:
            r = s.report.benchmarks.get(name)
            if r is None:
                continue
            kind, scale = r.kind, r.scale
            cells[s.name] = Cell(score=r.score, n_items=r.n_items, n_scored=r.n_scored, misses=r.misses,
                                 judge_parse_failures=r.judge_parse_failures, scoring_errors=r.scoring_errors,
                                 extractor_counts=r.extractor_counts, agreement=r.agreement, extra=r.extra,
                                 per_category=r.per_category)
        rows.append(BenchmarkRow(benchmark=name, kind=kind, scale=scale, cells=cells))
    orca = {s.name: _orca_cell(s.report.orca_bench) for s in students if s.report.orca_bench is not None}
    if orca:
        rows.append(BenchmarkRow(benchmark=ORCA, kind="orca_bench", scale="ratio10", cells=orca))
    comparisons = [c for row in rows for a, b in itertools.combinations(students, 2)
                   if (c := compare(b, a, row.benchmark, n_boot, seed)) is not None]
    summaries = [StudentSummary(name=s.name, kind=s.report.student.kind, source=s.report.student.source,
                                settings=s.report.settings, directory=s.directory, elapsed_s=s.report.elapsed_s,
                                usage=s.report.usage) for s in students]
    return EvalReport(students=summaries, benchmarks=rows, comparisons=comparisons, n_boot=n_boot, seed=seed)


def write_report_json(report: EvalReport, out: str | Path) -> Path:
    """Write ``report.json`` into ``out``."""
    path = Path(out) / REPORT_JSON
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.model_dump_json(indent=1), encoding="utf-8")
    return path
