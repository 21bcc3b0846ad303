"""``export_runs``: the records of one or more runs -> a saved dataset, its card, optionally the Hub."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agentinstruct.export.card import write_card
from agentinstruct.export.formats import ExportFormat
from agentinstruct.export.run_reader import RunReadError, iter_run_records
from agentinstruct.export.save import push_to_hub as push
from agentinstruct.export.save import save_disk, save_parquet
from agentinstruct.export.stats import ExportStats
from agentinstruct.export.to_dataset import records_to_dataset, unique_records

log = logging.getLogger(__name__)

QUALITY_SUMMARY_KEY = "quality_drops"
"""Key of ``RUN/summary.json`` holding records dropped by the quality gates, by reason (if present)."""


class ExportResult(BaseModel):
    """What an export wrote."""

    model_config = ConfigDict(extra="forbid")

    out: str
    format: ExportFormat
    records: int
    splits: dict[str, int]
    card: str | None = None
    pushed_to: str | None = None


def _quality_counts(runs: list[Path]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for run in runs:
        path = run / "summary.json"
        if not path.is_file():
            continue
        try:
            drops = json.loads(path.read_text(encoding="utf-8")).get(QUALITY_SUMMARY_KEY) or {}
        except json.JSONDecodeError as exc:
            raise RunReadError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
        total.update({str(k): int(v) for k, v in drops.items()})
    return dict(total)


def export_runs(runs: list[Path], out: Path, format: ExportFormat | str = ExportFormat.parquet, *,
                push_to_hub: str | None = None, token_env: str = "HF_TOKEN", private: bool = True,
                card: bool = True, pretty_name: str = "AgentInstruct synthetic data",
                license: str = "other") -> ExportResult:
    """Export the records of ``runs`` to ``out`` (new or empty) as ``format``, with a dataset card.

    With ``push_to_hub`` (a repo id) the dataset, then the card, are pushed to the Hub.
    """
    fmt = ExportFormat(format)
    runs = [Path(r) for r in runs]
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out}: exists and is not an empty directory; pick a new --out")
    layout = "orca" if fmt is ExportFormat.orca else "skill"
    stats = ExportStats(layout)
    stats.runs = [r.resolve().name for r in runs]  # names only: no local paths in a published card
    dataset = records_to_dataset(stats.tap(unique_records(iter_run_records(runs))), layout)
    if not stats.records:
        raise ValueError(f"no records to export in {', '.join(map(str, runs))}")
    out.mkdir(parents=True, exist_ok=True)
    data_files = None
    if fmt is ExportFormat.disk:
        save_disk(dataset, out)
    else:
        data_files = save_parquet(dataset, out)
    card_path = None
    if card:
        card_path = write_card(stats, out, pretty_name=pretty_name, license=license, data_files=data_files,
                               quality=_quality_counts(runs))
    if push_to_hub:
        push(dataset, push_to_hub, token_env=token_env, private=private, card_dir=out if card else None)
    return ExportResult(out=str(out), format=fmt, records=stats.records,
                        splits={name: len(part) for name, part in dataset.items()},
                        card=str(card_path) if card_path else None, pushed_to=push_to_hub)
