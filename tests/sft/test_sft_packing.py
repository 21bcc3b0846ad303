"""Packing efficiency under TRL's bfd packer, on small known cases and on the benchmark's length mix."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

from sft.packing import pack_lengths

pytest.importorskip("trl")  # the [sft] extra

BENCH = Path(__file__).resolve().parents[2] / "bench" / "packing.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_packing", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_best_fit_decreasing_fills_rows_exactly_when_it_can() -> None:
    result = pack_lengths([6, 2, 5, 3, 4, 4], max_length=8)  # 6+2, 5+3, 4+4
    assert (result.rows, result.tokens_kept, result.efficiency) == (3, 24, 1.0)


def test_overlong_sequences_are_truncated_and_counted() -> None:
    result = pack_lengths([12, 4], max_length=8)  # bfd truncates 12 -> 8; 4 gets its own row
    assert result.rows == 2 and result.tokens_kept == 12
    assert result.truncated_share == pytest.approx(4 / 16)
    assert result.efficiency == pytest.approx(12 / 16)


def test_bench_length_mix_packs_to_at_least_95_percent_at_8192() -> None:
    bench = _bench_module()
    lengths = bench.sample_lengths(3000, random.Random(0))
    mean = sum(lengths) / len(lengths)
    assert 1500 < mean < 4500  # a realistic spread: short QA to long-form records
    result = pack_lengths(lengths, bench.MAX_LENGTH)
    assert result.efficiency >= 0.95
    assert result.truncated_share < 0.05
