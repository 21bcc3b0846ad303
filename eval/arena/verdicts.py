"""A judge's text to a verdict, and the two orders of one comparison to one vote.

Labels follow arena-hard: ``[[A>>B]] [[A>B]] [[A=B]] [[B>A]] [[B>>A]]``; the last well-formed label in the
text counts (``A<B`` and ``B=A`` are read as ``B>A`` and ``A=B``). Scores follow MT-Bench (``[[7]]``) or a
per-answer form (``Score A: 7 ... Score B: 4``, ``Assistant A: [[7]]``, ``[[7, 4]]``). Text that holds no
usable verdict gives a :class:`ParseFailure`, never a default verdict.

Two orders: game 1 puts model X in position A, game 2 swaps the answers. From X's view
``y1 = s(label1)`` and ``y2 = 1 - s(label2)`` with ``s(A>>B) = s(A>B) = 1``, ``s(A=B) = 0.5``, else 0.
``flip`` is ``sign(y1 - .5) != sign(y2 - .5)`` (a win in one order and a tie in the other is a flip).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Label = Literal["A>>B", "A>B", "A=B", "B>A", "B>>A"]
LABELS: tuple[Label, ...] = ("A>>B", "A>B", "A=B", "B>A", "B>>A")
_S = {"A>>B": 1.0, "A>B": 1.0, "A=B": 0.5, "B>A": 0.0, "B>>A": 0.0}

_LABEL = re.compile(r"\[\[\s*([AB])\s*(>>|<<|>|<|=)\s*([AB])\s*\]\]", re.IGNORECASE)
_NUM = r"(\d+(?:\.\d+)?)"
_ONE_SCORE = re.compile(r"\[\[\s*" + _NUM + r"\s*\]\]")
_ONE_SCORE_BACKUP = re.compile(r"\[\s*" + _NUM + r"\s*\]")
_NAMED_SCORE = re.compile(
    r"(?:score\s*(?:of\s*|for\s*)?(?:assistant\s*|answer\s*|response\s*)?([AB])\b\s*[:=]?\s*\[{0,2}\s*" + _NUM
    + r"|(?:assistant|answer|response)\s*([AB])\b[^\[\n\d]{0,20}\[\[\s*" + _NUM + r"\s*\]\])",
    re.IGNORECASE)
_PAIR_SCORE = re.compile(r"\[\[\s*" + _NUM + r"\s*[,/ ]\s*" + _NUM + r"\s*\]\]")


@dataclass(frozen=True)
class ParseFailure:
    """Why a judge's text gave no verdict (``no_label``, ``no_score``, ``out_of_range``) and where."""

    reason: str
    excerpt: str


def _excerpt(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else "..." + text[-n:]


def parse_label(text: str) -> Label | ParseFailure:
    """The last well-formed five-level label in ``text`` (spaces and case tolerated)."""
    found: Label | None = None
    for m in _LABEL.finditer(text):
        left, op, right = m.group(1).upper(), m.group(2), m.group(3).upper()
        if left == right:
            continue  # "[[A>A]]" names no comparison
        if op == "=":
            found = "A=B"
            continue
        winner = left if op in (">", ">>") else right
        strong = len(op) == 2
        found = f"{winner}{'>>' if strong else '>'}{'B' if winner == 'A' else 'A'}"  # type: ignore[assignment]
    return found if found is not None else ParseFailure("no_label", _excerpt(text))


def label_score(label: Label) -> float:
    """``s(label)``: position A's result, 1 win (strong or not), 0.5 tie, 0 loss."""
    return _S[label]


def is_strong(label: Label) -> bool:
    """Whether the label is a strong verdict (``>>``)."""
    return ">>" in label


def _in_range(value: float, low: float, high: float, text: str) -> float | ParseFailure:
    return value if low <= value <= high else ParseFailure("out_of_range", _excerpt(text))


def parse_rating(text: str, low: float = 1.0, high: float = 10.0) -> float | ParseFailure:
    """A single-answer rating: the last ``[[r]]`` (else the last ``[r]``, MT-Bench's backup), in bounds."""
    matches = _ONE_SCORE.findall(text) or _ONE_SCORE_BACKUP.findall(text)
    if not matches:
        return ParseFailure("no_score", _excerpt(text))
    return _in_range(float(matches[-1]), low, high, text)


def parse_pair_scores(text: str, low: float = 1.0, high: float = 10.0) -> tuple[float, float] | ParseFailure:
    """Scores of answers A and B: named (``Score A: 7``, ``Assistant B: [[4]]``; the last of each counts),
    else the last ``[[7, 4]]``; both must lie within ``[low, high]``."""
    named: dict[str, float] = {}
    for m in _NAMED_SCORE.finditer(text):
        who, value = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        named[who.upper()] = float(value)
    if "A" in named and "B" in named:
        pair = (named["A"], named["B"])
    else:
        pairs = _PAIR_SCORE.findall(text)
        if not pairs:
            return ParseFailure("no_score", _excerpt(text))
        pair = (float(pairs[-1][0]), float(pairs[-1][1]))
    if not all(low <= v <= high for v in pair):
        return ParseFailure("out_of_range", _excerpt(text))
    return pair


class ReconcileConfig(BaseModel):
    """How two orders become one vote.

    ``inconsistent``: what a flip gives: ``abstain`` (no vote), ``tie`` (MT-Bench) or ``average``
    (``(y1 + y2) / 2`` for labels; the verdict of the order-averaged score difference for scores).
    ``tie_band``: in score mode a score difference with ``|d| <= tie_band`` is a tie.
    """

    model_config = ConfigDict(extra="forbid")

    inconsistent: Literal["abstain", "tie", "average"] = "abstain"
    tie_band: float = Field(0.5, ge=0.0)


@dataclass(frozen=True)
class Reconciled:
    """One judge's two orders from X's view: per-order results, the vote (``None``: abstained), the flip."""

    y: float | None
    y1: float
    y2: float
    flip: bool


def _sign(v: float) -> int:
    return (v > 0.5) - (v < 0.5)


def _combine(y1: float, y2: float, averaged: float, config: ReconcileConfig) -> Reconciled:
    flip = _sign(y1) != _sign(y2)
    if not flip:
        return Reconciled(y1, y1, y2, False)  # same direction: y1 == y2 (both take values in {0, .5, 1})
    y = {"abstain": None, "tie": 0.5, "average": averaged}[config.inconsistent]
    return Reconciled(y, y1, y2, True)


def reconcile_labels(first: Label, second: Label, config: ReconcileConfig | None = None) -> Reconciled:
    """Labels of game 1 (X as A) and game 2 (X as B) as one vote from X's view."""
    config = config or ReconcileConfig()
    y1, y2 = label_score(first), 1.0 - label_score(second)
    return _combine(y1, y2, (y1 + y2) / 2, config)


def _score_verdict(diff: float, band: float) -> float:
    return 1.0 if diff > band else 0.0 if diff < -band else 0.5


def reconcile_scores(first: tuple[float, float], second: tuple[float, float],
                     config: ReconcileConfig | None = None) -> Reconciled:
    """Scores ``(A, B)`` of game 1 (X as A) and game 2 (X as B): each answer's scores are averaged over the
    two orders and the vote is the verdict of the difference (ties within ``tie_band``)."""
    config = config or ReconcileConfig()
    d1, d2 = first[0] - first[1], second[1] - second[0]
    y1, y2 = _score_verdict(d1, config.tie_band), _score_verdict(d2, config.tie_band)
    return _combine(y1, y2, _score_verdict((d1 + d2) / 2, config.tie_band), config)


def jury_vote(votes: Iterable[float | None]) -> float | None:
    """The jury's result: the mean of the votes that did not abstain; ``None`` when all abstained."""
    cast = [v for v in votes if v is not None]
    return sum(cast) / len(cast) if cast else None
