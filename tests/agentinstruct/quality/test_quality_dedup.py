"""NearDuplicateIndex: near-duplicates with a few words changed are caught, different texts are not."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest

from agentinstruct.export.run_reader import RunReadError
from agentinstruct.quality.dedup import NearDuplicateIndex
from core.records import Record

VOCAB = [f"{a}{b}" for a in ("river", "stone", "lamp", "cloud", "field", "glass", "north", "salt")
         for b in ("ward", "keeper", "line", "mark", "fold", "gate", "wick", "moor")]


def passage(seed: int, n: int = 200) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCAB) for _ in range(n)) + "."


def change_words(text: str, positions: list[int]) -> str:
    toks = text.split()
    for p in positions:
        toks[p] = "zzz" + toks[p]
    return " ".join(toks)


def make_record(rid: str, user: str, assistant: str) -> Record:
    return Record(id=rid, skill="reading_comprehension", subcategory="literal",
                  messages=[{"role": "user", "content": user}, {"role": "assistant", "content": assistant}],
                  lineage={"seed_id": "s", "seed_sha256": "0" * 64, "seed_source": "s.txt",
                           "instruction_type": "literal", "program_hash": "h"})


def write_run(root: Path, records: list[Record]) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "shard-00000.jsonl").write_text("".join(r.to_json() + "\n" for r in records))
    return root


def test_a_few_words_changed_is_a_near_duplicate():
    index = NearDuplicateIndex()
    text = passage(1, 400)
    assert index.seen("a", text) is None
    assert index.seen("b", change_words(text, [20, 200, 380])) == "a"
    assert index.seen("c", text.upper().replace(" ", "  ")) == "a"  # case and spacing do not matter
    assert len(index) == 1  # duplicates are not indexed


def test_different_texts_are_not_near_duplicates():
    index = NearDuplicateIndex()
    assert index.seen("a", passage(1)) is None
    assert index.seen("b", passage(2)) is None
    text = passage(3)
    rewritten = change_words(text, list(range(0, 200, 8)))  # one word in eight changed
    assert index.seen("c", text) is None
    assert index.seen("d", rewritten) is None
    assert len(index) == 4


def test_query_and_similarity():
    index = NearDuplicateIndex(threshold=0.8)
    text = passage(4)
    index.add("a", text)
    index.add("a", passage(5))  # a second add of one id is ignored
    [(rid, sim)] = index.query(change_words(text, [50]))
    assert rid == "a" and 0.85 < sim < 1.0
    assert index.similarity("a", text) == 1.0
    assert index.similarity("missing", text) is None
    assert index.query(passage(6)) == []


def test_same_id_is_not_its_own_duplicate():
    index = NearDuplicateIndex()
    index.add("a", passage(7))
    assert index.seen("a", passage(7)) is None
    assert len(index) == 1


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="threshold"):
        NearDuplicateIndex(threshold=0.0)
    with pytest.raises(ValueError, match="shingle"):
        NearDuplicateIndex(shingle=0)


def test_concurrent_inserts_keep_exactly_one_of_identical_texts():
    index = NearDuplicateIndex()
    text = passage(8)
    results: list[str | None] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        found = index.seen(f"r{i}", text)
        with lock:
            results.append(found)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(None) == 1 and len(index) == 1


def test_from_runs_indexes_earlier_records(tmp_path):
    text = passage(9)
    run = write_run(tmp_path / "run1", [make_record("old", text, "An answer about the passage.")])
    index = NearDuplicateIndex.from_runs([run], threshold=0.85)
    assert "old" in index
    assert index.seen("new", change_words(text + " An answer about the passage.", [30])) == "old"
    answers_only = NearDuplicateIndex.from_runs([run], roles=("assistant",))
    assert answers_only.similarity("old", "an answer about the passage") == 1.0


def test_from_runs_names_the_corrupt_line(tmp_path):
    run = write_run(tmp_path / "run1", [make_record("ok", passage(10), "Fine.")])
    with open(run / "data" / "shard-00000.jsonl", "a") as fh:
        fh.write('{"id": "broken"\n')
    with pytest.raises(RunReadError, match=r"shard-00000\.jsonl:2: invalid JSON"):
        NearDuplicateIndex.from_runs([run])
    with pytest.raises(RunReadError, match="not a run directory"):
        NearDuplicateIndex.from_runs([tmp_path / "nope"])
