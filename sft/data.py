"""SFT training data: records from run directories, JSONL files or saved datasets, filtered and mixed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.records import criterion_scores
from sft.config import ScoreFilter, SFTDataConfig
from sft.deps import require
from sft.messages import check_conversation, clean_messages
from sft.mixture import mix
from sft.sources import (
    ResolvedSource,
    from_generator,
    heldout_for,
    iter_jsonl,
    json_field,
    load_saved_dataset,
    resolve_source,
)

logger = logging.getLogger(__name__)

SCORE = "score"
HELDOUT = "heldout"
"""A row's flag: its record id is in a held-out set (evaluation items are never trained on)."""


def aggregate_score(scores: Any, flt: ScoreFilter | None, where: str) -> float | None:
    """The one number a record is filtered on, or None when it carries none of the filter's scores.

    ``scores`` is a record's judgement in any stored layout (``core.records.criterion_scores``): the run's
    ``{"criteria": {...}, ...}``, the export's ``[{"criterion", "score"}]`` or a flat ``{name: number}``.
    """
    scores = criterion_scores(scores)
    if flt is None or not scores:
        return None
    if not isinstance(scores, dict):
        raise TypeError(f"{where}: 'scores' must be an object of name -> number")
    keys = flt.keys if flt.keys is not None else sorted(scores)
    values = []
    for key in keys:
        value = scores.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{where}: score {key!r} must be a number, got {value!r}")
        values.append(float(value))
    if not values:
        return None
    return min(values) if flt.aggregate == "min" else sum(values) / len(values)


def passes(score: float | None, flt: ScoreFilter | None) -> bool:
    """Whether a record with this aggregated score is kept."""
    if flt is None:
        return True
    if score is None:
        return flt.keep_unscored
    return score >= flt.min_score


def is_heldout(record_id: Any, heldout: set[str] | frozenset[str], where: str) -> bool:
    """Whether a record is held out; with held-out ids to refuse, a record without an id is an error."""
    if not heldout:
        return False
    if record_id is None:
        raise ValueError(f"{where}: record has no 'id', so the held-out evaluation items cannot be left out")
    return str(record_id) in heldout


def record_rows(
    files: list[str], score_filter: dict | None, signature: Any = None, heldout: tuple[str, ...] = ()
) -> Iterator[dict[str, Any]]:
    """Validated ``{"messages", "score", "heldout"}`` rows of JSONL shards (a generator for
    ``Dataset.from_generator``); ``heldout`` lists the record ids to flag.

    ``signature`` is unused here: it only makes the datasets cache key change when a shard changes.
    """
    flt = ScoreFilter.model_validate(score_filter) if score_filter else None
    refused = frozenset(heldout)
    for where, obj in iter_jsonl([Path(f) for f in files]):
        if "messages" not in obj:
            raise ValueError(f"{where}: record has no 'messages' field")
        messages = clean_messages(obj["messages"], where)
        check_conversation(messages, where, ends_with="assistant")
        yield {"messages": messages, SCORE: aggregate_score(obj.get("scores"), flt, where),
               HELDOUT: is_heldout(obj.get("id"), refused, where)}


def _features():
    datasets = require("datasets")
    message = {"role": datasets.Value("string"), "content": datasets.Value("string")}
    return datasets.Features({"messages": datasets.List(message), SCORE: datasets.Value("float64"),
                              HELDOUT: datasets.Value("bool")})


def load_source(source: ResolvedSource, flt: ScoreFilter | None, heldout: set[str] | None = None):
    """One source as a dataset with ``messages``, ``score`` and ``heldout`` columns (all rows, before
    filtering); ``heldout`` holds the record ids to flag."""
    refused = sorted(heldout or ())
    if source.kind == "jsonl":
        gen_kwargs = {
            "files": [str(f) for f in source.files],
            "score_filter": flt.model_dump() if flt else None,
            "signature": source.signature(),
            "heldout": tuple(refused),  # not a list: datasets would shard a list argument
        }
        return from_generator(record_rows, _features(), gen_kwargs)
    ds = load_saved_dataset(source, ("messages",))
    if refused and "id" not in ds.column_names:
        raise ValueError(f"{source.path}: saved dataset has no 'id' column, so the held-out evaluation items "
                         "cannot be left out")
    refused_set = frozenset(refused)

    def validate(row: dict[str, Any], idx: int) -> dict[str, Any]:
        where = f"{source.path} (row {idx})"
        messages = clean_messages(json_field(row["messages"], where, "messages"), where)
        check_conversation(messages, where, ends_with="assistant")
        scores = json_field(row.get("scores"), where, "scores")
        return {"messages": messages, SCORE: aggregate_score(scores, flt, where),
                HELDOUT: is_heldout(row.get("id"), refused_set, where)}

    return ds.map(validate, with_indices=True, remove_columns=ds.column_names, features=_features())


def load_sft_dataset(cfg: SFTDataConfig):
    """The filtered, weighted, shuffled mixture of ``cfg.sources`` as a dataset with a ``messages`` column.

    Records held out for evaluation (``RUN/heldout/*.json`` of a source's run, and ``cfg.heldout``) are
    left out before anything else. Returns ``(dataset, stats)`` where ``stats`` has one
    :class:`SourceStats` per source (``heldout``: records refused as evaluation items).
    """
    if not cfg.sources:
        raise ValueError("no training data: give --data (or data.sources in the config)")
    parts, refused = [], []
    for src in cfg.sources:
        source = resolve_source(src.path)
        ds = load_source(source, cfg.score_filter, heldout_for(source, cfg.heldout))
        training = ds.filter(lambda h: not h, input_columns=[HELDOUT])
        refused.append(len(ds) - len(training))
        kept = training.filter(lambda s: passes(s, cfg.score_filter), input_columns=[SCORE])
        parts.append((src, len(ds), kept.remove_columns([SCORE, HELDOUT])))
    dataset, stats = mix(parts, seed=cfg.seed)
    for s, n in zip(stats, refused, strict=True):
        if n:
            logger.info("source %s: %d held-out evaluation records refused", s.path, n)
    return dataset, [replace(s, heldout=n) for s, n in zip(stats, refused, strict=True)]


def to_prompt_completion(ds):
    """Split each conversation into prompt (all but the last turn) and completion (the last assistant turn)."""

    def split(messages: list[dict[str, str]]) -> dict[str, Any]:
        return {"prompt": messages[:-1], "completion": messages[-1:]}

    return ds.map(split, input_columns=["messages"], remove_columns=["messages"])
