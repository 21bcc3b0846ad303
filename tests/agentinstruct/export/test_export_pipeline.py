"""export_runs: disk and parquet round-trip, orca parquet layout, the card and its plots, push_to_hub."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
import pytest
import yaml

from agentinstruct.export.pipeline import export_runs
from agentinstruct.export.run_reader import RunReadError
from agentinstruct.export.to_dataset import dataset_to_records
from core.records import Record


def rec(rid: str, skill: str, sub: str, rounds: int = 0, scores: dict | None = None) -> Record:
    return Record(id=rid, skill=skill, subcategory=sub, scores=scores or {},
                  messages=[{"role": "user", "content": f"Read the passage and answer question {rid}."},
                            {"role": "assistant", "content": "A short answer " * (int(rid) + 1)}],
                  lineage={"seed_id": "s", "seed_sha256": "b" * 64, "seed_source": "d.txt",
                           "instruction_type": sub, "refinement_round": rounds, "program_hash": "p"})


def write_run(root: Path, records: list[Record], summary: dict | None = None) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "shard-00000.jsonl").write_text("".join(r.to_json() + "\n" for r in records))
    if summary is not None:
        (root / "summary.json").write_text(json.dumps(summary))
    return root


@pytest.fixture
def runs(tmp_path: Path) -> list[Path]:
    one = write_run(tmp_path / "run1", [rec("1", "reading_comprehension", "literal", scores={"judge": 7.0}),
                                        rec("2", "reading_comprehension", "inference", 1, {"judge": 9.0}),
                                        rec("3", "coding", "debugging")],
                    summary={"quality_drops": {"duplicate": 2, "contaminated": 1}})
    two = write_run(tmp_path / "run2", [rec("4", "text_modification", "paraphrase", 2)])
    return [one, two]


def test_parquet_export_round_trips_through_load_dataset(tmp_path, runs):
    out = tmp_path / "out"
    result = export_runs(runs, out, "parquet")
    assert result.records == 4
    assert result.splits == {"coding": 1, "reading_comprehension": 2, "text_modification": 1}
    assert min(p.name for p in (out / "data").iterdir()) == "coding-00000-of-00001.parquet"
    loaded = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))  # via the card's configs
    assert set(loaded) == set(result.splits)
    got = sorted(dataset_to_records(loaded), key=lambda r: r.id)
    assert [r.id for r in got] == ["1", "2", "3", "4"]
    assert got[1].scores.criteria == {"judge": 9.0} and got[3].lineage.refinement_round == 2


def test_disk_export_round_trips_through_load_from_disk(tmp_path, runs):
    out = tmp_path / "disk"
    export_runs(runs, out, "disk", card=False)
    loaded = datasets.load_from_disk(str(out))
    assert {r.id for r in dataset_to_records(loaded)} == {"1", "2", "3", "4"}
    assert not (out / "README.md").exists()


def test_orca_export_writes_orca_splits(tmp_path, runs):
    out = tmp_path / "orca"
    result = export_runs(runs, out, "orca")
    assert result.splits == {"text_modification": 1, "rc": 2, "code_": 1}
    rc = datasets.load_dataset("parquet", data_files=str(out / "data" / "rc-*.parquet"),
                               cache_dir=str(tmp_path / "cache"))["train"]
    assert rc.column_names == ["messages"]
    assert [m["role"] for m in json.loads(rc[0]["messages"])] == ["system", "user", "assistant"]


def test_card_lists_counts_and_references_existing_plots(tmp_path, runs):
    out = tmp_path / "card"
    export_runs(runs, out, "parquet", pretty_name="Tiny AI data")
    text = (out / "README.md").read_text()
    header = yaml.safe_load(text.split("---\n")[1])
    assert header["license"] == "other" and header["size_categories"] == ["n<1K"]
    assert {"split": "coding", "path": "data/coding-*"} in header["configs"][0]["data_files"]
    assert "**4 records** in 3 splits" in text
    assert "| reading_comprehension | 2 |" in text and "| reading_comprehension | inference | 1 |" in text
    assert "| duplicate | 2 |" in text and "| contaminated | 1 |" in text  # from the runs' summaries
    assert "| judge | 2 | 8.00 |" in text
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert set(images) == {f"plots/{n}.png" for n in
                           ("skills", "subcategories", "lengths", "refinement_rounds", "scores")}
    for image in images:
        assert (out / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_push_to_hub_is_a_thin_call(tmp_path, runs, monkeypatch):
    calls = {}

    def fake_push(self, repo_id, **kw):
        calls["push"] = (repo_id, kw, sorted(self))

    def fake_upload(self, **kw):
        calls["upload"] = kw

    monkeypatch.setattr(datasets.DatasetDict, "push_to_hub", fake_push)
    monkeypatch.setattr("huggingface_hub.HfApi.upload_folder", fake_upload)
    monkeypatch.setenv("MY_HF_TOKEN", "hf_secret")
    result = export_runs(runs, tmp_path / "hub", "orca", push_to_hub="me/tiny", token_env="MY_HF_TOKEN")
    repo_id, kw, splits = calls["push"]
    assert (repo_id, kw["token"], kw["private"]) == ("me/tiny", "hf_secret", True)
    assert splits == ["code_", "rc", "text_modification"]
    assert calls["upload"]["repo_id"] == "me/tiny" and calls["upload"]["repo_type"] == "dataset"
    assert result.pushed_to == "me/tiny"


def test_bad_inputs_are_named(tmp_path, runs):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(FileExistsError, match="full"):
        export_runs(runs, tmp_path / "full")
    empty = write_run(tmp_path / "empty", [])
    with pytest.raises(ValueError, match="no records"):
        export_runs([empty], tmp_path / "o1")
    with open(runs[1] / "data" / "shard-00000.jsonl", "a") as fh:
        fh.write("{oops")
    with pytest.raises(RunReadError, match=r"run2/data/shard-00000\.jsonl:2: invalid JSON.*torn"):
        export_runs(runs, tmp_path / "o2")
