"""One evaluation job: several students on several benchmarks (and Orca-Bench), written to a directory.

The layout of ``OUT``::

    OUT/evaluation.json           the job: benchmarks and their files, Orca-Bench, judge, students, usage
    OUT/students/<name>.json      one StudentReport per student (rewritten after each benchmark)
    OUT/items/<benchmark>.jsonl   what every item asked (the rendered user turns) and its reference

``eval.report`` reads any number of such directories. A spent budget (``BudgetExhausted``) stops the job
between calls; what was finished is on disk, and a rerun is served from the request cache.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import dspy
from pydantic import BaseModel, ConfigDict, Field

from core.config import EvaluationConfig
from core.lm.accounting import Accountant
from eval.benchmarks import registry
from eval.benchmarks.base import BenchItem
from eval.extraction.decide import AuditConfig
from eval.harness import BenchmarkResult, HarnessConfig, run_benchmark
from eval.judges import TeacherRelativeJudge
from eval.orca_bench import OrcaBenchConfig, OrcaBenchResult, run_orca_bench
from eval.orca_build import load_orca_bench
from eval.orca_items import OrcaItem
from eval.scoring.context import ScoringContext
from eval.students.base import GenerationSettings, Student
from eval.students.build import StudentInfo, safe_name

log = logging.getLogger(__name__)

STUDENTS_DIR = "students"
ITEMS_DIR = "items"
JOB_FILE = "evaluation.json"
ORCA = "orca_bench"


class EvalJobConfig(BaseModel):
    """What one job evaluates and how: benchmark files, Orca-Bench, generation and statistics."""

    model_config = ConfigDict(extra="forbid")

    benchmarks: dict[str, str] = Field(default_factory=dict)
    """Benchmark name -> local file or directory."""
    orca_bench: str | None = None
    """A directory written by ``agentinstruct eval orca-bench`` (its ``items.jsonl``)."""
    limit: int | None = Field(default=None, ge=1)
    harness: HarnessConfig = Field(default_factory=HarnessConfig)
    orca: OrcaBenchConfig = Field(default_factory=OrcaBenchConfig)
    llm_extraction: bool = True

    @classmethod
    def from_evaluation(cls, evaluation: EvaluationConfig, *, benchmarks: dict[str, str] | None = None,
                        orca_bench: str | None = None, limit: int | None = None) -> EvalJobConfig:
        """The job a config's ``evaluation:`` section describes (``benchmarks`` replaces its list)."""
        settings = GenerationSettings(max_new_tokens=evaluation.max_new_tokens, temperature=evaluation.temperature,
                                      batch_size=evaluation.batch_size, seed=evaluation.seed)
        harness = HarnessConfig(settings=settings, n_boot=evaluation.n_boot, seed=evaluation.seed,
                                audit=AuditConfig(rate=evaluation.audit_rate, seed=evaluation.seed))
        return cls(benchmarks=dict(evaluation.benchmarks if benchmarks is None else benchmarks),
                   orca_bench=orca_bench, limit=limit or evaluation.limit, harness=harness,
                   orca=OrcaBenchConfig(order=evaluation.orca_order, seed=evaluation.seed, n_boot=evaluation.n_boot),
                   llm_extraction=evaluation.llm_extraction)

    def needs_judge(self) -> bool:
        """Whether any part of the job calls the judge model."""
        kinds = {registry.get(name).kind for name in self.benchmarks}
        return bool(self.orca_bench) or "judged" in kinds or (
            self.llm_extraction and any(registry.get(n).extractive for n in self.benchmarks))


class StudentReport(BaseModel):
    """Everything one student scored in one job."""

    model_config = ConfigDict(extra="forbid")

    student: StudentInfo
    settings: GenerationSettings
    benchmarks: dict[str, BenchmarkResult] = Field(default_factory=dict)
    orca_bench: OrcaBenchResult | None = None
    elapsed_s: float = 0.0
    usage: dict = Field(default_factory=dict)
    """LM calls, cache hits and tokens spent while this student was evaluated (students and judges)."""


class EvalRun(BaseModel):
    """A finished job, as written to ``OUT/evaluation.json``."""

    model_config = ConfigDict(extra="forbid")

    directory: str
    config: EvalJobConfig
    judge: str | None
    students: list[StudentReport]
    usage: dict = Field(default_factory=dict)
    elapsed_s: float


def load_items(benchmarks: dict[str, str], limit: int | None = None) -> dict[str, list[BenchItem]]:
    """Each benchmark's items, read by its own loader (the first ``limit`` of each)."""
    loaded = {}
    for name, path in benchmarks.items():
        items = registry.get(name).load(Path(path).expanduser())
        loaded[name] = items[:limit] if limit else items
        log.info("%s: %d items from %s", name, len(loaded[name]), path)
    return loaded


def write_items(out: Path, items: dict[str, list[BenchItem]], orca: Sequence[OrcaItem]) -> None:
    """What each item asked, for the report's per-item rows."""
    folder = out / ITEMS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in items.items():
        bench = registry.get(name)
        lines = [json.dumps({"id": i.id, "category": i.category, "turns": bench.render(i),
                             "reference": i.reference}, ensure_ascii=False) for i in rows]
        (folder / f"{safe_name(name)}.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    if orca:
        (folder / f"{ORCA}.jsonl").write_text("".join(i.model_dump_json() + "\n" for i in orca), encoding="utf-8")


def _save(out: Path, report: StudentReport) -> Path:
    path = out / STUDENTS_DIR / f"{safe_name(report.student.name)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.model_dump_json(indent=1), encoding="utf-8")
    return path


def _usage(accountant: Accountant | None, before: dict) -> dict:
    if accountant is None:
        return {}
    now = accountant.snapshot()
    return {k: now[k] - before.get(k, 0) for k in ("calls", "failed_calls", "cache_hits", "prompt_tokens",
                                                     "completion_tokens")}


def run_job(
    students: Sequence[tuple[StudentInfo, Student]],
    config: EvalJobConfig,
    out: str | Path,
    *,
    judge_lm: dspy.BaseLM | None = None,
    adapter: dspy.Adapter | None = None,
    accountant: Accountant | None = None,
    on_result: Callable[[str, str, BenchmarkResult | OrcaBenchResult], None] | None = None,
) -> EvalRun:
    """Evaluate every student on every benchmark of ``config`` (and Orca-Bench), writing ``out``.

    ``judge_lm`` judges MT-Bench/FoFo and Orca-Bench and backs the Appendix B extractors (when
    ``config.llm_extraction``); ``on_result(student, benchmark, result)`` is called as results arrive.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    before_all = accountant.snapshot() if accountant else {}
    items = load_items(config.benchmarks, config.limit)
    orca_items = load_orca_bench(config.orca_bench) if config.orca_bench else []
    if config.limit and orca_items:
        orca_items = orca_items[: config.limit]
    write_items(out, items, orca_items)
    extractor = judge_lm if config.llm_extraction else None
    context = ScoringContext.from_lms(judge_lm, extractor, config.harness.audit, adapter)
    pair_judge = TeacherRelativeJudge(judge_lm, adapter) if judge_lm is not None else None
    if orca_items and pair_judge is None:
        raise ValueError("Orca-Bench needs a judge model")
    reports = []
    for info, student in students:
        t0, before = time.monotonic(), accountant.snapshot() if accountant else {}
        report = StudentReport(student=info, settings=config.harness.settings)
        for name, rows in items.items():
            result = run_benchmark(registry.get(name), rows, student, config=config.harness, context=context)
            report.benchmarks[name] = result
            report.elapsed_s, report.usage = time.monotonic() - t0, _usage(accountant, before)
            _save(out, report)
            if on_result:
                on_result(info.name, name, result)
        if orca_items:
            report.orca_bench = run_orca_bench(orca_items, student, pair_judge, config.harness.settings, config.orca)
            if on_result:
                on_result(info.name, ORCA, report.orca_bench)
        report.elapsed_s, report.usage = time.monotonic() - t0, _usage(accountant, before)
        _save(out, report)
        reports.append(report)
    run = EvalRun(directory=str(out), config=config, judge=getattr(judge_lm, "model", None), students=reports,
                  usage=_usage(accountant, before_all), elapsed_s=time.monotonic() - started)
    (out / JOB_FILE).write_text(run.model_dump_json(indent=1), encoding="utf-8")
    return run


def read_student_reports(directory: str | Path) -> list[StudentReport]:
    """The student reports of one job directory (``students/*.json``)."""
    folder = Path(directory) / STUDENTS_DIR
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not files:
        raise FileNotFoundError(f"{directory}: no evaluation results (students/*.json); run `agentinstruct eval run`")
    return [StudentReport.model_validate_json(f.read_text(encoding="utf-8")) for f in files]


def read_item_texts(directory: str | Path) -> dict[str, dict[str, dict]]:
    """``benchmark -> item id -> {turns, reference, ...}`` from a job directory's ``items/`` (may be empty)."""
    folder = Path(directory) / ITEMS_DIR
    texts: dict[str, dict[str, dict]] = {}
    for f in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        rows = [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
        texts[f.stem] = {str(r["id"]): r for r in rows}
    return texts
