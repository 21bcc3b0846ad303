import json
import os
import stat

import pytest

from agentinstruct.engine.ledger import DONE, Ledger
from agentinstruct.engine.rundir import RunDir, RunDirError, repair_jsonl


def test_repair_cuts_only_a_torn_last_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a":1}\n{"b":2}\n{"c":')
    assert repair_jsonl(path) == len(b'{"c":')
    assert path.read_bytes() == b'{"a":1}\n{"b":2}\n'
    assert repair_jsonl(path) == 0


def test_new_run_refuses_a_non_empty_directory(tmp_path):
    (tmp_path / "x").write_text("keep me")
    with pytest.raises(RunDirError, match="not empty"):
        RunDir(tmp_path, resume=False)
    assert (tmp_path / "x").read_text() == "keep me"


def test_resume_needs_a_run(tmp_path):
    with pytest.raises(RunDirError, match="not a run directory"):
        RunDir(tmp_path / "nothing", resume=True)


def test_run_dir_is_private(tmp_path):
    run = RunDir(tmp_path / "run", resume=False)
    run.close()
    assert stat.S_IMODE(os.stat(tmp_path / "run").st_mode) == 0o700


def test_resume_drops_lines_of_uncommitted_units_and_repairs_torn_lines(tmp_path):
    run = RunDir(tmp_path / "run", resume=False)
    run.ledger.start("u1", "s1", "k")
    run.ledger.start("u2", "s2", "k")
    run.records.write(json.dumps({"id": "r1", "metadata": {"unit_id": "u1"}}))
    run.records.write(json.dumps({"id": "r2", "metadata": {"unit_id": "u2"}}))
    run.ledger.finish("u1", DONE, 1)
    run.close()
    with open(tmp_path / "run/data/shard-00000.jsonl", "a") as fh:
        fh.write('{"id": "r3", "meta')  # a torn line from a kill mid-write
    again = RunDir(tmp_path / "run", resume=True)
    again.close()
    lines = (tmp_path / "run/data/shard-00000.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["r1"]
    assert again.orphans_dropped == 1
    assert again.torn_bytes


def test_ledger_counts_and_attempts(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    ledger.start("u", "s", "k")
    ledger.start("u", "s", "k")
    assert ledger.status("u") == "pending"
    ledger.finish("u", DONE, 3)
    assert ledger.committed() == {"u"}
    assert ledger.rows()[0].attempts == 2
    with pytest.raises(ValueError):
        ledger.finish("u", "pending", 0)
