"""DPO preference pairs in TRL's conversational format: ``{"prompt", "chosen", "rejected"}``.

``prompt`` is a message list ending with a user turn (optional leading system turn); ``chosen`` and
``rejected`` are lists of assistant messages, as judges and arena battles produce them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sft.config import DataConfig
from sft.deps import require
from sft.messages import check_conversation, check_replies, clean_messages
from sft.mixture import mix
from sft.sources import (
    ResolvedSource,
    from_generator,
    iter_jsonl,
    json_field,
    load_saved_dataset,
    resolve_source,
)

COLUMNS = ("prompt", "chosen", "rejected")
PREFERENCES = "preferences.jsonl"
"""Where a generation run writes its preference pairs (``generation.responses_per_item >= 2``)."""


def resolve_preference_source(path: str | Path) -> ResolvedSource:
    """A preference source: a run directory means its ``preferences.jsonl`` (not its records); anything
    else is resolved as any data source (a ``.jsonl`` file or directory, a saved dataset)."""
    p = Path(path).expanduser()
    if p.is_dir() and (p / PREFERENCES).is_file() and (p / PREFERENCES).stat().st_size > 0:
        return ResolvedSource(p, "jsonl", (p / PREFERENCES,))
    if p.is_dir() and (p / "ledger.sqlite").is_file():
        raise ValueError(f"{p}: this run wrote no preference pairs ({PREFERENCES}); generate with "
                         "generation.responses_per_item >= 2 to get them")
    return resolve_source(p)


def clean_pair(obj: dict[str, Any], where: str) -> dict[str, list[dict[str, str]]]:
    """Validate one preference pair and keep only its three message lists."""
    missing = [c for c in COLUMNS if c not in obj]
    if missing:
        raise ValueError(f"{where}: preference pair lacks {missing}; expected prompt, chosen, rejected")
    pair = {c: clean_messages(obj[c], where, field=c) for c in COLUMNS}
    check_conversation(pair["prompt"], where, ends_with="user")
    check_replies(pair["chosen"], where, "chosen")
    check_replies(pair["rejected"], where, "rejected")
    if pair["chosen"] == pair["rejected"]:
        raise ValueError(f"{where}: chosen and rejected are identical")
    return pair


def pair_rows(files: list[str], signature: Any = None) -> Iterator[dict[str, Any]]:
    """Validated pairs of JSONL files (a generator for ``Dataset.from_generator``; ``signature`` is a cache key)."""
    for where, obj in iter_jsonl([Path(f) for f in files]):
        yield clean_pair(obj, where)


def _clean_saved_row(row: dict[str, Any], idx: int, path: str) -> dict[str, Any]:
    where = f"{path} (row {idx})"
    return clean_pair({c: json_field(row[c], where, c) for c in COLUMNS}, where)


def _features():
    datasets = require("datasets")
    message = {"role": datasets.Value("string"), "content": datasets.Value("string")}
    return datasets.Features({c: datasets.List(message) for c in COLUMNS})


def load_preference_dataset(cfg: DataConfig):
    """The weighted, shuffled mixture of preference-pair sources. Returns ``(dataset, stats)``."""
    if not cfg.sources:
        raise ValueError("no preference data: give --data (or data.sources in the config)")
    parts = []
    for src in cfg.sources:
        source = resolve_preference_source(src.path)
        if source.kind == "jsonl":
            gen_kwargs = {"files": [str(f) for f in source.files], "signature": source.signature()}
            ds = from_generator(pair_rows, _features(), gen_kwargs)
        else:
            raw = load_saved_dataset(source, COLUMNS)
            ds = raw.map(
                _clean_saved_row,
                fn_kwargs={"path": str(source.path)},
                with_indices=True,
                remove_columns=raw.column_names,
                features=_features(),
            )
        parts.append((src, len(ds), ds))
    return mix(parts, seed=cfg.seed)
