"""Arena records: a ``Game`` (one judge, one order), a ``Battle`` (one prompt, one pair of models, every
judge and both orders reconciled) and the Bradley-Terry rows the battles make."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from eval.arena.style_features import AnswerStyle
from eval.arena.verdicts import (
    Label,
    ParseFailure,
    ReconcileConfig,
    jury_vote,
    parse_label,
    parse_pair_scores,
    reconcile_labels,
    reconcile_scores,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Game:
    """One judgement: ``judge`` compared ``model_a`` (position A) with ``model_b`` on ``prompt_id``.

    ``order`` 1 is the first game of a pair, 2 the swapped one. A parsed game holds a ``label`` or
    ``scores`` (A, B); an unparsed one holds its ``failure`` reason. ``cost`` is what the call cost.
    """

    prompt_id: str
    model_a: str
    model_b: str
    judge: str
    order: Literal[1, 2]
    label: Label | None = None
    scores: tuple[float, float] | None = None
    failure: str | None = None
    excerpt: str = ""
    cost: float | None = None
    style_a: AnswerStyle | None = None
    style_b: AnswerStyle | None = None

    def __post_init__(self):
        if self.model_a == self.model_b:
            raise ValueError(f"a game needs two different models, got {self.model_a!r} twice")
        if self.order not in (1, 2):
            raise ValueError(f"order is 1 or 2, got {self.order!r}")
        if (self.label is not None) + (self.scores is not None) + (self.failure is not None) != 1:
            raise ValueError("a game holds exactly one of: label, scores, failure")

    @property
    def parsed_ok(self) -> bool:
        """Whether the judge's text gave a verdict."""
        return self.failure is None

    @classmethod
    def from_text(cls, text: str, *, mode: Literal["label", "score"] = "label", **fields) -> Game:
        """Parse a judge's ``text`` (a label, or a pair of scores) into a game; failures are kept typed."""
        parsed = parse_label(text) if mode == "label" else parse_pair_scores(text)
        if isinstance(parsed, ParseFailure):
            return cls(failure=parsed.reason, excerpt=parsed.excerpt, **fields)
        key = "label" if mode == "label" else "scores"
        return cls(**{key: parsed}, excerpt=text[-160:], **fields)


@dataclass(frozen=True)
class Vote:
    """One judge's vote on a battle from X's view (``y is None``: abstained, for ``reason``)."""

    judge: str
    y: float | None
    y1: float | None = None
    y2: float | None = None
    flip: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class Battle:
    """``model_x`` against ``model_y`` on one prompt: ``y`` is X's result in [0, 1] (one judge: 0, 0.5 or 1;
    a jury: the mean of its non-abstaining votes) or ``None`` when every judge abstained."""

    prompt_id: str
    model_x: str
    model_y: str
    y: float | None
    votes: tuple[Vote, ...] = ()
    style_x: AnswerStyle | None = None
    style_y: AnswerStyle | None = None

    def __post_init__(self):
        if self.model_x == self.model_y:
            raise ValueError(f"a battle needs two different models, got {self.model_x!r} twice")
        if self.y is not None and not 0.0 <= self.y <= 1.0:
            raise ValueError(f"a battle's outcome lies in [0, 1], got {self.y}")

    @property
    def abstained(self) -> bool:
        """Whether no judge gave a vote."""
        return self.y is None

    @property
    def flip(self) -> bool:
        """Whether any judge's verdict changed direction when the order was swapped."""
        return any(v.flip for v in self.votes)


def _vote(judge: str, first: Game | None, second: Game | None, config: ReconcileConfig) -> Vote:
    if first is None or second is None:
        return Vote(judge, None, reason="missing_order")
    if not (first.parsed_ok and second.parsed_ok):
        return Vote(judge, None, reason="parse_failure")
    if first.label is not None and second.label is not None:
        r = reconcile_labels(first.label, second.label, config)
    elif first.scores is not None and second.scores is not None:
        r = reconcile_scores(first.scores, second.scores, config)
    else:
        raise ValueError(f"judge {judge!r} mixed a label and scores on prompt {first.prompt_id!r}")
    return Vote(judge, r.y, r.y1, r.y2, r.flip, "inconsistent" if r.y is None else None)


def battles_from_games(games: Iterable[Game], config: ReconcileConfig | None = None) -> list[Battle]:
    """Group games by (prompt, pair of models), reconcile each judge's two orders and let the jury vote.

    X is the model in position A of the order-1 game. A judge missing an order, or with an unparsed game,
    abstains, as does an inconsistent one under ``inconsistent="abstain"``.
    """
    config = config or ReconcileConfig()
    groups: dict[tuple[str, frozenset[str]], dict[str, dict[int, Game]]]
    groups = defaultdict(lambda: defaultdict(dict))
    for g in games:
        slot = groups[(g.prompt_id, frozenset((g.model_a, g.model_b)))][g.judge]
        if g.order in slot:
            raise ValueError(f"two order-{g.order} games by {g.judge!r} on {g.prompt_id!r}: "
                             f"{g.model_a}, {g.model_b}")
        slot[g.order] = g
    battles = []
    for (prompt_id, _), by_judge in groups.items():
        some = next(iter(next(iter(by_judge.values())).values()))
        x, y = (some.model_a, some.model_b) if some.order == 1 else (some.model_b, some.model_a)
        votes, styles = [], {}
        for judge in sorted(by_judge):
            first, second = by_judge[judge].get(1), by_judge[judge].get(2)
            if (first and first.model_a != x) or (second and second.model_b != x):
                raise ValueError(f"judge {judge!r} on {prompt_id!r}: order 1 must put {x!r} in position A")
            votes.append(_vote(judge, first, second, config))
            for g in (first, second):
                if g is not None:
                    styles.setdefault(g.model_a, g.style_a)
                    styles.setdefault(g.model_b, g.style_b)
        battles.append(Battle(prompt_id, x, y, jury_vote(v.y for v in votes), tuple(votes),
                              styles.get(x), styles.get(y)))
    log.debug("%d battles from games, %d abstained", len(battles), sum(b.abstained for b in battles))
    return battles


@dataclass(frozen=True)
class BTRows:
    """Unique ``(prompt, i, j, y)`` rows with weights (``i < j``; ``y`` is model i's result), ready for
    Bradley-Terry: ``models[i]`` names model i, ``prompts[p]`` prompt p."""

    models: tuple[str, ...]
    prompts: tuple[str, ...]
    prompt: np.ndarray
    i: np.ndarray
    j: np.ndarray
    y: np.ndarray
    w: np.ndarray
    abstained: int = 0

    @property
    def n_battles(self) -> float:
        """Total weight of the rows (the number of battles that voted)."""
        return float(self.w.sum())


def bt_rows(battles: Iterable[Battle], models: Sequence[str] | None = None) -> BTRows:
    """The battles that voted as weighted unique rows; ``models`` fixes the order (default: sorted names)."""
    battles = list(battles)
    voted = [b for b in battles if b.y is not None]
    seen = {m for b in voted for m in (b.model_x, b.model_y)}
    names = tuple(models) if models is not None else tuple(sorted(seen))
    index = {m: k for k, m in enumerate(names)}
    prompts = tuple(sorted({b.prompt_id for b in voted}))
    pindex = {p: k for k, p in enumerate(prompts)}
    missing = seen - index.keys()
    if missing:
        raise ValueError(f"battles name models outside `models`: {sorted(missing)}")
    raw = np.empty((len(voted), 4))
    for n, b in enumerate(voted):
        i, j, y = index[b.model_x], index[b.model_y], b.y
        raw[n] = (pindex[b.prompt_id], i, j, y) if i < j else (pindex[b.prompt_id], j, i, 1.0 - y)
    unique, counts = np.unique(raw, axis=0, return_counts=True) if len(voted) else (raw, np.empty(0))
    return BTRows(names, prompts, unique[:, 0].astype(np.int64), unique[:, 1].astype(np.int64),
                  unique[:, 2].astype(np.int64), unique[:, 3], counts.astype(float),
                  abstained=len(battles) - len(voted))
