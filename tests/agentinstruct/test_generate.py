"""End-to-end generation on DummyLM: records, rejects, secrets, resume."""

import json
import os
import shutil
import stat
from pathlib import Path

import datasets
import pytest
from dummies import make_dummy

from agentinstruct import RunConfig, generate
from core.config import CacheConfig, GenerationConfig, ModelsConfig, ModelSpec
from core.records import Record

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "seeds"
PROSE = "Uric acid is produced by the breakdown of purine. Crystals form when levels stay high for long.\n"


def _records(run: Path) -> list[dict]:
    return [json.loads(line) for p in sorted((run / "data").glob("*.jsonl")) for line in p.open()]


def _config(**generation) -> RunConfig:
    return RunConfig(generation=GenerationConfig(refinement_rounds=1, refinement_suggestions=1, **generation))


def test_records_are_valid_and_load_with_datasets(tmp_path):
    summary = generate(EXAMPLES, tmp_path / "run", lms=make_dummy(), config=_config(), compiled_dir=None)
    rows = _records(tmp_path / "run")
    assert summary.records_written == len(rows) > 0
    for row in rows:
        record = Record.model_validate(row)
        assert record.skill == "reading_comprehension"
        assert record.lineage.instruction_type == record.subcategory
        assert len(record.lineage.seed_sha256) == 64
        assert record.lineage.models["responder"] == "dummy"
    assert any(r["lineage"]["refinement_round"] == 1 for r in rows)
    ds = datasets.load_dataset("json", data_files=str(tmp_path / "run/data/*.jsonl"), split="train")
    assert ds.num_rows == len(rows)
    manifest = json.loads((tmp_path / "run/manifest.json").read_text())
    assert manifest["program_hashes"]["reading_comprehension"] == rows[0]["lineage"]["program_hash"]
    assert summary.llm_calls > 0


def test_bad_seeds_go_to_rejects_while_good_ones_produce_records(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "good.txt").write_text(PROSE * 3)
    (seeds / "empty.txt").write_text("   \n")
    (seeds / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (seeds / "latin1.txt").write_bytes("caf\xe9 au lait ".encode("latin-1") * 20)
    (seeds / "loop").symlink_to(seeds, target_is_directory=True)
    summary = generate(seeds, tmp_path / "run", lms=make_dummy(), config=_config(), compiled_dir=None)
    rejects = [json.loads(line) for line in (tmp_path / "run/rejects.jsonl").open()]
    reasons = {Path(r["source"]).name: r["reason"] for r in rejects}
    assert reasons["empty.txt"] == "empty"
    assert reasons["binary.txt"] == "binary"
    assert reasons["latin1.txt"] == "decode"
    assert reasons["loop"] in ("symlink_loop", "symlink_escape")
    assert all(r["detail"] for r in rejects)
    assert summary.seeds_rejected == len(rejects)
    assert {r["lineage"]["seed_id"] for r in _records(tmp_path / "run")} == {"good.txt"}


def test_a_fake_api_key_lands_in_no_file(tmp_path, monkeypatch):
    key = "sk-fake-0123456789abcdefSECRET"
    monkeypatch.setenv("AGENTINSTRUCT_TEST_KEY", key)
    cfg = _config().model_copy(update={"models": ModelsConfig(
        responder=ModelSpec(model="openai/gpt-4o-mini", api_key_env="AGENTINSTRUCT_TEST_KEY",
                            api_base="http://127.0.0.1:9/v1", num_retries=0, timeout_s=2),
    )})
    lms = {role: make_dummy() for role in ("transformer", "generator", "suggester", "editor", "judge")}
    summary = generate(EXAMPLES, tmp_path / "run", lms=lms, config=cfg, limit=1, compiled_dir=None)
    # The responder really was called: its server refuses connections, so the run stopped (resumably).
    assert summary.failed_calls > 0 and "unreachable" in (summary.stopped_early or "")
    files = [p for p in (tmp_path / "run").rglob("*") if p.is_file()]
    assert len(files) >= 6
    cache = Path(os.environ["AGENTINSTRUCT_CACHE"])
    assert stat.S_IMODE((cache / "requests").stat().st_mode) == 0o700
    files += [p for p in cache.rglob("*") if p.is_file()]
    for path in files:
        assert key.encode() not in path.read_bytes(), path
    assert "AGENTINSTRUCT_TEST_KEY" in (tmp_path / "run/config.json").read_text()  # the name, not the key


def test_rerunning_a_completed_run_costs_no_call(tmp_path):
    first = generate(EXAMPLES, tmp_path / "run", lms=make_dummy(), config=_config(), limit=2, compiled_dir=None)
    before = _records(tmp_path / "run")
    again = generate(EXAMPLES, tmp_path / "run", lms=make_dummy(), resume=True, limit=2, compiled_dir=None)
    assert again.usage_this_invocation.calls == 0 and again.records_written == 0
    assert again.units_skipped == first.units_done + first.units_failed
    assert _records(tmp_path / "run") == before


def test_resume_continues_exactly_once(tmp_path):
    full = generate(EXAMPLES, tmp_path / "full", lms=make_dummy(), config=_config(), limit=3, compiled_dir=None)
    generate(EXAMPLES, tmp_path / "part", lms=make_dummy(), config=_config(), limit=1, compiled_dir=None)
    generate(EXAMPLES, tmp_path / "part", lms=make_dummy(), resume=True, limit=3, compiled_dir=None)
    ids_full = sorted(r["id"] for r in _records(tmp_path / "full"))
    ids_part = [r["id"] for r in _records(tmp_path / "part")]
    assert len(ids_part) == len(set(ids_part)) == full.records_written
    assert sorted(ids_part) == ids_full


def test_out_must_be_new(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not empty"):
        generate(EXAMPLES, tmp_path / "run", lms=make_dummy(), compiled_dir=None)
    assert (tmp_path / "run" / "notes.txt").read_text() == "mine"


def test_missing_seeds_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        generate(tmp_path / "nope", tmp_path / "run", lms=make_dummy(), compiled_dir=None)
    assert not (tmp_path / "run").exists()


def test_unknown_skill_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="unknown skills"):
        generate(EXAMPLES, tmp_path / "run", skills=["telepathy"], lms=make_dummy(), compiled_dir=None)
    shutil.rmtree(tmp_path / "run", ignore_errors=True)


def test_call_budget_stops_resumably_and_resume_completes_exactly_once(tmp_path):
    # Each run has a request cache of its own: the cut run must not be served the full run's answers.
    full_cfg, part_cfg = (_config().model_copy(update={"cache": CacheConfig(dir=str(tmp_path / f"cache-{n}"))})
                          for n in ("full", "part"))
    full = generate(EXAMPLES, tmp_path / "full", lms=make_dummy(), config=full_cfg, limit=3, compiled_dir=None)
    cut = generate(EXAMPLES, tmp_path / "part", lms=make_dummy(), config=part_cfg, limit=3, max_calls=7,
                   compiled_dir=None)
    assert cut.stopped_early and cut.stopped_early.startswith("budget")
    assert cut.llm_calls == 7
    assert cut.records_written < full.records_written
    done = generate(EXAMPLES, tmp_path / "part", lms=make_dummy(), resume=True, limit=3, compiled_dir=None)
    assert done.stopped_early is None
    assert done.invocations == 2 and done.llm_calls == 7 + done.usage_this_invocation.calls  # usage adds up
    ids = [r["id"] for r in _records(tmp_path / "part")]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(r["id"] for r in _records(tmp_path / "full"))


def test_usage_is_accounted_per_role_and_skill(tmp_path):
    summary = generate(EXAMPLES, tmp_path / "run", lms=make_dummy(), config=_config(), limit=1, compiled_dir=None)
    assert set(summary.usage_by_role) <= {"transformer", "generator", "suggester", "editor", "responder", "judge"}
    assert {"generator", "responder", "judge"} <= set(summary.usage_by_role)  # judging is on by default
    assert sum(u.calls for u in summary.usage_by_role.values()) == summary.llm_calls
    assert summary.usage_by_skill["reading_comprehension"].calls == summary.llm_calls


def test_resume_takes_the_seeds_from_the_manifest(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text(PROSE * 2)
    first = generate(seeds, tmp_path / "run", lms=make_dummy(), config=_config(), compiled_dir=None)
    again = generate(None, tmp_path / "run", lms=make_dummy(), resume=True, compiled_dir=None)
    assert again.units_skipped == first.units_done and again.usage_this_invocation.calls == 0
    with pytest.raises(ValueError, match="needs a seeds path"):
        generate(None, tmp_path / "new", lms=make_dummy(), compiled_dir=None)


def test_items_refused_by_a_check_are_counted_as_rejections_per_skill(tmp_path):
    """A web agent answer with no action is refused: no record, a rejection with its reason, no crash."""
    seeds = tmp_path / "seeds"
    shutil.copytree(EXAMPLES / "html", seeds)
    summary = generate(seeds, tmp_path / "run", skills=["web_agent"], lms=make_dummy(),
                       config=_config(instruction_types_per_passage=1), compiled_dir=None)
    assert summary.records_written == 0
    assert summary.rejections_by_skill["web_agent"] >= 1
    failures = [json.loads(line) for line in (tmp_path / "run/failures.jsonl").open()]
    refused = [f for f in failures if f["error"] == "Rejected"]
    assert len(refused) == summary.rejections_by_skill["web_agent"]
    assert all(f["stage"] == "verify" and "no action in the allowed forms" in f["excerpt"] for f in refused)
