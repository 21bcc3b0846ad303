"""Export of generated records: HF ``datasets`` (save_to_disk, parquet, Hub) and a dataset card with plots.

``export_runs`` (pipeline.py) is the entry point; ``records_to_dataset`` (to_dataset.py) builds a
``DatasetDict`` with one split per skill or in the microsoft/orca-agentinstruct-1M-v1 layout
(orca_layout.py); ``write_card`` (card.py) writes README.md and its PNG plots.
"""

from agentinstruct.export.pipeline import ExportFormat, ExportResult, export_runs
from agentinstruct.export.run_reader import RunReadError, iter_run_records
from agentinstruct.export.to_dataset import dataset_to_records, records_to_dataset

__all__ = [
    "ExportFormat",
    "ExportResult",
    "RunReadError",
    "dataset_to_records",
    "export_runs",
    "iter_run_records",
    "records_to_dataset",
]
