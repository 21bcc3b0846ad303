"""Judge scores in exports: typed columns that load without JSON parsing, the card's distributions and agreement."""

from __future__ import annotations

import re
from pathlib import Path

import datasets
import pytest

from agentinstruct.export.pipeline import export_runs
from agentinstruct.export.to_dataset import dataset_to_records
from core.records import JudgeBallot, Record, Scores


def scored(rid: str, sub: str, a: float, b: float | None) -> Record:
    ballots = [JudgeBallot(criterion="quality", judge="first", model="m1", score=a, rationale="fine"),
               JudgeBallot(criterion="quality", judge="second", model="m2", score=b, parsed=b is not None,
                           error=None if b is not None else "AdapterParseError: no score")]
    usable = [x for x in (a, b) if x is not None]
    scores = Scores(overall=sum(usable) / len(usable), criteria={"quality": sum(usable) / len(usable)},
                    ballots=ballots, agreement=1 - abs(a - b) if b is not None else None,
                    difficulty=1.0 if rid == "3" else None)
    return Record(id=rid, skill="reading_comprehension", subcategory=sub, scores=scores,
                  messages=[{"role": "user", "content": f"Question {rid}?"}, {"role": "assistant", "content": "Yes."}],
                  lineage={"seed_id": "s", "seed_sha256": "b" * 64, "seed_source": "d.txt", "instruction_type": sub,
                           "program_hash": "p", "parent_id": "1" if rid == "3" else None, "skill_hash": "h"})


RECORDS = [scored("1", "literal", 0.9, 0.8), scored("2", "literal", 0.2, 0.3), scored("3", "inference", 0.6, None),
           scored("4", "inference", 0.7, 0.7)]


@pytest.fixture
def run(tmp_path: Path) -> Path:
    (tmp_path / "run" / "data").mkdir(parents=True)
    (tmp_path / "run" / "data" / "shard-00000.jsonl").write_text("".join(r.to_json() + "\n" for r in RECORDS))
    return tmp_path / "run"


def test_scores_are_typed_columns_and_round_trip(tmp_path, run):
    export_runs([run], tmp_path / "out", "parquet", card=False)
    ds = datasets.load_dataset(str(tmp_path / "out" / "data"), cache_dir=str(tmp_path / "cache"), split="train")
    assert ds.features["score"].dtype == "float64" and ds["score"][0] == pytest.approx(0.85)
    assert ds[0]["scores"] == [{"criterion": "quality", "score": pytest.approx(0.85)}]
    assert ds[2]["ballots"][1] == {"criterion": "quality", "judge": "second", "model": "m2", "score": None,
                                   "parsed": False, "rationale": "", "error": "AdapterParseError: no score"}
    assert ds["agreement"][2] is None and ds["difficulty"][2] == 1.0
    back = sorted(dataset_to_records(ds), key=lambda r: r.id)
    assert [r.scores for r in back] == [r.scores for r in RECORDS]
    assert back[2].lineage.parent_id == "1"


def test_the_card_shows_score_distributions_per_subcategory_and_the_agreement(tmp_path, run):
    export_runs([run], tmp_path / "card", "parquet")
    text = (tmp_path / "card" / "README.md").read_text()
    assert "| reading_comprehension | inference | 2 | 0.65 |" in text  # overall 0.6 and 0.7
    assert "Inter-judge agreement" in text and re.search(r"\| quality \| 2 \| -?\d\.\d\d \|", text)
    assert (tmp_path / "card" / "plots" / "score_by_subcategory.png").read_bytes()[:4] == b"\x89PNG"
    assert "plots/score_by_subcategory.png" in text
