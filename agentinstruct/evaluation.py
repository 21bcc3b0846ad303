"""The evaluation API: ``evaluate`` (the job of ``agentinstruct eval run``), ``build_orca_bench`` and
``write_eval_report`` (``agentinstruct eval orca-bench`` / ``eval report``). The CLI calls these and nothing else.

A job builds its models as generation does: one request cache (``open_request_cache``), one accountant
(the config's budget, or ``max_calls``/``max_cost``), and every model student and the judge built by
``core.lm.roles.build_lm`` behind the one middleware; so a rerun is served from the cache, a budget stops
the job cleanly, and the calls are counted in the results.

``backend="ray"`` runs the (student, benchmark) pairs on Ray actors (``agentinstruct.engine.ray_eval``) that
build the students and the judge from the config; results and usage come back here, where the budget is
checked before each pair is sent and every file and the report are written as a local job writes them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import dspy

from agentinstruct.api import resolve_config
from agentinstruct.reports.eval_page import eval_page
from core.config import RunConfig
from core.lm.accounting import Accountant
from core.lm.cache import open_request_cache
from core.lm.compact_adapter import adapter_for
from core.lm.metered import MeteredLM, metered
from eval.job import EvalJobConfig, EvalRun, run_job
from eval.orca_build import OrcaBenchSet
from eval.orca_build import build_orca_bench as _build_orca_bench
from eval.report import EvalReport, build_report, load_students, write_report_json
from eval.students.base import Student
from eval.students.build import StudentFactory, StudentInfo, parse_student

log = logging.getLogger(__name__)

REPORT_HTML = "report.html"


@dataclass(frozen=True)
class Evaluation:
    """What ``evaluate`` returns: the job's results, the report over them, and where both were written."""

    run: EvalRun
    report: EvalReport
    json_path: Path
    html_path: Path

    def score(self, student: str, benchmark: str):
        """The ``Interval`` of one student on one benchmark (``orca_bench`` for Orca-Bench), or None."""
        row = self.report.row(benchmark)
        cell = row.cells.get(student) if row else None
        return cell.score if cell else None


def evaluate(
    students: Sequence[str | Student] | str | Student,
    out: str | Path,
    *,
    benchmarks: Mapping[str, str] | None = None,
    orca_bench: str | Path | None = None,
    config: RunConfig | str | Path | None = None,
    limit: int | None = None,
    max_calls: int | None = None,
    max_cost: float | None = None,
    judge: dspy.BaseLM | None = None,
    adapter: dspy.Adapter | None = None,
    device: str = "auto",
    backend: str | None = None,
    ray_address: str | None = None,
    ray_workers: int | None = None,
) -> Evaluation:
    """Evaluate ``students`` on ``benchmarks`` (default: the config's ``evaluation.benchmarks``) and on the
    Orca-Bench at ``orca_bench``; write results and the report (JSON and HTML) into ``out``.

    A student is a string (``embedded``, a checkpoint directory, ``role:responder``, a name under
    ``evaluation.students``, a LiteLLM model string; ``NAME=...`` names it) or any object with the
    ``Student`` protocol. ``judge`` replaces the config's judge model (it is still metered and cached).
    ``backend`` (``local`` or ``ray``, with ``ray_address`` and ``ray_workers``) says where the pairs run; on
    Ray every student must be a string and the judge the config's (workers build them from the config).
    """
    cfg = resolve_config(config, max_calls=max_calls, max_cost=max_cost)
    job = EvalJobConfig.from_evaluation(cfg.evaluation, benchmarks=dict(benchmarks) if benchmarks is not None
                                        else None, orca_bench=str(orca_bench) if orca_bench else None, limit=limit)
    job = job.model_copy(update={k: v for k, v in (("backend", backend), ("ray_address", ray_address),
                                                   ("ray_workers", ray_workers)) if v is not None})
    job = EvalJobConfig.model_validate(job.model_dump())  # the overrides validated like the config's
    if not job.benchmarks and not job.orca_bench:
        raise ValueError("nothing to evaluate: name benchmarks (evaluation.benchmarks, --bench NAME=PATH) "
                         "or an Orca-Bench (--orca-bench DIR)")
    accountant = Accountant(cfg.budget)
    named = [students] if isinstance(students, (str, Student)) else list(students)
    if job.backend == "ray":
        run = _evaluate_on_ray(named, out, cfg, job, accountant, judge=judge, adapter=adapter, device=device)
        report, json_path, html_path = write_eval_report([out], out, n_boot=job.harness.n_boot,
                                                         seed=job.harness.seed)
        return Evaluation(run=run, report=report, json_path=json_path, html_path=html_path)
    store = open_request_cache(cfg.cache)
    try:
        factory = StudentFactory(cfg.models, accountant, store, device=device)
        built = [_student(s, cfg, factory) for s in named]
        judge_lm = None
        if judge is not None:
            judge_lm = judge if isinstance(judge, MeteredLM) else metered(judge, accountant, store)
        elif job.needs_judge():
            judge_lm = factory.judge()
        adapter = adapter or adapter_for(judge_lm) or dspy.JSONAdapter()
        run = run_job(built, job, out, judge_lm=judge_lm, adapter=adapter, accountant=accountant,
                      on_result=_log_result)
    finally:
        if store is not None:
            store.close()
    report, json_path, html_path = write_eval_report([out], out, n_boot=job.harness.n_boot, seed=job.harness.seed)
    return Evaluation(run=run, report=report, json_path=json_path, html_path=html_path)


def _evaluate_on_ray(students: list[str | Student], out: str | Path, cfg: RunConfig, job: EvalJobConfig,
                     accountant: Accountant, *, judge: dspy.BaseLM | None, adapter: dspy.Adapter | None,
                     device: str) -> EvalRun:
    """The job with its pairs on Ray workers that build each student and the judge from ``cfg``."""
    objects = [type(s).__name__ for s in students if not isinstance(s, str)]
    if objects or judge is not None or adapter is not None:
        given = ", ".join([*(f"a {o} student" for o in objects), *(["a judge LM"] if judge is not None else []),
                           *(["an adapter"] if adapter is not None else [])])
        raise ValueError(f"{out}: backend ray builds students and the judge in its workers from the config, so "
                         f"they are named by strings; got {given} (use backend local for objects)")
    from agentinstruct.engine.ray_eval import RayPairs

    infos = [parse_student(s, cfg.models, cfg.evaluation) for s in students]
    with RayPairs(cfg, job, infos, accountant, device=device) as runner:
        return run_job([(info, None) for info in infos], job, out, accountant=accountant, on_result=_log_result,
                       runner=runner, judge_name=runner.judge_name)


def _student(student: str | Student, cfg: RunConfig, factory: StudentFactory) -> tuple[StudentInfo, Student]:
    if isinstance(student, str):
        info = parse_student(student, cfg.models, cfg.evaluation)
        return info, factory.student(info)
    return StudentInfo(name=student.name, kind="model", source=type(student).__name__), student


def _log_result(student: str, benchmark: str, result) -> None:
    score = result.score
    if score is not None:
        log.info("%s on %s: %.4f [%.4f, %.4f]", student, benchmark, score.estimate, score.low, score.high)


def build_orca_bench(runs: Sequence[str | Path] | str | Path, out: str | Path, *, per_skill: int = 100,
                     seed: int = 0, name: str = "orca-bench") -> OrcaBenchSet:
    """Choose ``per_skill`` held-out records per skill (ODQA and complex ODQA apart) from generated runs
    with a seeded RNG, write them to ``out`` and record their ids in each run (``RUN/heldout/``), which
    SFT data loading refuses. The same job as ``agentinstruct eval orca-bench``."""
    runs = [runs] if isinstance(runs, (str, Path)) else list(runs)
    return _build_orca_bench(runs, out, per_skill=per_skill, seed=seed, name=name)


def write_eval_report(directories: Sequence[str | Path], out: str | Path, *, n_boot: int = 1000, seed: int = 0,
                      title: str = "Evaluation report") -> tuple[EvalReport, Path, Path]:
    """The report over the students of one or more job directories: ``out/report.json`` and a
    self-contained ``out/report.html``. The same job as ``agentinstruct eval report``."""
    students = load_students(directories)
    report = build_report(students, n_boot=n_boot, seed=seed)
    json_path = write_report_json(report, out)
    html_path = Path(out) / REPORT_HTML
    html_path.write_text(eval_page(report, students, title=title), encoding="utf-8")
    return report, json_path, html_path
