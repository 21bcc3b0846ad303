"""Records -> ``datasets.DatasetDict``: one split per skill, or the orca-agentinstruct-1M-v1 layout.

Skill layout columns: ``id``, ``skill``, ``subcategory``, ``messages`` (a list of ``{role, content}``, the
TRL conversational format), ``refinement_round``; the judgement as typed columns that load without JSON
parsing: ``score`` (overall), ``scores`` (a list of ``{criterion, score}``), ``ballots`` (a list of
``{criterion, judge, model, score, parsed, rationale, error}``), ``agreement``, ``difficulty``; and ``lineage``,
``metadata`` as JSON strings (their keys vary by skill, which Arrow structs handle badly).
``dataset_to_records`` reads this layout back into ``Record`` objects.

Orca layout: one split per orca category (see orca_layout.py) with a single ``messages`` column holding
the JSON-encoded message list, led by a system turn (empty when the record has none), as in
microsoft/orca-agentinstruct-1M-v1.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Literal

from datasets import Dataset, DatasetDict, Features, List, Value

from agentinstruct.export.orca_layout import ORCA_SPLITS, check_split_name, orca_split
from core.records import JudgeBallot, Lineage, Message, Record, Scores

log = logging.getLogger(__name__)

Layout = Literal["skill", "orca"]

SKILL_FEATURES = Features({
    "id": Value("string"),
    "skill": Value("string"),
    "subcategory": Value("string"),
    "messages": List({"role": Value("string"), "content": Value("string")}),
    "refinement_round": Value("int32"),
    "score": Value("float64"),
    "scores": List({"criterion": Value("string"), "score": Value("float64")}),
    "ballots": List({"criterion": Value("string"), "judge": Value("string"), "model": Value("string"),
                     "score": Value("float64"), "parsed": Value("bool"), "rationale": Value("string"),
                     "error": Value("string")}),
    "agreement": Value("float64"),
    "difficulty": Value("float64"),
    "lineage": Value("string"),
    "metadata": Value("string"),
})
_BALLOT = ("criterion", "judge", "model", "score", "parsed", "rationale", "error")
ORCA_FEATURES = Features({"messages": Value("string")})


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def skill_row(record: Record) -> dict:
    """One record as a row of the skill layout."""
    return {
        "id": record.id,
        "skill": record.skill,
        "subcategory": record.subcategory,
        "messages": [m.model_dump() for m in record.messages],
        "refinement_round": record.lineage.refinement_round,
        "score": record.scores.overall,
        "scores": [{"criterion": k, "score": v} for k, v in sorted(record.scores.criteria.items())],
        "ballots": [{k: getattr(b, k) for k in _BALLOT} for b in record.scores.ballots],
        "agreement": record.scores.agreement,
        "difficulty": record.scores.difficulty,
        "lineage": _json(record.lineage.model_dump(mode="json")),
        "metadata": _json(record.metadata),
    }


def orca_row(record: Record) -> dict:
    """One record as a row of the orca layout: the JSON-encoded messages, system turn first."""
    messages = [m.model_dump() for m in record.messages]
    if not messages or messages[0]["role"] != "system":
        messages.insert(0, {"role": "system", "content": ""})
    return {"messages": json.dumps(messages, ensure_ascii=False)}


def split_of(record: Record, layout: Layout) -> str:
    """The split a record goes to in ``layout``."""
    return orca_split(record.skill) if layout == "orca" else check_split_name(record.skill)


def _split_order(names: Iterable[str], layout: Layout) -> list[str]:
    names = set(names)
    if layout == "orca":
        known = [s for s in ORCA_SPLITS if s in names]
        return known + sorted(names - set(known))
    return sorted(names)


def unique_records(records: Iterable[Record]) -> Iterator[Record]:
    """The records, skipping (with a warning) any whose id was met before (the same run given twice, say)."""
    ids: set[str] = set()
    repeated = 0
    for record in records:
        if record.id in ids:
            repeated += 1
            continue
        ids.add(record.id)
        yield record
    if repeated:
        log.warning("%d records skipped: their id was already exported", repeated)


def records_to_dataset(records: Iterable[Record], layout: Layout = "skill") -> DatasetDict:
    """A ``DatasetDict`` of the records, one split per skill (``skill``) or per orca category (``orca``).

    A record id met a second time is skipped (see ``unique_records``).
    """
    if layout not in ("skill", "orca"):
        raise ValueError(f"unknown layout {layout!r} (use 'skill' or 'orca')")
    to_row, features = (orca_row, ORCA_FEATURES) if layout == "orca" else (skill_row, SKILL_FEATURES)
    columns: dict[str, dict[str, list]] = defaultdict(lambda: {name: [] for name in features})
    for record in unique_records(records):
        cols = columns[split_of(record, layout)]
        for name, value in to_row(record).items():
            cols[name].append(value)
    return DatasetDict({name: Dataset.from_dict(columns[name], features=features)
                        for name in _split_order(columns, layout)})


def _scores(row: dict) -> Scores:
    """A row's judgement columns back as ``Scores``."""
    return Scores(overall=row["score"], criteria={s["criterion"]: s["score"] for s in row["scores"]},
                  ballots=[JudgeBallot(**b) for b in row["ballots"]], agreement=row["agreement"],
                  difficulty=row["difficulty"])


def dataset_to_records(dataset: DatasetDict | Dataset) -> list[Record]:
    """The records of a skill-layout dataset (the inverse of ``records_to_dataset(..., "skill")``)."""
    parts = dataset.values() if isinstance(dataset, DatasetDict) else [dataset]
    out = []
    for part in parts:
        missing = set(SKILL_FEATURES) - set(part.column_names)
        if missing:
            raise ValueError(f"not a skill-layout dataset: missing columns {sorted(missing)}")
        for row in part:
            out.append(Record(
                id=row["id"], skill=row["skill"], subcategory=row["subcategory"],
                messages=[Message(**m) for m in row["messages"]],
                lineage=Lineage.model_validate_json(row["lineage"]),
                scores=_scores(row), metadata=json.loads(row["metadata"]),
            ))
    return out
