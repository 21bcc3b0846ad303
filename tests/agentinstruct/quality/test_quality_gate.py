"""QualityGate: drops contaminated records and near-duplicates, counts them, survives a resume."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from pydantic import ValidationError

from agentinstruct.export.run_reader import RunReadError
from agentinstruct.quality.gate import QualityConfig, QualityGate
from core.records import Record
from eval.benchmarks import DATA_DIR, default_eval_paths

VOCAB = [f"{a}{b}" for a in ("ash", "birch", "cedar", "elm", "fir", "hazel", "oak", "yew")
         for b in ("brook", "hill", "dale", "ford", "mere", "wold", "combe", "ness")]
EVAL_ITEM = ("Explain why the beekeepers of the upper valley moved every one of their hives uphill at the "
             "start of each June")


def words(seed: int, n: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCAB) for _ in range(n))


def record(rid: str, user: str, assistant: str) -> Record:
    return Record(id=rid, skill="reading_comprehension", subcategory="literal",
                  messages=[{"role": "system", "content": "You answer questions about passages."},
                            {"role": "user", "content": user}, {"role": "assistant", "content": assistant}],
                  lineage={"seed_id": "s", "seed_sha256": "0" * 64, "seed_source": "s.txt",
                           "instruction_type": "literal", "program_hash": "h"})


def write_run(root: Path, records: list[Record]) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "shard-00000.jsonl").write_text("".join(r.to_json() + "\n" for r in records))
    return root


@pytest.fixture
def evals(tmp_path: Path) -> Path:
    path = tmp_path / "evals" / "bees.jsonl"
    path.parent.mkdir()
    path.write_text(json.dumps({"question": EVAL_ITEM}) + "\n")
    return path.parent


def gate_for(tmp_path: Path, evals: Path, **kw) -> QualityGate:
    return QualityGate(QualityConfig(eval_paths=[str(evals)], **kw), tmp_path / "run")


def test_config_forbids_unknown_fields_and_defaults_to_the_project_eval_sets():
    with pytest.raises(ValidationError):
        QualityConfig(dedup_treshold=0.9)
    assert QualityConfig().eval_paths is None  # the gate resolves None to the project's evaluation sets
    assert default_eval_paths() == [str(DATA_DIR)]
    assert DATA_DIR.is_dir()


def test_contaminated_and_duplicate_records_are_dropped_and_counted(tmp_path, evals):
    gate = gate_for(tmp_path, evals)
    passage, answer = words(1, 200), words(2, 60)
    assert gate.check(record("a", passage + " Who keeps the ledger?", answer)) is None
    reason, detail = gate.check(record("b", passage + " Who kept the ledger?", answer))
    assert reason == "duplicate" and "a" in detail
    reason, detail = gate.check(record("c", "Question: " + EVAL_ITEM + "?", "Because of the clover."))
    assert reason == "contaminated" and "bees" in detail
    assert gate.check(record("d", words(3, 120), words(4, 40))) is None
    assert gate.counts == {"contaminated": 1, "duplicate": 1}
    assert gate.passed == 2


def test_same_passage_with_a_different_answer_is_kept(tmp_path, evals):
    gate = gate_for(tmp_path, evals)
    passage = words(5, 1000)  # a long shared passage dominates the full text (similarity ~0.9)
    assert gate.check(record("q1", passage + " What is the first word?", words(6, 40))) is None
    assert gate.check(record("q2", passage + " What is the last word?", words(7, 40))) is None
    assert gate.counts["duplicate"] == 0


def test_resume_indexes_the_runs_own_records(tmp_path, evals):
    kept = record("kept", words(8, 200), words(9, 50))
    write_run(tmp_path / "run", [kept])
    gate = gate_for(tmp_path, evals)
    assert gate.prior_records == 1
    assert gate.check(kept) is None  # re-checking its own record is not a duplicate
    near = record("near", kept.messages[1].content + " thanks", kept.messages[2].content)
    assert gate.check(near)[0] == "duplicate"


def test_against_runs_and_switches(tmp_path, evals):
    old = record("old", words(10, 200), words(11, 50))
    earlier = write_run(tmp_path / "earlier", [old])
    gate = gate_for(tmp_path, evals, against_runs=[str(earlier)])
    assert gate.check(record("new", old.messages[1].content, old.messages[2].content))[0] == "duplicate"
    off = gate_for(tmp_path, evals, dedup=False, decontaminate=False)
    assert off.check(record("x", EVAL_ITEM, "y")) is None
    assert off.check(record("y", EVAL_ITEM, "y")) is None
    assert off.counts == {"contaminated": 0, "duplicate": 0}


def test_a_corrupt_prior_record_names_its_file_and_line(tmp_path, evals):
    run = write_run(tmp_path / "run", [record("ok", words(12, 30), "fine")])
    with open(run / "data" / "shard-00000.jsonl", "a") as fh:
        fh.write(json.dumps({"id": "x", "skill": "s"}) + "\n")
    with pytest.raises(RunReadError, match=r"shard-00000\.jsonl:2: not a valid record"):
        gate_for(tmp_path, evals)
