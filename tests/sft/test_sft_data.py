"""Loading records and preference pairs: sources, score filters, mixtures, clear errors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sft.config import DataConfig, DataSource, ScoreFilter, SFTDataConfig
from sft.data import load_sft_dataset, to_prompt_completion
from sft.preference_data import load_preference_dataset

pytest.importorskip("datasets")


def _tags(ds) -> list[str]:
    """The ``Record N:`` tag of every row's first user turn."""
    return [next(m["content"] for m in row if m["role"] == "user").split(":")[0] for row in ds["messages"]]


def test_run_dir_jsonl_file_and_saved_dataset_give_the_same_rows(run_dir: Path, tmp_path: Path, kit) -> None:
    from_run, stats = load_sft_dataset(SFTDataConfig(sources=[DataSource(path=run_dir)]))
    assert len(from_run) == 24 and stats[0].read == 24
    assert from_run.column_names == ["messages"]

    single = tmp_path / "all.jsonl"
    single.write_text("".join(json.dumps(r) + "\n" for r in kit.make_records(24)), encoding="utf-8")
    from_file, _ = load_sft_dataset(SFTDataConfig(sources=[DataSource(path=single)]))
    assert sorted(_tags(from_file)) == sorted(_tags(from_run))

    saved = tmp_path / "saved"
    from_file.save_to_disk(str(saved))
    from_saved, _ = load_sft_dataset(SFTDataConfig(sources=[DataSource(path=saved)]))
    assert sorted(map(json.dumps, from_saved["messages"])) == sorted(map(json.dumps, from_file["messages"]))


def test_exported_dataset_dicts_are_read_in_both_layouts(tmp_path: Path, kit) -> None:
    """``agentinstruct export`` writes one split per skill (scores JSON-encoded) or per Orca category
    (messages JSON-encoded, a system turn always first)."""
    from datasets import Dataset, DatasetDict

    records = kit.make_records(12)
    skill_layout = DatasetDict(
        {
            name: Dataset.from_list(
                [{"messages": r["messages"], "scores": json.dumps(r["scores"])} for r in records[i::2]]
            )
            for i, name in enumerate(["math", "reading_comprehension"])
        }
    )
    skill_layout.save_to_disk(str(tmp_path / "skill"))
    cfg = SFTDataConfig(
        sources=[DataSource(path=tmp_path / "skill")], score_filter=ScoreFilter(min_score=5, keys=["judge"])
    )
    ds, stats = load_sft_dataset(cfg)
    assert (stats[0].read, len(ds)) == (12, sum(r["scores"]["judge"] >= 5 for r in records))

    def orca(messages: list[dict]) -> str:
        return json.dumps(
            messages if messages[0]["role"] == "system" else [{"role": "system", "content": ""}, *messages]
        )

    DatasetDict(
        {"Text Modification": Dataset.from_list([{"messages": orca(r["messages"])} for r in records])}
    ).save_to_disk(str(tmp_path / "orca"))
    ds, _ = load_sft_dataset(SFTDataConfig(sources=[DataSource(path=tmp_path / "orca")]))
    assert len(ds) == 12 and all(row[0]["role"] == "system" for row in ds["messages"])


def test_multi_turn_records_keep_every_turn(run_dir: Path) -> None:
    ds, _ = load_sft_dataset(SFTDataConfig(sources=[DataSource(path=run_dir)]))
    shapes = Counter(tuple(m["role"] for m in row) for row in ds["messages"])
    assert shapes[("user", "assistant", "user", "assistant")] > 0
    assert shapes[("system", "user", "assistant", "user", "assistant")] > 0
    assert shapes[("system", "user", "assistant")] > 0


def test_score_filter_drops_low_judged_records(run_dir: Path) -> None:
    # judge scores cycle 0..9 over 24 records: 7, 8, 9 occur 2 + 2 + 2 times.
    cfg = SFTDataConfig(
        sources=[DataSource(path=run_dir)], score_filter=ScoreFilter(min_score=7, keys=["judge"])
    )
    ds, stats = load_sft_dataset(cfg)
    assert (stats[0].read, stats[0].kept, len(ds)) == (24, 6, 6)
    assert {int(t.split()[1]) % 10 for t in _tags(ds)} <= {7, 8, 9}


def test_score_filter_keeps_or_drops_unscored_records(tmp_path: Path, kit) -> None:
    records = kit.make_records(4)
    for r in records[:2]:
        r["scores"] = {}
    run = kit.write_run(tmp_path / "r", records)
    keep = SFTDataConfig(sources=[DataSource(path=run)], score_filter=ScoreFilter(min_score=0))
    drop = SFTDataConfig(
        sources=[DataSource(path=run)], score_filter=ScoreFilter(min_score=0, keep_unscored=False)
    )
    assert len(load_sft_dataset(keep)[0]) == 4
    assert len(load_sft_dataset(drop)[0]) == 2


def test_mixture_weights_scale_each_source(tmp_path: Path, kit) -> None:
    a = kit.write_run(tmp_path / "a", kit.make_records(10, start=0))
    b = kit.write_run(tmp_path / "b", kit.make_records(10, start=100))
    cfg = SFTDataConfig(sources=[DataSource(path=a, weight=2.0), DataSource(path=b, weight=0.5)])
    ds, stats = load_sft_dataset(cfg)
    assert [s.used for s in stats] == [20, 5]
    tags = Counter(_tags(ds))
    assert sum(v for k, v in tags.items() if int(k.split()[1]) < 100) == 20
    assert all(v == 2 for k, v in tags.items() if int(k.split()[1]) < 100)
    assert sum(v for k, v in tags.items() if int(k.split()[1]) >= 100) == 5
    again, _ = load_sft_dataset(cfg)
    assert _tags(again) == _tags(ds)  # seeded: same mixture, same order


def test_prompt_completion_split_puts_the_last_assistant_turn_in_the_completion(run_dir: Path) -> None:
    ds, _ = load_sft_dataset(SFTDataConfig(sources=[DataSource(path=run_dir)]))
    pc = to_prompt_completion(ds)
    for row in pc:
        assert row["prompt"][-1]["role"] == "user"
        assert [m["role"] for m in row["completion"]] == ["assistant"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('{"id": "x"}', "no 'messages'"),
        ('{"messages": [{"role": "assistant", "content": "hi"}]}', "must alternate"),
        ('{"messages": [{"role": "user", "content": "hi"}]}', "must end with a assistant turn"),
        (
            '{"messages": [{"role": "user", "content": "q"}, {"role": "robot", "content": "a"}]}',
            "role 'robot'",
        ),
        (
            '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "  "}]}',
            "is empty",
        ),
    ],
)
def test_bad_records_fail_naming_file_and_line(tmp_path: Path, kit, line: str, reason: str) -> None:
    good = json.dumps(kit.make_records(1)[0])
    path = tmp_path / "bad.jsonl"
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"bad\.jsonl:2: .*{reason}"):
        load_sft_dataset(SFTDataConfig(sources=[DataSource(path=path)]))


def test_missing_and_empty_sources_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_sft_dataset(SFTDataConfig(sources=[DataSource(path=tmp_path / "nope")]))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no data found"):
        load_sft_dataset(SFTDataConfig(sources=[DataSource(path=tmp_path / "empty")]))
    with pytest.raises(ValueError, match="no training data"):
        load_sft_dataset(SFTDataConfig())


def _pair(i: int, **change) -> dict:
    pair = {
        "prompt": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": f"Question {i}?"}],
        "chosen": [{"role": "assistant", "content": f"A careful answer {i}."}],
        "rejected": [{"role": "assistant", "content": f"A sloppy answer {i}."}],
    }
    pair.update(change)
    return pair


def test_preference_pairs_load_and_validate(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(_pair(i)) + "\n" for i in range(5)), encoding="utf-8")
    ds, stats = load_preference_dataset(DataConfig(sources=[DataSource(path=path)]))
    assert len(ds) == 5 and stats[0].read == 5
    assert set(ds.column_names) == {"prompt", "chosen", "rejected"}

    bad = tmp_path / "bad_pairs.jsonl"
    same = _pair(0, rejected=_pair(0)["chosen"])
    bad.write_text(json.dumps(_pair(1)) + "\n" + json.dumps(same) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad_pairs\.jsonl:2: chosen and rejected are identical"):
        load_preference_dataset(DataConfig(sources=[DataSource(path=bad)]))
    wrong_role = tmp_path / "wrong_role.jsonl"
    wrong_role.write_text(
        json.dumps(_pair(1, chosen=[{"role": "user", "content": "x"}])) + "\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"wrong_role\.jsonl:1: chosen\[0\] must be an assistant message"):
        load_preference_dataset(DataConfig(sources=[DataSource(path=wrong_role)]))
