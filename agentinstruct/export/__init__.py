"""Export of generated records: HF ``datasets`` (save_to_disk, parquet, Hub) and a dataset card with plots.

``export_runs`` (pipeline.py) is the entry point; ``records_to_dataset`` (to_dataset.py) builds a
``DatasetDict`` with one split per skill or in the microsoft/orca-agentinstruct-1M-v1 layout
(orca_layout.py); ``write_card`` (card.py) writes README.md and its PNG plots. Names are imported lazily,
so reading runs (run_reader.py) does not import ``datasets``.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "ExportFormat": "agentinstruct.export.formats",
    "ExportResult": "agentinstruct.export.pipeline",
    "export_runs": "agentinstruct.export.pipeline",
    "RunReadError": "agentinstruct.export.run_reader",
    "iter_run_records": "agentinstruct.export.run_reader",
    "dataset_to_records": "agentinstruct.export.to_dataset",
    "records_to_dataset": "agentinstruct.export.to_dataset",
    "write_card": "agentinstruct.export.card",
}

__all__ = [
    "ExportFormat",
    "ExportResult",
    "RunReadError",
    "dataset_to_records",
    "export_runs",
    "iter_run_records",
    "records_to_dataset",
    "write_card",
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
