"""The judging summary of a run, read from its files (so it covers every invocation of a resumed run): the
records' scores, the refused items' scores in failures.jsonl, the preference pairs and the calibration."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

from core.judging_summary import HISTOGRAM_BINS, JudgingSummary, RefinementStat
from core.records import Record, Scores
from metrics.agreement import krippendorff_alpha

log = logging.getLogger(__name__)

REFUSAL_REASONS = ("judge", "check")
FAITHFUL = 0.5


def bin_of(score: float) -> int:
    """The histogram bin of a score in [0, 1]."""
    return min(HISTOGRAM_BINS - 1, max(0, int(score * HISTOGRAM_BINS)))


def _goal_and_round(key: str | None) -> tuple[str | None, int]:
    """A refined item's goal and round from its item key (``path/type/n>goal.k>goal.k``)."""
    if not key or ">" not in key:
        return None, 0
    return key.rsplit(">", 1)[1].rsplit(".", 1)[0], key.count(">")


def _judged_items(run: Path) -> Iterator[tuple[str, Scores, str | None, int, list[str], bool]]:
    """(skill, scores, goal, round, what refused it, refused by a check) of every judged item."""
    for path in sorted((run / "data").glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    record = Record.model_validate_json(line)
                    lin = record.lineage
                    yield record.skill, record.scores, lin.refinement_goal, lin.refinement_round, [], False
    failures = run / "failures.jsonl"
    if failures.is_file():
        with open(failures, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row.get("reason") in REFUSAL_REASONS and row.get("scores") is not None:
                    goal, rnd = _goal_and_round(row.get("item_key"))
                    yield (row["skill"], Scores.model_validate(row["scores"]), goal, rnd, row.get("criteria") or [],
                           row["reason"] == "check")


def _refinement(stat: RefinementStat, scores: Scores, by_check: bool) -> None:
    stat.refined += 1
    if by_check:
        return
    stat.answerable += 1
    if scores.difficulty is not None:
        stat.rated += 1
        stat.harder += scores.difficulty >= 0.5
        stat.difficulty_sum += scores.difficulty
    faithful = scores.criteria.get("faithfulness")
    if faithful is not None:
        stat.faithful_rated += 1
        stat.faithful += faithful >= FAITHFUL


def judging_summary(run: str | Path) -> JudgingSummary:
    """Tally the judging stage of the run in ``run`` from its files."""
    run = Path(run)
    out = JudgingSummary()
    tables: dict[str, list[dict[str, float | None]]] = {}
    for skill, scores, goal, rnd, refused_by, by_check in _judged_items(run):
        if not scores.ballots and not scores.checks_failed:
            continue  # written without judging (judging off for this record)
        out.judged += 1
        if by_check:
            out.refused_by_checks += 1
        elif refused_by:
            out.refused_by_judges += 1
        else:
            out.kept += 1
        for name in refused_by:
            key = f"{skill}/{name}"
            out.refusals[key] = out.refusals.get(key, 0) + 1
        for name, value in [*scores.criteria.items(), ("overall", scores.overall)]:
            if value is not None:
                out.histogram.setdefault(name, [0] * HISTOGRAM_BINS)[bin_of(value)] += 1
        per_criterion: dict[str, dict[str, float | None]] = {}
        for ballot in scores.ballots:
            out.ballots += 1
            if not ballot.parsed:
                out.failed_ballots += 1
                out.failed_ballots_by_judge[ballot.judge] = out.failed_ballots_by_judge.get(ballot.judge, 0) + 1
            per_criterion.setdefault(ballot.criterion, {})[ballot.judge] = ballot.score
        for name, row in per_criterion.items():
            tables.setdefault(name, []).append(row)
        out.position_flips += scores.position_flips
        if goal is not None and rnd > 0:
            _refinement(out.refinement.setdefault(f"{skill}/{goal}", RefinementStat()), scores, by_check)
            _refinement(out.refinement_by_round.setdefault(f"{skill}/round {rnd}", RefinementStat()), scores,
                        by_check)
    for name, rows in tables.items():
        judges = sorted({j for row in rows for j in row})
        out.agreement[name] = (krippendorff_alpha([[row.get(j) for j in judges] for row in rows])
                               if len(judges) > 1 else None)
    prefs = run / "preferences.jsonl"
    if prefs.is_file():
        with open(prefs, "rb") as fh:
            out.preference_pairs = sum(1 for line in fh if line.strip())
    calibration = run / "calibration.json"
    if calibration.is_file():
        out.calibration = json.loads(calibration.read_text(encoding="utf-8")).get("accuracy", {})
    return out
