"""bench/refinement.py on DummyLM: the harder share it prints is the arithmetic of the judgements on disk."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_dummy_bench_prints_the_share_of_refined_items_judged_harder_last(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "refinement.py"), "--model", "dummy", "--limit", "6",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=600, check=True).stdout
    lines = out.strip().splitlines()
    assert lines[-1].startswith("harder_share=")
    printed = float(lines[-1].split("=", 1)[1])
    # Recount from the run's files: the dummy judge calls make_complex harder and every other goal not.
    run = tmp_path / "run"
    rated = []
    for path in sorted((run / "data").glob("*.jsonl")):
        for row in map(json.loads, path.read_text().splitlines()):
            if row["lineage"]["refinement_round"] and row["scores"]["difficulty"] is not None:
                rated.append((row["lineage"]["refinement_goal"], row["scores"]["difficulty"]))
    for row in map(json.loads, (run / "failures.jsonl").read_text().splitlines()):
        if row.get("reason") == "judge" and row["scores"]["difficulty"] is not None:
            rated.append((row["item_key"].rsplit(">", 1)[1].rsplit(".", 1)[0], row["scores"]["difficulty"]))
    assert rated and all(score == (1.0 if goal == "make_complex" else 0.0) for goal, score in rated)
    assert {goal for goal, _ in rated} >= {"make_complex"} and len({goal for goal, _ in rated}) >= 2
    assert printed == round(sum(s for _, s in rated) / len(rated), 3)
    assert "judge_calls_per_record=" in out and "wall_s_per_record=" in out
