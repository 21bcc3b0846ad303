"""records_to_dataset: the skill layout round-trips; the orca layout has orca splits and JSON messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from agentinstruct.export.orca_layout import ORCA_SPLITS, SKILL_TO_ORCA_SPLIT, orca_split
from agentinstruct.export.to_dataset import dataset_to_records, records_to_dataset
from core.records import Record

SKILLS_DIR = Path(__file__).resolve().parents[3] / "agentinstruct" / "skills"


def rec(rid: str, skill: str, sub: str = "general", *, system: bool = False, rounds: int = 0,
        scores: dict | None = None) -> Record:
    msgs = [{"role": "system", "content": "Be brief."}] if system else []
    msgs += [{"role": "user", "content": f"Question {rid} about a passage?"},
             {"role": "assistant", "content": f"Answer {rid}, with ünïcode."}]
    return Record(id=rid, skill=skill, subcategory=sub, messages=msgs, scores=scores or {},
                  metadata={"unit_id": f"u-{rid}"},
                  lineage={"seed_id": f"seed-{rid}", "seed_sha256": "a" * 64, "seed_source": "doc.txt",
                           "transformation": "debate_passage", "instruction_type": sub,
                           "refinement_round": rounds, "refinement_goal": "harder" if rounds else None,
                           "agents": ["transform:debate_passage", "respond"], "models": {"responder": "m"},
                           "program_hash": "abc", "run_seed": 3})


RECORDS = [rec("1", "reading_comprehension", "literal", system=True, scores={"judge": 8.5}),
           rec("2", "reading_comprehension", "inference", rounds=2),
           rec("3", "coding", "debugging"), rec("4", "conversation", "follow_up"),
           rec("5", "tool_use", "api_call")]


def test_skill_layout_round_trips():
    dd = records_to_dataset(RECORDS, "skill")
    assert list(dd) == ["coding", "conversation", "reading_comprehension", "tool_use"]
    assert dd["reading_comprehension"].num_rows == 2
    assert dd["reading_comprehension"][1]["refinement_round"] == 2
    back = sorted(dataset_to_records(dd), key=lambda r: r.id)
    assert [r.model_dump() for r in back] == [r.model_dump() for r in RECORDS]


def test_repeated_ids_are_exported_once():
    dd = records_to_dataset([*RECORDS, RECORDS[0]], "skill")
    assert sum(d.num_rows for d in dd.values()) == len(RECORDS)


def test_orca_layout_has_orca_splits_and_json_messages():
    dd = records_to_dataset(RECORDS, "orca")
    assert list(dd) == ["rc", "follow_up", "code_", "tool_use"]
    for split in dd.values():
        assert split.column_names == ["messages"]
        assert split.features["messages"].dtype == "string"
    first, second = (json.loads(m) for m in dd["rc"]["messages"])
    assert first[0] == {"role": "system", "content": "Be brief."}
    assert second[0] == {"role": "system", "content": ""}  # orca rows always lead with a system turn
    assert [m["role"] for m in second[1:]] == ["user", "assistant"]
    assert second[2]["content"] == "Answer 2, with ünïcode."


def test_every_skill_of_the_taxonomy_has_a_documented_split():
    assert set(ORCA_SPLITS) <= set(SKILL_TO_ORCA_SPLIT.values())
    skills = {yaml.safe_load(p.read_text())["name"] for p in SKILLS_DIR.glob("*.yaml")}
    assert skills <= set(SKILL_TO_ORCA_SPLIT), "add new skills to orca_layout.SKILL_TO_ORCA_SPLIT"
    extras = {orca_split(s) for s in skills} - set(ORCA_SPLITS)
    assert extras <= {"tool_use", "web_agent"}  # no counterpart in the 1M release
    assert orca_split("mcq") == "mcq" and orca_split("data_to_text") == "struct2text_flow"
    assert orca_split("open_domain_question_answering") == "open_domain_qa"
    assert orca_split("my_new_skill") == "my_new_skill"
    with pytest.raises(ValueError, match="split name"):
        orca_split("bad-name")


def test_unknown_layout_and_foreign_datasets_are_refused():
    with pytest.raises(ValueError, match="layout"):
        records_to_dataset(RECORDS, "flat")
    with pytest.raises(ValueError, match="missing columns"):
        dataset_to_records(records_to_dataset(RECORDS, "orca"))
