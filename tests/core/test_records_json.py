"""A record's JSON line is the compact ``json.dumps`` of its JSON dump, byte for byte."""

from __future__ import annotations

import json

from core.records import JudgeBallot, Lineage, Message, PreferencePair, Record, Scores


def _record() -> Record:
    return Record(
        id="r1", skill="s", subcategory="c",
        messages=[Message(role="user", content="Qu'est-ce que « ça » ?\t\u2028 \"quoted\" \\ \x1f"),
                  Message(role="assistant", content="日本語 é \U0001f600 1e-05")],
        lineage=Lineage(seed_id="a", seed_sha256="0" * 64, seed_source="a", instruction_type="c", program_hash="p",
                        seed_flags=["url"], models={"teacher": "m"}),
        scores=Scores(overall=1e-05, criteria={"quality": 0.8333333333333334, "none": None},
                      ballots=[JudgeBallot(criterion="quality", judge="j", score=1e16)], agreement=float("inf")),
        metadata={"unit_id": "u"},
    )


def test_a_records_line_is_what_json_dumps_writes():
    record = _record()
    expected = json.dumps(record.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
    assert record.to_json() == expected
    assert "\n" not in record.to_json()


def test_a_pairs_line_is_what_json_dumps_writes():
    record = _record()
    pair = PreferencePair(id="p", skill="s", subcategory="c", prompt=record.messages[:1],
                          chosen=record.messages[1:], rejected=[Message(role="assistant", content="no")],
                          scores={"chosen": 0.9, "rejected": None}, margin=0.1, lineage=record.lineage)
    assert pair.to_json() == json.dumps(pair.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
