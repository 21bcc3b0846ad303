"""Packing efficiency of a length mix under TRL's own packing code (the code the trainer runs)."""

from __future__ import annotations

from dataclasses import dataclass

from sft.deps import require


@dataclass(frozen=True)
class PackingResult:
    """What packing a set of sequence lengths into rows of ``max_length`` gives."""

    rows: int
    tokens_in: int
    tokens_kept: int
    max_length: int

    @property
    def efficiency(self) -> float:
        """Share of the rows' ``max_length`` slots holding real (non-pad) tokens."""
        return self.tokens_kept / (self.rows * self.max_length) if self.rows else 0.0

    @property
    def truncated_share(self) -> float:
        """Share of input tokens dropped because their sequence was longer than ``max_length``."""
        return 1 - self.tokens_kept / self.tokens_in if self.tokens_in else 0.0


def pack_lengths(
    lengths: list[int], max_length: int, strategy: str = "bfd", batch_size: int = 1000
) -> PackingResult:
    """Pack dummy sequences of ``lengths`` with ``trl.data_utils.pack_dataset``.

    ``batch_size`` is the ``datasets.map`` batch TRL packs within (1000, the default the trainer uses):
    best-fit decreasing only sees one batch at a time.
    """
    datasets = require("datasets")
    data_utils = require("trl.data_utils")
    np = require("numpy")
    pa = require("pyarrow")
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
    ids = pa.LargeListArray.from_arrays(
        pa.array(offsets), pa.array(np.ones(int(offsets[-1]), dtype=np.int32))
    )
    ds = datasets.Dataset(pa.table({"input_ids": ids}))
    packed = data_utils.pack_dataset(ds, max_length, strategy, {"batch_size": batch_size})
    row_lengths = [sum(s) for s in packed["seq_lengths"]]
    return PackingResult(len(row_lengths), sum(lengths), sum(row_lengths), max_length)
