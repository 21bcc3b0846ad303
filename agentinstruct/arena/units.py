"""The arena's two kinds of work unit: a competitor's answers to a batch of instructions, and one judge's
verdict on one pair of answers in one order. Each commits its result to the ledger itself; an LM error
(an ``Exception``) is recorded as a failed unit with its reason and tried again by the next invocation.
Calls are attributed to the role ``competitor:<name>`` / ``judge:<name>`` in the accountant, and a
judgement keeps the cost and tokens of its own calls (zero when the request cache answered it). On the Ray
backend the answerer and the juror are proxies (``agentinstruct.arena.ray_work``) whose calls run in a worker;
its usage records come back into this process's accountant, inside the same attribution, so the tasks here
commit exactly what they commit locally.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

from agentinstruct.arena.config import BattleConfig
from agentinstruct.arena.instructions import Instruction
from agentinstruct.arena.ledger import ArenaLedger
from agentinstruct.arena.models import Answerer, ArenaModels
from core.lm.accounting import current_role, current_skill, usage_journal
from eval.arena.battles import Game
from eval.arena.judging import Judgement, PairJudge
from eval.arena.style_features import answer_style
from eval.students import GenerationSettings

log = logging.getLogger(__name__)

Task = Callable[[threading.Event], None]


@contextlib.contextmanager
def attributed(role: str, skill: str = "arena") -> Iterator[list]:
    """Attribute the calls made inside to ``role``; yields the list of their usage records."""
    journal: list = []
    tokens = current_role.set(role), current_skill.set(skill), usage_journal.set(journal)
    try:
        yield journal
    finally:
        usage_journal.reset(tokens[2])
        current_skill.reset(tokens[1])
        current_role.reset(tokens[0])


class UnitError(Exception):
    """A unit's LM work failed elsewhere (a Ray worker); ``reason`` is the failure as the worker recorded it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def unit_reason(exc: Exception) -> str:
    """How a failed unit's error is recorded in the ledger: the exception's type and first line."""
    if isinstance(exc, UnitError):
        return exc.reason
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


_reason = unit_reason

AskJudge = Callable[[str, str, str], Judgement]
"""One juror asked about (request, answer in position A, answer in position B)."""


def juror(config: BattleConfig, models: ArenaModels, judge: str) -> AskJudge:
    """Juror ``judge``: a Ray worker's (``models.remote_judges``), else a ``PairJudge`` on its model here."""
    if judge in models.remote_judges:
        return models.remote_judges[judge]
    spec = next(j for j in config.judges if j.name == judge)
    return PairJudge(models.judges[judge], config.mode, models.adapters[judge], explain=spec.explain)


def answer_task(answerer: Answerer, items: list[Instruction], settings: GenerationSettings, ledger: ArenaLedger,
                done: Callable[[str], None]) -> Task:
    """A task that answers ``items`` with one competitor and commits each answer."""
    def run(stop: threading.Event) -> None:
        if stop.is_set():
            return
        uids = [f"answer/{answerer.name}/{i.id}" for i in items]
        for uid in uids:
            ledger.start(uid, "answer")
        try:
            with attributed(f"competitor:{answerer.name}"):
                texts = answerer.answer(items, settings)
        except Exception as exc:  # noqa: BLE001 - recorded per unit, retried on resume; the others go on
            log.warning("arena: %s could not answer %d instruction(s): %s", answerer.name, len(items), _reason(exc))
            for uid in uids:
                ledger.fail(uid, _reason(exc))
            return
        for uid, item, text in zip(uids, items, texts, strict=True):
            if not text or not text.strip():
                ledger.fail(uid, "empty answer")
                continue
            ledger.finish(uid, {"prompt_id": item.id, "model": answerer.name, "text": text,
                                "settings": settings.model_dump(mode="json")})
            done("answer")
    return run


def _cut(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[:limit] + " [...]"


def judge_task(uid: str, judge: str, item: Instruction, model_a: str, model_b: str, order: int,
               config: BattleConfig, models: ArenaModels, answers: dict[tuple[str, str], str],
               ledger: ArenaLedger, done: Callable[[str], None]) -> Task:
    """A task that asks ``judge`` about (``model_a`` in position A, ``model_b`` in B) on ``item``."""
    def run(stop: threading.Event) -> None:
        if stop.is_set():
            return
        ledger.start(uid, "judge")
        pair = juror(config, models, judge)
        try:
            with attributed(f"judge:{judge}") as journal:
                verdict = pair(_cut(item.request_text(), config.max_chars),
                               _cut(answers[(item.id, model_a)], config.max_chars),
                               _cut(answers[(item.id, model_b)], config.max_chars))
        except Exception as exc:  # noqa: BLE001 - recorded per unit, retried on resume; the others go on
            log.warning("arena: judge %s failed on %s: %s", judge, uid, _reason(exc))
            ledger.fail(uid, _reason(exc))
            return
        ledger.finish(uid, {
            "prompt_id": item.id, "judge": judge, "model_a": model_a, "model_b": model_b, "order": order,
            "label": verdict.label, "scores": list(verdict.scores) if verdict.scores else None,
            "failure": verdict.failure, "explanation": verdict.explanation,
            "calls": len(journal), "cost": sum(u.cost_usd for u in journal),
            "prompt_tokens": sum(u.prompt_tokens for u in journal),
            "completion_tokens": sum(u.completion_tokens for u in journal)})
        done("judge")
    return run


def game_from_result(r: dict, answers: dict[tuple[str, str], str]) -> Game:
    """The ``Game`` a stored judgement is, with both answers' styles."""
    a, b = answers.get((r["prompt_id"], r["model_a"])), answers.get((r["prompt_id"], r["model_b"]))
    return Game(r["prompt_id"], r["model_a"], r["model_b"], r["judge"], r["order"], label=r["label"],
                scores=tuple(r["scores"]) if r["scores"] else None, failure=r["failure"],
                excerpt=(r.get("explanation") or "")[-160:], cost=r.get("cost"),
                style_a=answer_style(a) if a is not None else None, style_b=answer_style(b) if b is not None else None)
