"""Instruction sets: a generated run with its answers stripped, JSONL rows in several shapes, a saved
dataset; ids unique."""

import json

import datasets
import pytest
from dummies import make_dummy

from agentinstruct import generate
from agentinstruct.arena import load_instructions
from core.config import GenerationConfig, RunConfig


def test_a_generated_run_gives_its_prompts_without_answers_and_with_their_taxonomy(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Uric acid is produced by the breakdown of purine. Crystals form when high.\n" * 3)
    cfg = RunConfig(generation=GenerationConfig(refinement_rounds=0), quality={"dedup": False})
    generate(seeds, tmp_path / "run", lms=make_dummy(), config=cfg, compiled_dir=None)
    records = [json.loads(line) for p in (tmp_path / "run/data").glob("*.jsonl") for line in p.open()]
    items = load_instructions(tmp_path / "run")
    assert len(items) == len(records) > 0
    for item, rec in zip(sorted(items, key=lambda i: i.id), sorted(records, key=lambda r: r["id"]), strict=True):
        assert item.id == rec["id"] and item.messages[-1].role == "user"
        assert item.reference == rec["messages"][-1]["content"]  # the stripped answer, kept as reference
        assert (item.skill, item.instruction_type, item.transformation) == (
            rec["skill"], rec["lineage"]["instruction_type"], rec["lineage"]["transformation"])


def test_jsonl_rows_in_every_accepted_shape(tmp_path):
    path = tmp_path / "set.jsonl"
    rows = [{"id": "m", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]},
            {"prompt": "Plain prompt?", "skill": "open_domain_qa"},
            {"instruction": "Do X.", "id": "i"},
            {"question": "Why?", "id": "q", "messages": None}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    items = load_instructions(path)
    assert items[0].id == "m" and len(items[1].id) == 16  # a hash when no id is given
    assert items[0].request_text().startswith("### System instructions:\nBe brief.")
    assert items[2].request_text() == "Do X." and items[1].skill == "open_domain_qa"
    assert len(load_instructions(path, limit=2)) == 2


def test_repeated_ids_and_prompts_without_a_user_turn_are_errors(tmp_path):
    path = tmp_path / "dup.jsonl"
    path.write_text('{"id": "a", "prompt": "x"}\n{"id": "a", "prompt": "y"}\n')
    with pytest.raises(ValueError, match="repeats"):
        load_instructions(path)
    path.write_text('{"messages": [{"role": "assistant", "content": "hello"}]}\n')
    with pytest.raises(ValueError, match="user turn"):
        load_instructions(path)


def test_a_saved_hugging_face_dataset(tmp_path):
    datasets.Dataset.from_list([{"id": "a", "prompt": "What is 2+2?"}, {"id": "b", "prompt": "Name a colour."}]
                               ).save_to_disk(str(tmp_path / "ds"))
    assert [i.id for i in load_instructions(tmp_path / "ds")] == ["a", "b"]
