"""Export formats (a light module: the CLI imports it without importing ``datasets``)."""

from __future__ import annotations

from enum import Enum


class ExportFormat(str, Enum):
    """How an export is written: ``disk`` (save_to_disk, split per skill), ``parquet`` (Hub layout, split per
    skill), ``orca`` (Hub parquet in the microsoft/orca-agentinstruct-1M-v1 layout)."""

    disk = "disk"
    parquet = "parquet"
    orca = "orca"
