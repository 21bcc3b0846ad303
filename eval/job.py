"""One evaluation job: several students on several benchmarks (and Orca-Bench), written to a directory.

The layout of ``OUT``::

    OUT/evaluation.json           the job: benchmarks and their files, Orca-Bench, judge, students, usage
    OUT/students/<name>.json      one StudentReport per student (rewritten after each benchmark)
    OUT/items/<benchmark>.jsonl   what every item asked (the rendered user turns) and its reference

``eval.report`` reads any number of such directories. A spent budget (``BudgetExhausted``) stops the job
between calls; what was finished is on disk, and a rerun is served from the request cache.

``backend: ray`` runs the (student, benchmark) pairs elsewhere: ``run_job`` is given a ``PairRunner`` (the Ray
one is ``agentinstruct.engine.ray_eval``) that runs each pair where its student and judge are built, and
hands back the typed result; this process still loads the items, writes every file in the same order and
keeps the usage (the runner merges each pair's usage into the job's accountant as its result is taken).
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

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
    backend: Literal["local", "ray"] = "local"
    """Where the (student, benchmark) pairs run: in this process, or as Ray actors that build each student
    and the judge from the run's config (``pip install 'agentinstruct[ray]'``)."""
    ray_address: str | None = None
    """The Ray cluster to join (``ray://head:10001`` or ``auto``); ``None`` starts a local Ray instance."""
    ray_workers: int = Field(default=1, ge=1, le=4096)
    """Ray actors running pairs, one pair at a time each; per-model ``rpm``, ``tpm`` and
    ``max_concurrency`` are divided among them."""

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
                   llm_extraction=evaluation.llm_extraction, backend=evaluation.backend,
                   ray_address=evaluation.ray_address, ray_workers=evaluation.ray_workers)

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


class PairRunner(Protocol):
    """Runs (student, benchmark) pairs of a job elsewhere; ``run_job`` keeps ``capacity`` of them in flight and
    takes their results in job order."""

    capacity: int

    def submit(self, student: int, benchmark: str) -> Any:
        """Start student number ``student`` on ``benchmark`` (``ORCA`` for Orca-Bench); a handle for ``result``.
        ``BudgetExhausted`` when the job's budget is spent."""
        ...

    def result(self, handle: Any) -> BenchmarkResult | OrcaBenchResult:
        """Wait for a submitted pair; its result (its usage merged into the job's accountant), or its error."""
        ...


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


def job_items(config: EvalJobConfig) -> tuple[dict[str, list[BenchItem]], list[OrcaItem]]:
    """The job's benchmark items and Orca-Bench items (the first ``limit`` of each)."""
    items = load_items(config.benchmarks, config.limit)
    orca_items = load_orca_bench(config.orca_bench) if config.orca_bench else []
    if config.limit and orca_items:
        orca_items = orca_items[: config.limit]
    return items, orca_items


def job_scoring(config: EvalJobConfig, judge_lm: dspy.BaseLM | None, adapter: dspy.Adapter | None
                ) -> tuple[ScoringContext, TeacherRelativeJudge | None]:
    """How the job scores: the benchmarks' scoring context and Orca-Bench's judge (both on ``judge_lm``)."""
    extractor = judge_lm if config.llm_extraction else None
    context = ScoringContext.from_lms(judge_lm, extractor, config.harness.audit, adapter)
    pair_judge = TeacherRelativeJudge(judge_lm, adapter) if judge_lm is not None else None
    return context, pair_judge


def run_pair(config: EvalJobConfig, benchmark: str, items: Sequence, student: Student, context: ScoringContext,
             pair_judge: TeacherRelativeJudge | None) -> BenchmarkResult | OrcaBenchResult:
    """One student on one benchmark (``ORCA``: on Orca-Bench, against the teacher)."""
    if benchmark == ORCA:
        if pair_judge is None:
            raise ValueError("Orca-Bench needs a judge model")
        return run_orca_bench(list(items), student, pair_judge, config.harness.settings, config.orca)
    return run_benchmark(registry.get(benchmark), list(items), student, config=config.harness, context=context)


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
    students: Sequence[tuple[StudentInfo, Student | None]],
    config: EvalJobConfig,
    out: str | Path,
    *,
    judge_lm: dspy.BaseLM | None = None,
    adapter: dspy.Adapter | None = None,
    accountant: Accountant | None = None,
    on_result: Callable[[str, str, BenchmarkResult | OrcaBenchResult], None] | None = None,
    runner: PairRunner | None = None,
    judge_name: str | None = None,
) -> EvalRun:
    """Evaluate every student on every benchmark of ``config`` (and Orca-Bench), writing ``out``.

    ``judge_lm`` judges MT-Bench/FoFo and Orca-Bench and backs the Appendix B extractors (when
    ``config.llm_extraction``); ``on_result(student, benchmark, result)`` is called as results arrive.
    With ``runner`` the pairs run there (each student given as ``(info, None)``; the runner builds them and
    the judge, whose model ``judge_name`` names); the files, their order and the results are the same.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    before_all = accountant.snapshot() if accountant else {}
    items, orca_items = job_items(config)
    write_items(out, items, orca_items)
    names = [*items, *([ORCA] if orca_items else [])]
    if runner is None:
        context, pair_judge = job_scoring(config, judge_lm, adapter)
        if orca_items and pair_judge is None:
            raise ValueError("Orca-Bench needs a judge model")
        rows = {**items, ORCA: orca_items}

        def take(i: int, name: str) -> BenchmarkResult | OrcaBenchResult:
            return run_pair(config, name, rows[name], students[i][1], context, pair_judge)
    else:
        take = _windowed(runner, [(i, name) for i in range(len(students)) for name in names])
    reports = []
    for i, (info, _student) in enumerate(students):
        t0, before = time.monotonic(), accountant.snapshot() if accountant else {}
        report = StudentReport(student=info, settings=config.harness.settings)
        for name in names:
            result = take(i, name)
            if name == ORCA:
                report.orca_bench = result
            else:
                report.benchmarks[name] = result
                report.elapsed_s, report.usage = time.monotonic() - t0, _usage(accountant, before)
                _save(out, report)
            if on_result:
                on_result(info.name, name, result)
        report.elapsed_s, report.usage = time.monotonic() - t0, _usage(accountant, before)
        _save(out, report)
        reports.append(report)
    judge = judge_name if runner is not None else getattr(judge_lm, "model", None)
    run = EvalRun(directory=str(out), config=config, judge=judge, students=reports,
                  usage=_usage(accountant, before_all), elapsed_s=time.monotonic() - started)
    (out / JOB_FILE).write_text(run.model_dump_json(indent=1), encoding="utf-8")
    return run


def _windowed(runner: PairRunner, keys: list[tuple[int, str]]) -> Callable[[int, str], Any]:
    """``take(student, benchmark)`` over ``runner``: pairs sent in job order, up to ``capacity`` in flight, each
    sent only once the results taken before it are merged and saved (a spent budget stops the job between
    pairs, with every finished pair on disk)."""
    queue: deque = deque()
    upcoming = iter(keys)

    def top_up() -> None:
        while len(queue) < max(1, runner.capacity):
            key = next(upcoming, None)
            if key is None:
                return
            queue.append((key, runner.submit(*key)))

    def take(i: int, name: str):
        top_up()
        key, handle = queue.popleft()
        if key != (i, name):
            raise RuntimeError(f"pair runner out of order: expected {(i, name)}, got {key}")
        return runner.result(handle)  # the next pairs are sent on the next take, after this one is saved

    return take


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
