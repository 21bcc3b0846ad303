import json

import datasets
import pytest
from pydantic import ValidationError

from core.records import Lineage, Message, Record, record_id

LINEAGE = Lineage(seed_id="a.txt", seed_sha256="0" * 64, seed_source="a.txt", transformation="poem",
                  instruction_type="flaw", program_hash="abc")


def _record(messages) -> Record:
    return Record(id=record_id("u", "0"), skill="reading_comprehension", subcategory="flaw",
                  messages=[Message(**m) for m in messages], lineage=LINEAGE)


def test_record_requires_user_first_and_assistant_last():
    with pytest.raises(ValidationError, match="first non-system"):
        _record([{"role": "assistant", "content": "x"}])
    with pytest.raises(ValidationError, match="end with an assistant"):
        _record([{"role": "user", "content": "x"}])
    with pytest.raises(ValidationError, match="must not be empty"):
        _record([{"role": "user", "content": " "}, {"role": "assistant", "content": "y"}])


def test_records_load_with_datasets(tmp_path):
    path = tmp_path / "shard.jsonl"
    rows = [
        _record([{"role": "system", "content": "s"}, {"role": "user", "content": "q"},
                 {"role": "assistant", "content": "a"}]),
        _record([{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"},
                 {"role": "user", "content": "q2"}, {"role": "assistant", "content": "a2"}]),
    ]
    path.write_text("\n".join(r.to_json() for r in rows) + "\n", encoding="utf-8")
    ds = datasets.load_dataset("json", data_files=str(path), split="train")
    assert ds.num_rows == 2
    assert ds[1]["messages"][2] == {"role": "user", "content": "q2"}
    assert ds[0]["lineage"]["transformation"] == "poem"
    assert json.loads(rows[0].to_json())["id"] == rows[0].id


def test_record_id_is_stable_and_distinct():
    assert record_id("a", "b") == record_id("a", "b")
    assert record_id("a", "b") != record_id("ab", "")
