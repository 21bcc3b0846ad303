"""Held-out evaluation records (Orca-Bench) are refused by SFT data loading."""

from __future__ import annotations

import pytest

from core.heldout import HeldoutSet, heldout_path, write_heldout
from sft.config import DataSource, SFTDataConfig
from sft.data import load_sft_dataset


def test_a_runs_heldout_ids_are_left_out_and_counted(kit, tmp_path):
    run = kit.write_run(tmp_path / "run", kit.make_records(12))
    write_heldout(heldout_path(run, "orca-bench"), HeldoutSet(name="orca-bench", ids=["rec-1", "rec-4", "rec-9"]))
    ds, stats = load_sft_dataset(SFTDataConfig(sources=[DataSource(path=run)]))
    assert len(ds) == 9 and (stats[0].read, stats[0].heldout, stats[0].kept) == (12, 3, 9)
    users = " ".join(m["content"] for row in ds for m in row["messages"] if m["role"] == "user")
    assert "Record 4:" not in users and "Record 1:" not in users and "Record 2:" in users
    # a shard file of the run, and its data/ folder, are refused the same ids
    for path in (run / "data", sorted((run / "data").glob("*.jsonl"))[0]):
        part, part_stats = load_sft_dataset(SFTDataConfig(sources=[DataSource(path=path)]))
        assert part_stats[0].heldout > 0 and "Record 4:" not in str(part["messages"])

def test_explicit_heldout_files_apply_to_any_source(kit, tmp_path):
    records = kit.make_records(6)
    single = tmp_path / "records.jsonl"
    single.write_text("".join(__import__("json").dumps(r) + "\n" for r in records))
    held = write_heldout(tmp_path / "bench" / "heldout.json", HeldoutSet(name="x", ids=["rec-0", "rec-5"]))
    ds, stats = load_sft_dataset(SFTDataConfig(sources=[DataSource(path=single)], heldout=[held]))
    assert len(ds) == 4 and stats[0].heldout == 2

def test_a_saved_dataset_without_ids_cannot_be_checked(kit, tmp_path):
    datasets = pytest.importorskip("datasets")
    saved = tmp_path / "saved"
    datasets.Dataset.from_list([{"messages": r["messages"]} for r in kit.make_records(3)]).save_to_disk(str(saved))
    held = write_heldout(tmp_path / "h.json", HeldoutSet(name="x", ids=["rec-0"]))
    with pytest.raises(ValueError, match="no 'id' column"):
        load_sft_dataset(SFTDataConfig(sources=[DataSource(path=saved)], heldout=[held]))
    with_ids = tmp_path / "with_ids"
    datasets.Dataset.from_list([{"id": r["id"], "messages": r["messages"]} for r in kit.make_records(3)]
                               ).save_to_disk(str(with_ids))
    ds, stats = load_sft_dataset(SFTDataConfig(sources=[DataSource(path=with_ids)], heldout=[held]))
    assert len(ds) == 2 and stats[0].heldout == 1

def test_a_record_without_id_is_an_error_when_ids_are_held_out(kit, tmp_path):
    run = kit.write_run(tmp_path / "run", [{k: v for k, v in r.items() if k != "id"} for r in kit.make_records(2)],
                        shards=1)
    write_heldout(heldout_path(run, "orca-bench"), HeldoutSet(name="orca-bench", ids=["rec-1"]))
    with pytest.raises(ValueError, match="has no 'id'"):
        load_sft_dataset(SFTDataConfig(sources=[DataSource(path=run)]))
