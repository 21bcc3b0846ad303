"""Loss mining as in Arena Learning: where the target model lost clearly, the winner's answer becomes an SFT
target; the best and worst answers of a prompt become a DPO pair. Every item keeps its provenance.

Scores are 1-10 per answer, from score-mode games: an answer's score is the mean over all its games
(both positions, every judge). SFT: ``best competitor - target >= threshold`` (3 in round 1, then 1, as
the paper). DPO: chosen = the best answer, rejected = the worst (target included), when the gap is
``>= dpo_gap`` (2). Ties in score are broken by model name. Boundaries are inclusive.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from eval.arena.battles import Game

log = logging.getLogger(__name__)
_EPS = 1e-9


@dataclass(frozen=True)
class AnswerScore:
    """One model's answer to one prompt: its mean score and the scores behind it, per position."""

    prompt_id: str
    model: str
    mean: float
    as_a: tuple[float, ...]
    as_b: tuple[float, ...]
    judges: tuple[str, ...]


def answer_scores(games: Iterable[Game]) -> dict[str, dict[str, AnswerScore]]:
    """Per prompt and model, the scores of the parsed score-mode games (label games are ignored)."""
    raw: dict[tuple[str, str], tuple[list, list, set]] = defaultdict(lambda: ([], [], set()))
    for g in games:
        if g.scores is None:
            continue
        for model, position, score in ((g.model_a, 0, g.scores[0]), (g.model_b, 1, g.scores[1])):
            entry = raw[(g.prompt_id, model)]
            entry[position].append(float(score))
            entry[2].add(g.judge)
    table: dict[str, dict[str, AnswerScore]] = defaultdict(dict)
    for (prompt_id, model), (as_a, as_b, judges) in sorted(raw.items()):
        scores = as_a + as_b
        table[prompt_id][model] = AnswerScore(prompt_id, model, sum(scores) / len(scores), tuple(as_a),
                                              tuple(as_b), tuple(sorted(judges)))
    return dict(table)


class MiningConfig(BaseModel):
    """Which model is trained, the round (sets the default SFT threshold), the DPO gap."""

    model_config = ConfigDict(extra="forbid")

    target: str
    round: int = Field(1, ge=1)
    sft_threshold: float | None = Field(None, ge=0.0)
    dpo_gap: float = Field(2.0, ge=0.0)
    require_both_orders: bool = True

    @property
    def threshold(self) -> float:
        """The SFT threshold in effect: the one given, else 3 in round 1 and 1 afterwards."""
        if self.sft_threshold is not None:
            return self.sft_threshold
        return 3.0 if self.round == 1 else 1.0


@dataclass(frozen=True)
class SFTItem:
    """A prompt the target lost by ``gap``: train it on ``winner``'s answer."""

    prompt_id: str
    target: AnswerScore
    winner: AnswerScore
    gap: float


@dataclass(frozen=True)
class DPOPair:
    """A preference pair: ``chosen`` (best answer) over ``rejected`` (worst), ``gap`` apart."""

    prompt_id: str
    chosen: AnswerScore
    rejected: AnswerScore
    gap: float


@dataclass(frozen=True)
class MiningResult:
    """Mined items and how many prompts were passed over (no target score; an answer lacking an order)."""

    sft: list[SFTItem]
    dpo: list[DPOPair]
    no_target: int
    missing_order: int


def mine_losses(table: Mapping[str, Mapping[str, AnswerScore]], config: MiningConfig) -> MiningResult:
    """Mine SFT targets and DPO pairs from per-prompt answer scores."""
    sft, dpo, no_target, missing_order = [], [], 0, 0
    for prompt_id in sorted(table):
        answers = list(table[prompt_id].values())
        if config.require_both_orders and any(not (a.as_a and a.as_b) for a in answers):
            missing_order += 1
            continue
        ranked = sorted(answers, key=lambda a: (-a.mean, a.model))
        target = table[prompt_id].get(config.target)
        if target is None:
            no_target += 1
        else:
            rivals = [a for a in ranked if a.model != config.target]
            if rivals and rivals[0].mean - target.mean >= config.threshold - _EPS:
                sft.append(SFTItem(prompt_id, target, rivals[0], rivals[0].mean - target.mean))
        if len(ranked) >= 2 and ranked[0].mean - ranked[-1].mean >= config.dpo_gap - _EPS:
            dpo.append(DPOPair(prompt_id, ranked[0], ranked[-1], ranked[0].mean - ranked[-1].mean))
    log.info("mined %d SFT items and %d DPO pairs from %d prompts", len(sft), len(dpo), len(table))
    return MiningResult(sft, dpo, no_target, missing_order)


def split_disjoint(prompt_ids: Sequence[str], stages: Sequence[tuple[int, str]], seed: int,
                   weights: Sequence[float] | None = None) -> dict[tuple[int, str], tuple[str, ...]]:
    """Disjoint prompt splits, one per (round, stage), e.g. ``[(1, "sft"), (1, "dpo"), (2, "sft")]``.

    Prompts are deduplicated and shuffled with ``seed``; sizes are equal (within one) or proportional to
    ``weights``. Every prompt lands in exactly one split.
    """
    if len(set(stages)) != len(stages):
        raise ValueError(f"stages repeat: {list(stages)}")
    if not stages:
        raise ValueError("split_disjoint needs at least one stage")
    ids = sorted(set(prompt_ids))
    order = np.random.default_rng(seed).permutation(len(ids))
    shuffled = [ids[k] for k in order]
    if weights is None:
        parts = np.array_split(np.arange(len(ids)), len(stages))
        sizes = [len(p) for p in parts]
    else:
        if len(weights) != len(stages) or any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError("weights: one non-negative number per stage, not all zero")
        exact = np.asarray(weights, dtype=float) / sum(weights) * len(ids)
        sizes = np.floor(exact).astype(int)
        for k in np.argsort(-(exact - sizes), kind="stable")[: len(ids) - sizes.sum()]:
            sizes[k] += 1
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return {stage: tuple(shuffled[bounds[k]:bounds[k + 1]]) for k, stage in enumerate(stages)}
