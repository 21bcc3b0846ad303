"""Building Orca-Bench from generated runs: per-skill groups, ODQA twice, seeded, held-out ids recorded."""

from __future__ import annotations

import json

import pytest

from core.heldout import heldout_ids, read_heldout
from eval.orca_build import COMPLEX_ODQA, ODQA, build_orca_bench, load_orca_bench, orca_group


def record(i: int, skill: str, refinement_round: int = 0) -> dict:
    return {"id": f"{skill[:4]}-{i}", "skill": skill, "subcategory": "sub",
            "messages": [{"role": "user", "content": f"question {i} of {skill}"},
                         {"role": "assistant", "content": f"teacher answer {i}"}],
            "lineage": {"seed_id": f"s{i}", "refinement_round": refinement_round}, "scores": {}, "metadata": {}}


def write_run(run, records):
    (run / "data").mkdir(parents=True)
    (run / "data" / "shard-00000.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return run


@pytest.fixture
def runs(tmp_path):
    one = write_run(tmp_path / "run1", [record(i, "reading_comprehension") for i in range(6)]
                    + [record(i, ODQA, refinement_round=i % 2) for i in range(10)])
    two = write_run(tmp_path / "run2", [record(i, "text_modification") for i in range(3)])
    return [one, two]


def test_odqa_gives_two_test_sets():
    assert orca_group(record(1, ODQA)) == ODQA
    assert orca_group(record(1, ODQA, refinement_round=1)) == COMPLEX_ODQA
    assert orca_group(record(1, "coding", refinement_round=2)) == "coding"


def test_build_chooses_per_group_writes_items_and_marks_each_run(runs, tmp_path):
    built = build_orca_bench(runs, tmp_path / "bench", per_skill=2, seed=5)
    assert built.heldout.groups == {COMPLEX_ODQA: 2, ODQA: 2, "reading_comprehension": 2, "text_modification": 2}
    items = load_orca_bench(tmp_path / "bench")
    assert [i.id for i in items] == built.heldout.ids and len(items) == 8
    assert {i.skill for i in items if i.id.startswith("open")} == {ODQA, COMPLEX_ODQA}
    # each run holds the ids drawn from it; together they are the whole set
    per_run = [read_heldout(f) for f in built.run_files]
    assert [len(h.ids) for h in per_run] == [6, 2]
    assert heldout_ids(runs) == set(built.heldout.ids) == heldout_ids([tmp_path / "bench" / "heldout.json"])
    # seeded: the same seed chooses the same ids, another seed others
    again = build_orca_bench(runs, tmp_path / "again", per_skill=2, seed=5)
    other = build_orca_bench(runs, tmp_path / "other", per_skill=2, seed=6, name="other")
    assert again.heldout.ids == built.heldout.ids and other.heldout.ids != built.heldout.ids


def test_a_group_smaller_than_asked_gives_all_of_it(runs, tmp_path):
    built = build_orca_bench(runs, tmp_path / "bench", per_skill=4, seed=0)
    assert built.heldout.groups["text_modification"] == 3


def test_bad_inputs_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a run directory"):
        build_orca_bench([tmp_path], tmp_path / "b")
    run = tmp_path / "run"
    (run / "data").mkdir(parents=True)
    (run / "data" / "s.jsonl").write_text('{"id": 1}\n')
    with pytest.raises(ValueError, match=r"s\.jsonl:1"):
        build_orca_bench([run], tmp_path / "b")
    with pytest.raises(FileNotFoundError, match="eval orca-bench"):
        load_orca_bench(tmp_path / "nothing")
