"""DROP's answer metrics (exact match and bag-of-tokens F1), as the official DROP evaluation script defines them.

Normalisation per token: lower-case, strip punctuation (unless the token is a number), numbers to floats,
articles removed, whitespace collapsed; tokens split on spaces and hyphens. A multi-span answer is a list
of bags; predicted and gold bags are aligned one-to-one to maximise F1 (Hungarian assignment), a bag pair
only scoring when the gold bag's numbers (if any) appear in the predicted bag. F1 is rounded to 2 places.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from eval.benchmarks.base import BenchItem

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = set(string.punctuation)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _normalize_token(token: str) -> str:
    token = token.lower()
    if not _is_number(token):
        token = "".join(ch for ch in token if ch not in _PUNCTUATION)
    if _is_number(token):
        token = str(float(token))
    return " ".join(_ARTICLES.sub(" ", token).split())


def normalize_answer(text: str) -> str:
    """DROP's normalisation of one answer span."""
    parts = [_normalize_token(t) for t in re.split(" |-", text)]
    return " ".join(p for p in parts if p.strip()).strip()


def _bags(answer: str | Sequence[str]) -> tuple[list[str], list[set[str]]]:
    spans = [answer] if isinstance(answer, str) else list(answer)
    normalized = [normalize_answer(s) for s in spans]
    return normalized, [set(s.split()) for s in normalized]


def _f1(predicted: set[str], gold: set[str]) -> float:
    common = len(gold & predicted)
    precision = common / len(predicted) if predicted else 1.0
    recall = common / len(gold) if gold else 1.0
    return 0.0 if precision == 0.0 and recall == 0.0 else 2 * precision * recall / (precision + recall)


def _numbers_match(gold: set[str], predicted: set[str]) -> bool:
    gold_numbers = {w for w in gold if _is_number(w)}
    return not gold_numbers or bool(gold_numbers & {w for w in predicted if _is_number(w)})


def _align(predicted: list[set[str]], gold: list[set[str]]) -> np.ndarray:
    scores = np.zeros((len(gold), len(predicted)))
    for g, gold_bag in enumerate(gold):
        for p, pred_bag in enumerate(predicted):
            if _numbers_match(gold_bag, pred_bag):
                scores[g, p] = _f1(pred_bag, gold_bag)
    rows, cols = linear_sum_assignment(-scores)
    best = np.zeros(max(len(gold), len(predicted)))
    for r, c in zip(rows, cols, strict=False):
        best[r] = max(best[r], scores[r, c])
    return best


def drop_metrics(predicted: str | Sequence[str], gold: str | Sequence[str]) -> tuple[float, float]:
    """``(exact match, F1)`` of one prediction against one gold answer (each a span or a list of spans)."""
    pred_spans, pred_bags = _bags(predicted)
    gold_spans, gold_bags = _bags(gold)
    exact = 1.0 if set(pred_spans) == set(gold_spans) and len(pred_spans) == len(gold_spans) else 0.0
    return exact, round(float(np.mean(_align(pred_bags, gold_bags))), 2)


def drop_f1(extracted: str, item: BenchItem) -> float:
    """F1 of the extracted answer (one span) against the item's gold spans; the best over alternative
    gold answers listed in ``metadata["alternatives"]`` (each a list of spans)."""
    golds: list[list[str]] = [item.reference if isinstance(item.reference, list) else [str(item.reference)]]
    golds += [list(a) for a in item.metadata.get("alternatives", [])]
    return max(drop_metrics(extracted, gold)[1] for gold in golds)
