"""Judged generation end to end on DummyLM: scores on every skill's records, refusals with evidence, failed
ballots from a garbage judge, preference pairs from several responses, the summary and the report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from dummies import make_dummy
from judged_items import BAD, GOOD, preference_lm
from typer.testing import CliRunner

from agentinstruct import RunConfig, generate
from agentinstruct.cli import app
from core.config import GenerationConfig, QualityConfig
from core.judging_config import JudgingConfig
from core.records import PreferencePair, Record, text_sha256
from core.taxonomy import load_skills, spec_hash
from sft.preference_data import clean_pair, resolve_preference_source

SPECS = load_skills()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "seeds"
SEED_FOR_KIND = {"text": "prose/honey_bees.txt", "html": "html/backyard_compost.html", "code": "code/bisect.py",
                 "api": "api/weather_tools.json", "table": "tables/planets.json"}
WEB_PAGE = ("[e1] heading \"Starting a Backyard Compost Heap\" y=0\n[e2] text field \"Search the garden guide\" "
            "y=40\n[e3] button \"Search\" y=40\n[e4] paragraph \"A compost heap turns kitchen scraps and garden "
            "waste into a dark, crumbly material that improves almost any soil.\" y=120")
ANSWERS = {"web_agent": {"passage": WEB_PAGE, "modified_passage": WEB_PAGE,
                         "response": 'TYPE [e2] "browns"\nCLICK [e3]\nDONE "The guide lists the browns."'},
           "text_extraction": {"response": '{"finding": "uric acid", "risk": "heart attacks"}'},
           # the LSAT-style types ask for options (A) to (E): the default task has none (a check refuses it)
           "reading_comprehension": {"task": "Which finding most strengthens the argument? (A) a cohort (B) a "
                                             "trial (C) a survey (D) a case (E) a review"}}
GEN = GenerationConfig(instruction_types_per_passage=2, refinement_rounds=1, refinement_suggestions=1,
                       generation_attempts=2, response_attempts=2)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _records(run: Path) -> list[Record]:
    return [Record.model_validate(r) for p in sorted((run / "data").glob("*.jsonl")) for r in _rows(p)]


def _config(**kwargs) -> RunConfig:
    return RunConfig(generation=kwargs.pop("generation", GEN), **kwargs)


def _one_seed(tmp_path: Path, kind: str) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    source = EXAMPLES / SEED_FOR_KIND[kind]
    shutil.copy(source, seeds / source.name)
    return seeds


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_skill_writes_scored_records(name, tmp_path):
    spec = SPECS[name]
    summary = generate(_one_seed(tmp_path, spec.seed_kinds[0]), tmp_path / "run", skills=[name],
                       config=_config(quality=QualityConfig(dedup=False, decontaminate=False)),
                       lms=make_dummy(**ANSWERS.get(name, {})), compiled_dir=None)
    records = _records(tmp_path / "run")
    assert records, summary.failures_by_reason
    ids = {r.id for r in records}
    refused = {row["item_key"] for row in _rows(tmp_path / "run" / "failures.jsonl") if row.get("item_key")}
    for record in records:
        scores = record.scores
        assert "quality" in scores.criteria and scores.overall is not None and scores.overall >= 0.5
        assert {b.criterion for b in scores.ballots} >= set(scores.criteria) and all(b.parsed for b in scores.ballots)
        assert all(b.model == "dummy" and b.judge == "judge" for b in scores.ballots)
        assert record.lineage.skill_hash == spec_hash(spec)
        if record.lineage.refinement_round:
            assert (record.lineage.parent_id and record.lineage.suggestion is not None) or spec.program
            assert record.lineage.parent_id in ids or refused  # the parent was written, or refused with a trace
    assert summary.usage_by_role["judge"].calls > 0
    assert summary.judging.kept == len(records) and summary.judging.judged >= len(records)


def test_a_threshold_refuses_the_items_below_it_with_their_scores(tmp_path):
    quality = QualityConfig(dedup=False, min_score={"reading_comprehension.quality": 0.9}, keep_rejected=True)
    summary = generate(EXAMPLES, tmp_path / "run", config=_config(quality=quality), lms=make_dummy(), limit=2,
                       compiled_dir=None)
    run = tmp_path / "run"
    assert summary.records_written == 0 and _records(run) == []
    failures = _rows(run / "failures.jsonl")
    judged = [f for f in failures if f["reason"] == "judge"]
    assert judged and all(f["criteria"] == ["quality"] for f in judged)
    for failure in judged:
        assert failure["stage"] == "judge" and failure["excerpt"] == "quality 0.78 < 0.90"
        assert failure["scores"]["criteria"]["quality"] == pytest.approx(7 / 9)
        assert len(failure["text_sha256"]) == 64 and failure["item_key"]
    kept_in_full = [Record.model_validate(r) for r in _rows(run / "rejected" / "shard-00000.jsonl")]
    assert len(kept_in_full) == len([f for f in failures if f["reason"] in ("judge", "check")])
    assert {text_sha256(r.messages) for r in kept_in_full} >= {f["text_sha256"] for f in judged}
    js = summary.judging
    assert js.refused_by_judges == len(judged) and js.refusals["reading_comprehension/quality"] == len(judged)
    assert js.kept == 0 and sum(js.histogram["quality"]) == len(judged)
    assert summary.rejections_by_skill == {}  # the judges' refusals are not the programs' own rejections
    report = CliRunner().invoke(app, ["report", str(run)])
    assert report.exit_code == 0, report.output
    assert f"reading_comprehension/quality={len(judged)}" in report.output
    assert "score histogram quality:" in report.output


def test_a_judge_that_returns_garbage_makes_failed_ballots_not_zeros(tmp_path):
    garbage = make_dummy(score="not a number", hallucination_detected="perhaps", harder="maybe")
    lms = {role: make_dummy() for role in ("transformer", "generator", "suggester", "editor", "responder")}
    refuse = generate(EXAMPLES, tmp_path / "refuse", config=_config(quality=QualityConfig(dedup=False)),
                      lms={**lms, "judge": garbage}, limit=1, compiled_dir=None)
    assert refuse.records_written == 0
    judged = [f for f in _rows(tmp_path / "refuse" / "failures.jsonl") if f["reason"] == "judge"]
    assert judged and all("no verdict" in f["excerpt"] for f in judged)
    for failure in judged:
        assert set(failure["scores"]["criteria"].values()) == {None}  # no verdict, never 0.0
        assert all(not b["parsed"] and b["score"] is None for b in failure["scores"]["ballots"])
    assert refuse.judging.failed_ballots == refuse.judging.ballots > 0 and refuse.judging.histogram == {}

    keep = _config(quality=QualityConfig(dedup=False), judging=JudgingConfig(no_verdict="keep"))
    kept = generate(EXAMPLES, tmp_path / "keep", config=keep, lms={**make_lms(), "judge": garbage}, limit=1,
                    compiled_dir=None)
    records = _records(tmp_path / "keep")
    assert kept.records_written == len(records) > 0
    assert all(r.scores.overall is None and not any(b.parsed for b in r.scores.ballots) for r in records)


def make_lms() -> dict:
    return {role: make_dummy() for role in ("transformer", "generator", "suggester", "editor", "responder")}


def test_two_responses_per_item_write_the_better_one_and_a_preference_pair(tmp_path):
    generation = GEN.model_copy(update={"responses_per_item": 2, "refinement_rounds": 0})
    summary = generate(EXAMPLES, tmp_path / "run", config=_config(generation=generation,
                                                                  quality=QualityConfig(dedup=False)),
                       lms=preference_lm(), limit=2, compiled_dir=None)
    run = tmp_path / "run"
    records = _records(run)
    assert records and all(r.messages[-1].content == GOOD and r.scores.candidates == 2 for r in records)
    pairs = [PreferencePair.model_validate(p) for p in _rows(run / "preferences.jsonl")]
    assert len(pairs) == len(records) == summary.judging.preference_pairs
    by_id = {r.id: r for r in records}
    for pair in pairs:
        chosen = by_id[pair.metadata["chosen_id"]]
        assert [m.model_dump() for m in pair.prompt] == [m.model_dump() for m in chosen.messages[:-1]]
        assert pair.chosen[0].content == GOOD and pair.rejected[0].content == BAD
        # overall = mean of quality (8/9 or 1/9) and faithfulness (1.0): 17/18 against 10/18
        assert pair.scores == {"chosen": pytest.approx(17 / 18), "rejected": pytest.approx(10 / 18)}
        assert pair.margin == pytest.approx(7 / 18, abs=1e-6) and pair.margin >= 0.1
        assert pair.metadata["source"] == "refused" and pair.lineage.seed_id == chosen.lineage.seed_id
    for row in _rows(run / "preferences.jsonl"):
        clean_pair(row, "pair")  # what `agentinstruct train dpo` accepts
    assert resolve_preference_source(run).files == (run / "preferences.jsonl",)


def test_the_judging_summary_covers_every_invocation_of_a_resumed_run(tmp_path):
    cfg = _config(quality=QualityConfig(dedup=False))
    full = generate(EXAMPLES, tmp_path / "full", config=cfg, lms=make_dummy(), limit=2, compiled_dir=None)
    generate(EXAMPLES, tmp_path / "part", config=cfg, lms=make_dummy(), limit=1, compiled_dir=None)
    resumed = generate(EXAMPLES, tmp_path / "part", lms=make_dummy(), resume=True, limit=2, compiled_dir=None)
    assert resumed.judging == full.judging
    assert full.judging.judged == full.judging.kept + full.judging.refused_by_judges + full.judging.refused_by_checks


def test_judging_off_writes_unscored_records_and_no_judge_calls(tmp_path):
    cfg = _config(quality=QualityConfig(dedup=False), judging=JudgingConfig(enabled=False))
    summary = generate(EXAMPLES, tmp_path / "run", config=cfg, lms=make_dummy(), limit=1, compiled_dir=None)
    assert summary.judging is None and "judge" not in summary.usage_by_role
    assert all(r.scores.ballots == [] for r in _records(tmp_path / "run"))


def test_a_calibration_file_gives_each_jurors_accuracy(tmp_path):
    messages = [{"role": "user", "content": "Bees fan their wings in summer. Why?"},
                {"role": "assistant", "content": "To cool the hive."}]
    rows = [{"skill": "reading_comprehension", "label": label, "messages": messages} for label in ("good", "bad")]
    (tmp_path / "cal.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = _config(quality=QualityConfig(dedup=False), judging=JudgingConfig(calibration=str(tmp_path / "cal.jsonl")))
    summary = generate(EXAMPLES, tmp_path / "run", config=cfg, lms=make_dummy(), limit=1, compiled_dir=None)
    # the dummy judge passes everything: right on the good item, wrong on the bad one
    assert summary.judging.calibration == {"faithfulness/judge": 0.5, "quality/judge": 0.5}
    assert json.loads((tmp_path / "run" / "calibration.json").read_text())["items"] == 2
