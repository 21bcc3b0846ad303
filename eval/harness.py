"""Run one benchmark for one student: generate, score, summarise with bootstrap intervals.

Generation and scoring are two steps. The student generates first, turn by turn, one batched
``Student.generate`` call per turn over every item that has that turn (a Hugging Face student is far faster
batched, and multi-turn items need their own earlier answers). Scoring then runs on ``dspy.Evaluate`` over a
trivial program that returns the stored answers, with a metric that extracts or judges (returning the item
score on a 0-1 scale, for Evaluate's own log line): Evaluate contributes its threads (judge and extractor LM
calls run ``num_threads`` at a time), its error accounting and its progress display; the metric records a
typed :class:`ItemResult` per item, from which the score, per-category scores, extractor counts, regex/LLM
agreement and parse failures are computed here. An item whose scoring raised is recorded as a scoring error
(its score is ``None``); Evaluate stops the run after ``max_errors`` of them."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import dspy
from pydantic import BaseModel, ConfigDict, Field

from eval.benchmarks.base import BenchItem, Benchmark, ItemResult, Kind, Scale
from eval.extraction.decide import Agreement, AuditConfig, agreement, decide
from eval.scoring.context import MissingJudgeError, ScoringContext
from eval.stats import Interval, bootstrap_mean, per_category_mean
from eval.students.base import GenerationSettings, Message, Student

log = logging.getLogger(__name__)


class HarnessConfig(BaseModel):
    """How a benchmark run generates, audits and summarises."""

    model_config = ConfigDict(extra="forbid")

    settings: GenerationSettings = Field(default_factory=GenerationSettings)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    n_boot: int = Field(1000, ge=1)
    seed: int = 0
    num_threads: int = Field(1, ge=1)
    """Threads scoring items (judge/extractor LM calls) in ``dspy.Evaluate``."""
    max_errors: int = Field(10, ge=1)
    """Scoring errors after which ``dspy.Evaluate`` stops the run."""


class BenchmarkResult(BaseModel):
    """A benchmark's score for one student, with everything needed to trust (or distrust) it."""

    model_config = ConfigDict(extra="forbid")

    benchmark: str
    kind: Kind
    scale: Scale
    student: str
    settings: GenerationSettings
    score: Interval | None
    """Mean item score with its bootstrap interval; ``None`` when no item could be scored."""
    per_category: dict[str, Interval]
    n_items: int
    n_scored: int
    misses: int
    """Items whose answer could not be extracted (scored 0)."""
    judge_parse_failures: int
    """Items with at least one unparseable judge/extractor output."""
    scoring_errors: int
    extractor_counts: dict[str, int]
    agreement: Agreement | None
    extra: dict[str, float] = Field(default_factory=dict)
    items: list[ItemResult]

    def save(self, path: str | Path) -> Path:
        """Write the result as JSON."""
        path = Path(path)
        path.write_text(self.model_dump_json(indent=2), encoding="utf-8")
        return path


def conversation_prompts(benchmark: Benchmark, item: BenchItem) -> tuple[list[Message], list[str]]:
    """The item's opening messages (a system turn, if the benchmark has one) and its user turns."""
    system = [{"role": "system", "content": benchmark.system_prompt}] if benchmark.system_prompt else []
    return system, benchmark.render(item)


def generate(
    benchmark: Benchmark, items: Sequence[BenchItem], student: Student, settings: GenerationSettings
) -> dict[str, list[str]]:
    """Every item's student answers, one per user turn; one batched call per turn index."""
    histories: dict[str, list[Message]] = {}
    turns: dict[str, list[str]] = {}
    for item in items:
        histories[item.id], turns[item.id] = conversation_prompts(benchmark, item)
    answers: dict[str, list[str]] = {item.id: [] for item in items}
    for t in range(max((len(v) for v in turns.values()), default=0)):
        ids = [item.id for item in items if len(turns[item.id]) > t]
        for i in ids:
            histories[i].append({"role": "user", "content": turns[i][t]})
        replies = student.generate([list(histories[i]) for i in ids], settings)
        if len(replies) != len(ids):
            raise ValueError(f"{student.name}: {len(replies)} replies for {len(ids)} prompts (turn {t + 1})")
        for i, reply in zip(ids, replies, strict=False):
            histories[i].append({"role": "assistant", "content": reply})
            answers[i].append(reply)
        log.info("%s: generated turn %d for %d items", benchmark.name, t + 1, len(ids))
    return answers


def score_item(benchmark: Benchmark, item: BenchItem, answers: list[str], ctx: ScoringContext) -> ItemResult:
    """Score one item's answers: extract-and-compare or grade, as the benchmark declares."""
    if not benchmark.extractive:
        return benchmark.grade(item, answers, ctx)
    result = decide(item, answers[-1], benchmark.extract, benchmark.compare,
                    ctx.fallback(benchmark.llm_fallback), ctx.audit)
    return result.model_copy(update={"turn_answers": list(answers)}) if len(answers) > 1 else result


class _StoredAnswers(dspy.Module):
    """The program ``dspy.Evaluate`` runs: it returns the answers generated beforehand."""

    def __init__(self, answers: dict[str, list[str]]):
        super().__init__()
        self.answers = answers

    def forward(self, item_id: str) -> dspy.Prediction:
        return dspy.Prediction(answers=self.answers[item_id])


def score_items(
    benchmark: Benchmark,
    items: Sequence[BenchItem],
    answers: dict[str, list[str]],
    ctx: ScoringContext,
    config: HarnessConfig,
) -> list[ItemResult]:
    """Score every item through ``dspy.Evaluate``; items whose scoring raised become scoring errors."""
    by_id = {item.id: item for item in items}
    recorded: dict[str, ItemResult] = {}
    lock = threading.Lock()

    def metric(example: dspy.Example, prediction: dspy.Prediction, trace: object = None) -> float:
        result = score_item(benchmark, by_id[example.item_id], list(prediction.answers), ctx)
        with lock:
            recorded[example.item_id] = result
        return (result.score or 0.0) / (10.0 if benchmark.scale == "rating10" else 1.0)

    devset = [dspy.Example(item_id=item.id).with_inputs("item_id") for item in items]
    dspy.Evaluate(devset=devset, metric=metric, num_threads=config.num_threads, max_errors=config.max_errors,
                  provide_traceback=True)(_StoredAnswers(answers))
    out = []
    for item in items:
        if item.id in recorded:
            out.append(recorded[item.id])
            continue
        answer = answers[item.id][-1] if answers[item.id] else ""
        out.append(ItemResult(id=item.id, category=item.category, student_answer=answer, score=None,
                              miss_reason="scoring_error"))
    return out


def summarize(
    benchmark: Benchmark, results: list[ItemResult], student: str, config: HarnessConfig
) -> BenchmarkResult:
    """The benchmark-level result of per-item results."""
    scored = [r for r in results if r.score is not None]
    values = [r.score for r in scored]
    extractors = Counter(r.extractor or "miss" for r in results if r.miss_reason != "scoring_error")
    return BenchmarkResult(
        benchmark=benchmark.name, kind=benchmark.kind, scale=benchmark.scale, student=student,
        settings=config.settings,
        score=bootstrap_mean(values, n_boot=config.n_boot, seed=config.seed) if scored else None,
        per_category=per_category_mean(values, [r.category for r in scored], n_boot=config.n_boot,
                                       seed=config.seed) if scored else {},
        n_items=len(results), n_scored=len(scored),
        misses=sum(1 for r in results if r.extractor is None and r.miss_reason and r.score == 0.0),
        judge_parse_failures=sum(1 for r in results if r.judge_parse_failure),
        scoring_errors=sum(1 for r in results if r.miss_reason == "scoring_error"),
        extractor_counts=dict(extractors) if benchmark.extractive else {},
        agreement=agreement(results),
        extra=benchmark.summarize(results) if benchmark.summarize else {},
        items=results,
    )


def run_benchmark(
    benchmark: Benchmark,
    items: Sequence[BenchItem],
    student: Student,
    judge_lm: dspy.BaseLM | None = None,
    extractor_lm: dspy.BaseLM | None = None,
    *,
    config: HarnessConfig | None = None,
    context: ScoringContext | None = None,
    adapter: dspy.Adapter | None = None,
) -> BenchmarkResult:
    """Generate ``student``'s answers to ``items`` and score them.

    ``extractor_lm`` backs the Appendix B fallbacks (and the audit), ``judge_lm`` the judged benchmarks;
    ``context`` replaces both with ready-made callables.
    """
    config = config or HarnessConfig()
    if not items:
        raise ValueError(f"{benchmark.name}: no items")
    ctx = context or ScoringContext.from_lms(judge_lm, extractor_lm, config.audit, adapter)
    if benchmark.kind == "judged" and ctx.turn_judge is None and ctx.format_judge is None:
        raise MissingJudgeError(f"{benchmark.name}: needs a judge (pass judge_lm)")
    answers = generate(benchmark, items, student, config.settings)
    results = score_items(benchmark, items, answers, ctx, config)
    summary = summarize(benchmark, results, student.name, config)
    if summary.score is not None:
        log.info("%s / %s: %.4f [%.4f, %.4f] over %d of %d items", benchmark.name, student.name,
                 summary.score.estimate, summary.score.low, summary.score.high, summary.n_scored, len(items))
    return summary
