"""Statistics of exported records, gathered in the same pass that builds the dataset."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from agentinstruct.export.to_dataset import Layout, split_of
from core.records import Record
from metrics.agreement import krippendorff_alpha


def _words(record: Record, role: str) -> int:
    return sum(len(m.content.split()) for m in record.messages if m.role == role)


def summarize(values: list[float]) -> dict[str, float]:
    """n, mean, median, p95, min and max of a list of numbers (zeros when empty)."""
    if not values:
        return {"n": 0, "mean": 0.0, "median": 0.0, "p95": 0.0, "min": 0.0, "max": 0.0}
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "mean": statistics.fmean(ordered),
        "median": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        "min": ordered[0],
        "max": ordered[-1],
    }


class ExportStats:
    """Counts by split, skill, subcategory and refinement round; turn lengths in words; judge scores (per
    criterion, and the overall score per skill and subcategory) and the ballots behind them."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.records = 0
        self.by_split: Counter[str] = Counter()
        self.by_skill: Counter[str] = Counter()
        self.by_subcategory: Counter[tuple[str, str]] = Counter()
        self.by_round: Counter[int] = Counter()
        self.turns: Counter[int] = Counter()
        self.lengths: dict[str, list[int]] = {"user": [], "assistant": []}
        self.scores: dict[str, list[float]] = defaultdict(list)
        self.overall_by_subcategory: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.ballot_rows: dict[str, list[dict[str, float | None]]] = defaultdict(list)
        """criterion -> one ``{judge: score}`` row per record (for the inter-judge agreement)."""
        self.runs: list[str] = []

    def add(self, record: Record) -> None:
        """Count one record."""
        self.records += 1
        self.by_split[split_of(record, self.layout)] += 1
        self.by_skill[record.skill] += 1
        self.by_subcategory[(record.skill, record.subcategory)] += 1
        self.by_round[record.lineage.refinement_round] += 1
        self.turns[sum(1 for m in record.messages if m.role != "system")] += 1
        for role, values in self.lengths.items():
            values.append(_words(record, role))
        for name, value in record.scores.numbers().items():
            self.scores[name].append(value)
        if record.scores.overall is not None:
            self.overall_by_subcategory[(record.skill, record.subcategory)].append(record.scores.overall)
        rows: dict[str, dict[str, float | None]] = {}
        for ballot in record.scores.ballots:
            rows.setdefault(ballot.criterion, {})[ballot.judge] = ballot.score
        for name, row in rows.items():
            self.ballot_rows[name].append(row)

    def agreement(self) -> dict[str, float | None]:
        """Krippendorff's interval alpha between the jurors, per criterion (``None``: one juror, or too few)."""
        out = {}
        for name, rows in sorted(self.ballot_rows.items()):
            judges = sorted({j for row in rows for j in row})
            out[name] = (krippendorff_alpha([[row.get(j) for j in judges] for row in rows])
                         if len(judges) > 1 else None)
        return out

    def jurors(self) -> dict[str, int]:
        """criterion -> how many distinct jurors rated it."""
        return {name: len({j for row in rows for j in row}) for name, rows in sorted(self.ballot_rows.items())}

    def tap(self, records: Iterable[Record]) -> Iterator[Record]:
        """Pass records through, counting each."""
        for record in records:
            self.add(record)
            yield record
