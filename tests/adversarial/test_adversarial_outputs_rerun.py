"""A whole run over a replayed bad output: the unit's failure carries the class's reason, no record is
written, no secret lands in any file, and a rerun of the same unit (same seed, run seed and cache) asks the
model again instead of replaying the refused answer from the cache -- while the good answers of the earlier
stages are cache hits.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hostile import LEAKED_KEY, OUTPUTS, PLANTED_SEED, scripted_lm

from agentinstruct import RunConfig, generate
from core.config import GenerationConfig, QualityConfig
from core.judging_config import JudgingConfig


def _config() -> RunConfig:
    return RunConfig(generation=GenerationConfig(refinement_rounds=0, instruction_types_per_passage=1),
                     quality=QualityConfig(dedup=False, decontaminate=False), judging=JudgingConfig(enabled=False))


def _seeds(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "harbour.txt").write_text(PLANTED_SEED + "\n")
    return seeds


def _bad_responses(kind: str):
    def script(fields, prompt, n):
        if "passage" in fields:  # the transformer keeps the seed (so the planted instruction reaches later stages)
            return json.dumps({"passage": PLANTED_SEED})
        if "response" in fields:
            return json.dumps({"response": OUTPUTS[kind]})
        return None
    return script


def _failures(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "failures.jsonl").open()]


def _records(run: Path) -> list[dict]:
    return [json.loads(line) for p in (run / "data").glob("*.jsonl") for line in p.open()]


@pytest.mark.parametrize("kind", sorted(OUTPUTS))
def test_a_refused_response_is_recorded_never_written_and_asked_again_on_a_rerun(kind, tmp_path):
    seeds, lm = _seeds(tmp_path), scripted_lm(_bad_responses(kind))
    engine = lm.engine
    first = generate(seeds, tmp_path / "run1", lms=lm, config=_config(), compiled_dir=None)
    assert first.records_written == 0 and first.units_failed == 1
    assert {f["reason"] for f in _failures(tmp_path / "run1") if f["stage"] == "respond"} == {kind}
    asked, generated = engine.asked("response"), engine.asked("task")
    assert asked >= 1
    again = generate(seeds, tmp_path / "run2", lms=lm, config=_config(), compiled_dir=None)
    assert engine.asked("response") == 2 * asked  # asked again: the refused answers were not replayed
    assert engine.asked("task") == generated  # the good instruction was a cache hit
    assert again.cache_hits >= 1 and again.records_written == 0
    cache = Path(os.environ["AGENTINSTRUCT_CACHE"])
    for root in (tmp_path / "run1", tmp_path / "run2", cache):
        for path in Path(root).rglob("*"):
            assert not path.is_file() or LEAKED_KEY.encode() not in path.read_bytes(), path


def test_lone_surrogates_nul_and_control_characters_are_made_safe_and_a_rerun_replays_them_safely(tmp_path):
    nasty = "The ferry sails at dawn\ud800 from the \x00harbour\x1b[31m of Skerry Holm, as the log says."

    def script(fields, prompt, n):
        return json.dumps({"response": nasty}) if "response" in fields else None

    seeds, lm = _seeds(tmp_path), scripted_lm(script)
    first = generate(seeds, tmp_path / "run1", lms=lm, config=_config(), compiled_dir=None)
    again = generate(seeds, tmp_path / "run2", lms=lm, config=_config(), compiled_dir=None)  # served from cache
    assert again.cache_hits > 0
    for run, summary in ((tmp_path / "run1", first), (tmp_path / "run2", again)):
        assert summary.records_written == 1
        raw = b"".join(p.read_bytes() for p in (run / "data").glob("*.jsonl"))
        raw.decode("utf-8")  # valid UTF-8: no lone surrogate reached the file
        answer = _records(run)[0]["messages"][-1]["content"]
        assert answer == "The ferry sails at dawn\ufffd from the harbour[31m of Skerry Holm, as the log says."


def test_the_jsonl_writer_never_fails_on_a_lone_surrogate(tmp_path):
    from agentinstruct.engine.rundir import JsonlWriter

    writer = JsonlWriter(tmp_path / "x.jsonl")
    writer.write(json.dumps({"text": "cut \udc80 here"}, ensure_ascii=False))
    writer.close()
    assert json.loads((tmp_path / "x.jsonl").read_text(encoding="utf-8"))["text"] == "cut \ufffd here"
