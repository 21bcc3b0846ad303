"""Orca-Bench scoring: the student rated against the teacher, S = 10 * sum(student) / sum(teacher).

For every assistant turn the judge sees the conversation up to the user turn and two answers, the
student's and the teacher's, and rates each 0-10. The presentation order is configurable: ``random``
(per turn, from an RNG seeded by the seed, item id and turn, so it does not depend on processing order),
``both`` (two calls, swapped, averaged; a call that fails to parse is dropped), or fixed. A turn whose
ratings cannot be parsed is left out of both sums and counted. The interval is a bootstrap of the ratio
over items (an item's student and teacher sums resampled together); per-skill scores likewise.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from eval.judges import PairJudge
from eval.orca_items import (
    OrcaItem,
    TurnPrompt,
    build_heldout,
    conversation_text,
    generate_answers,
    turn_prompts,
)
from eval.stats import Interval, bootstrap_ratio, per_category_ratio
from eval.students.base import GenerationSettings, Student

log = logging.getLogger(__name__)

__all__ = ["OrcaBenchConfig", "OrcaBenchResult", "TurnScore", "build_heldout", "run_orca_bench",
           "score_orca_bench"]

Order = Literal["random", "both", "teacher_first", "student_first"]


class OrcaBenchConfig(BaseModel):
    """How Orca-Bench is judged and summarised."""

    model_config = ConfigDict(extra="forbid")

    order: Order = "random"
    seed: int = 0
    n_boot: int = Field(1000, ge=1)
    scale: float = 10.0


class TurnScore(BaseModel):
    """The ratings of one assistant turn."""

    model_config = ConfigDict(extra="forbid")

    item_id: str
    skill: str
    turn: int
    student: float | None
    teacher: float | None
    orders: list[str]
    """The presentation orders whose ratings parsed (``teacher_first``/``student_first``)."""
    failed_calls: int = 0
    parse_failure: bool = False
    """No order parsed: the turn is left out of the score."""


class OrcaBenchResult(BaseModel):
    """The Orca-Bench score with its bootstrap interval, per skill, and every turn's ratings."""

    model_config = ConfigDict(extra="forbid")

    score: Interval | None
    """``None`` when the teacher's ratings sum to 0 or no turn's ratings parsed (the ratio is undefined)."""
    per_skill: dict[str, Interval]
    turns: list[TurnScore]
    n_items: int
    judge_parse_failures: int
    """Turns left out because no judge call on them parsed."""
    config: OrcaBenchConfig
    student: str = ""
    settings: GenerationSettings | None = None
    """How the student generated (set by :func:`run_orca_bench`)."""
    answers: dict[str, list[str]] = Field(default_factory=dict)
    """The student's answer to every assistant turn, by item id (set by :func:`run_orca_bench`)."""


def _orders(config: OrcaBenchConfig, prompt: TurnPrompt) -> list[str]:
    if config.order == "both":
        return ["teacher_first", "student_first"]
    if config.order == "random":
        rng = random.Random(f"{config.seed}:{prompt.item_id}:{prompt.turn}")
        return [rng.choice(["teacher_first", "student_first"])]
    return [config.order]


def score_turn(prompt: TurnPrompt, student_answer: str, judge: PairJudge, config: OrcaBenchConfig) -> TurnScore:
    """Rate one turn's student and teacher answers in the configured order(s)."""
    conversation = conversation_text(prompt.messages)
    students, teachers, parsed, failed = [], [], [], 0
    for order in _orders(config, prompt):
        if order == "teacher_first":
            verdict = judge(conversation, prompt.teacher_answer, student_answer)
            t, s = verdict.first, verdict.second
        else:
            verdict = judge(conversation, student_answer, prompt.teacher_answer)
            s, t = verdict.first, verdict.second
        if verdict.parse_failure or s is None or t is None:
            failed += 1
            continue
        students.append(s)
        teachers.append(t)
        parsed.append(order)
    if not parsed:
        return TurnScore(item_id=prompt.item_id, skill=prompt.skill, turn=prompt.turn, student=None,
                         teacher=None, orders=[], failed_calls=failed, parse_failure=True)
    return TurnScore(item_id=prompt.item_id, skill=prompt.skill, turn=prompt.turn,
                     student=float(np.mean(students)), teacher=float(np.mean(teachers)), orders=parsed,
                     failed_calls=failed)


def score_orca_bench(
    items: Sequence[OrcaItem],
    student_answers: Mapping[str, Sequence[str]],
    judge: PairJudge,
    config: OrcaBenchConfig | None = None,
) -> OrcaBenchResult:
    """Score the student's answers (per item, one per assistant turn) against the teacher's."""
    config = config or OrcaBenchConfig()
    turns: list[TurnScore] = []
    for item in items:
        prompts = turn_prompts(item)
        answers = student_answers.get(item.id, [])
        if len(answers) != len(prompts):
            raise ValueError(f"item {item.id}: {len(answers)} student answers for {len(prompts)} turns")
        turns += [score_turn(p, a, judge, config) for p, a in zip(prompts, answers, strict=False)]
    valid = [t for t in turns if not t.parse_failure]
    if turns and not valid:
        # an honest n/a, not a crash: the other benchmarks of the job still stand, and the report names why
        log.warning("orca-bench: none of %d turns could be scored (every judge output failed to parse)", len(turns))
    by_item: dict[str, list[TurnScore]] = {}
    for t in valid:
        by_item.setdefault(t.item_id, []).append(t)
    num = np.array([sum(t.student for t in ts) for ts in by_item.values()])
    den = np.array([sum(t.teacher for t in ts) for ts in by_item.values()])
    skills = [ts[0].skill for ts in by_item.values()]
    failures = len(turns) - len(valid)
    if failures:
        log.warning("orca-bench: %d of %d turns left out (judge output unparseable)", failures, len(turns))
    if den.sum() == 0:
        log.warning("orca-bench: the judge rated every teacher answer 0; the score is undefined")
    return OrcaBenchResult(
        score=bootstrap_ratio(num, den, scale=config.scale, n_boot=config.n_boot, seed=config.seed)
        if den.sum() > 0 else None,
        per_skill=per_category_ratio(num, den, skills, scale=config.scale, n_boot=config.n_boot,
                                     seed=config.seed),
        turns=turns, n_items=len(by_item), judge_parse_failures=failures, config=config,
    )


def run_orca_bench(
    items: Sequence[OrcaItem],
    student: Student,
    judge: PairJudge,
    settings: GenerationSettings | None = None,
    config: OrcaBenchConfig | None = None,
) -> OrcaBenchResult:
    """Generate the student's answers (one batch over all turns) and score them."""
    settings = settings or GenerationSettings()
    answers = generate_answers(items, student, settings)
    result = score_orca_bench(items, answers, judge, config)
    return result.model_copy(update={"student": student.name, "settings": settings, "answers": answers})
