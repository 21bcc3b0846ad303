"""End-to-end compiles on DummyLM: bootstrap on two skills, MIPROv2 choosing a better prompt, GEPA, budgets,
the manifest, JSON state that reloads with a different rendered prompt, and generate using the result."""

import json
import shutil
from pathlib import Path

import dspy
import pytest
from dspy.utils import DummyLM
from dummies import ALL_FIELDS, make_dummy

from agentinstruct import generate
from compile.config import CompileConfig, DataSettings, MiproSettings
from compile.driver import compile_skill
from core.config import GenerationConfig, RunConfig
from core.taxonomy import builtin_skills_dir, load_skills
from programs import load_suite, program_hash

SEEDS = Path(__file__).resolve().parents[2] / "examples" / "seeds"
RC = load_skills()["reading_comprehension"]
GOLDEN = "GOLDEN question: which two facts in the passage together explain the outcome?"
MARKER = "Write clear, self-contained questions"  # the dummy proposer's instruction (tests/dummies.py)
MINI_SKILL = """\
name: paraphrase_mini
title: Paraphrasing
description: Rewriting text with different words while keeping its meaning.
seed_kinds: [text, html]
judge_rubric: A good item asks for a rewrite of the passage and the response performs it faithfully.
transformations:
  - {id: identity, name: Identity Agent, identity: true, instructions: Copies the seed text.}
  - {id: summary_passage, name: Summary Passage Generator, instructions: Summarise the seed in one paragraph.}
instruction_types:
  - {id: paraphrase, name: Paraphrasing, instructions: Ask for the passage rewritten with different words.}
  - {id: simplify, name: Text Simplification, instructions: Ask for the passage rewritten in simpler words.}
"""


def one_path(skill, itype: str) -> GenerationConfig:
    """Identity transformation, one instruction type, no refinement: a small, fixed path per seed."""
    weights = {f"{skill.name}.{t.id}": 0.0 for t in skill.transformations if not t.identity}
    weights.update({f"{skill.name}.{t.id}": 0.0 for t in skill.instruction_types if t.id != itype})
    return GenerationConfig(agent_weights=weights, refinement_rounds=0, instruction_types_per_passage=1)


def config(skill, itype, optimizer="bootstrap", **kw) -> CompileConfig:
    return CompileConfig(skill=skill.name, optimizer=optimizer, data=DataSettings(train=2, heldout=1),
                         generation=one_path(skill, itype), **kw)


def render(predictor) -> str:
    """The prompt a predictor sends, with placeholder values for its signature's inputs."""
    inputs = {name: "P" for name in predictor.signature.input_fields}
    messages = dspy.JSONAdapter().format(predictor.signature, demos=predictor.demos, inputs=inputs)
    return "\n".join(m["content"] for m in messages)


class RoutingEngine:
    """Answers like ``good`` when the system prompt holds ``marker``, else like ``plain`` (prompt-sensitive)."""

    def __init__(self, marker: str, good: DummyLM, plain: DummyLM):
        self.marker, self.good, self.plain = marker, good, plain

    def complete(self, request):
        system = request.system if isinstance(request.system, str) else "".join(p.text for p in request.system or [])
        return (self.good if self.marker in system else self.plain)(request)


def judge_lm(**scores) -> DummyLM:
    """A judge that gives 10 to items containing GOLDEN and 2 to the others."""
    return DummyLM({GOLDEN: {**ALL_FIELDS, "score": 10}, "": {**ALL_FIELDS, "score": 2}}, adapter=dspy.JSONAdapter())


@pytest.fixture
def two_skills(tmp_path) -> Path:
    skills = tmp_path / "skills"
    skills.mkdir()
    shutil.copy(builtin_skills_dir() / "reading_comprehension.yaml", skills)
    (skills / "paraphrase_mini.yaml").write_text(MINI_SKILL)
    return skills


def test_bootstrap_compiles_two_skills_and_the_saved_state_reloads_with_a_new_prompt(tmp_path, two_skills):
    specs = load_skills(two_skills)
    for name, itype in (("reading_comprehension", "literal_comprehension"), ("paraphrase_mini", "paraphrase")):
        result = compile_skill(config(specs[name], itype), SEEDS, lms=make_dummy(), out_dir=tmp_path / "out",
                               skills_dir=two_skills)
        m = result.manifest
        assert m.status == "completed" and m.saved and result.program_path == tmp_path / "out" / f"{name}.json"
        assert f"generators['{itype}']" in m.changed_predictors
        assert m.before.examples == m.after.examples == 1 and 0 <= m.before.score <= 1
        assert m.usage["total"]["calls"] > 0 and m.usage["phases"]["before"]["calls"] > 0
        assert m.models["generator"] == "dummy" and m.settings["max_bootstrapped_demos"] == 2
        assert set(m.seeds) == {"train", "val", "heldout"} and not set(m.seeds["train"]) & set(m.seeds["heldout"])
        saved = json.loads(result.program_path.read_text())  # JSON state, not pickle
        assert "api_key" not in result.program_path.read_text()
        reloaded = load_suite([name], two_skills, tmp_path / "out")[name]
        fresh = load_suite([name], two_skills, compiled_dir=None)[name]
        assert program_hash(reloaded) == m.program_hash != m.baseline_hash == program_hash(fresh)
        assert render(reloaded.generators[itype]) != render(fresh.generators[itype])
        assert saved[f"generators['{itype}']"]["demos"]
    manifests = sorted(p.name for p in (tmp_path / "out").glob("*.manifest.json"))
    assert manifests == ["paraphrase_mini.manifest.json", "reading_comprehension.manifest.json"]


def test_mipro_picks_the_instruction_the_judge_prefers(tmp_path):
    program_lm = dspy.LM("dummy", engine=RoutingEngine(MARKER, make_dummy(task=GOLDEN), make_dummy()),
                         cache=False)
    lms = {role: program_lm for role in ("transformer", "generator", "suggester", "editor", "responder")}
    lms["judge"] = judge_lm()
    cfg = config(RC, "literal_comprehension", "mipro", mipro=MiproSettings(num_candidates=2, num_trials=6))
    result = compile_skill(cfg, SEEDS, lms=lms, out_dir=tmp_path / "out")
    m = result.manifest
    assert m.optimized_predictors == ["generators['literal_comprehension']", "responder"]
    assert m.before.score == pytest.approx(1 / 9) and m.after.score == pytest.approx(1.0)
    assert m.improvement == pytest.approx(8 / 9) and not m.regressed
    assert MARKER in result.program.generators["literal_comprehension"].signature.instructions
    reloaded = load_suite(["reading_comprehension"], compiled_dir=tmp_path / "out")["reading_comprehension"]
    fresh = load_suite(["reading_comprehension"], compiled_dir=None)["reading_comprehension"]
    assert render(reloaded.generators["literal_comprehension"]) != render(fresh.generators["literal_comprehension"])
    assert m.trail and max(t["score"] for t in m.trail) == pytest.approx(100.0)
    assert m.after.jury["quality"].items == 1


def test_generate_uses_the_compiled_program_and_records_its_hash(tmp_path):
    result = compile_skill(config(RC, "literal_comprehension"), SEEDS, lms=make_dummy(), out_dir=tmp_path / "out")
    run = RunConfig(generation=one_path(RC, "literal_comprehension"))
    generate(SEEDS, tmp_path / "run", lms=make_dummy(), config=run, limit=1, compiled_dir=tmp_path / "out")
    rows = [json.loads(line) for p in (tmp_path / "run" / "data").glob("*.jsonl") for line in p.open()]
    assert rows and {r["lineage"]["program_hash"] for r in rows} == {result.manifest.program_hash}
    assert result.manifest.program_hash != result.manifest.baseline_hash


def test_gepa_runs_end_to_end_with_a_reflection_model(tmp_path):
    cfg = config(RC, "literal_comprehension", "gepa", gepa={"max_metric_calls": 8})
    result = compile_skill(cfg, SEEDS, lms=make_dummy(), out_dir=tmp_path / "out")
    m = result.manifest
    assert m.status == "completed" and m.after is not None and m.trail[0]["kind"] == "candidate 0"
    assert (tmp_path / "out" / ".work" / "reading_comprehension" / "gepa").is_dir()  # GEPA's resumable state


def test_a_spent_budget_stops_cleanly_and_keeps_the_best_program_so_far(tmp_path):
    program_lm = dspy.LM("dummy", engine=RoutingEngine(MARKER, make_dummy(task=GOLDEN), make_dummy()),
                         cache=False)
    lms = {role: program_lm for role in ("transformer", "generator", "suggester", "editor", "responder")}
    lms["judge"] = judge_lm()
    cfg = config(RC, "literal_comprehension", "mipro", mipro=MiproSettings(num_candidates=2, num_trials=30),
                 budget={"max_calls": 25})  # a full run of 30 trials makes 28 calls (many are cached)
    result = compile_skill(cfg, SEEDS, lms=lms, out_dir=tmp_path / "out")
    m = result.manifest
    assert m.status == "budget_exhausted" and "call budget" in m.stopped
    assert m.usage["total"]["calls"] + m.usage["total"]["failed_calls"] <= 25
    assert m.after is not None, "calls for the final evaluation are held back from the optimizer"
    assert m.saved and m.after.score == pytest.approx(1.0)  # the best trial found before the budget ran out


def test_a_budget_spent_before_any_optimisation_saves_nothing(tmp_path):
    cfg = config(RC, "literal_comprehension", budget={"max_calls": 1})
    result = compile_skill(cfg, SEEDS, lms=make_dummy(), out_dir=tmp_path / "out")
    assert result.manifest.status == "budget_exhausted" and result.manifest.before is None
    assert not result.manifest.saved and not (tmp_path / "out" / "reading_comprehension.json").exists()
    assert (tmp_path / "out" / "reading_comprehension.manifest.json").is_file()


def test_unknown_skill_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="unknown skill 'telepathy'"):
        compile_skill(CompileConfig(skill="telepathy"), SEEDS, lms=make_dummy(), out_dir=tmp_path)


def test_gepa_stops_at_the_budget_and_keeps_its_best_candidate(tmp_path):
    cfg = config(RC, "literal_comprehension", "gepa", gepa={"max_metric_calls": 200}, budget={"max_calls": 12})
    result = compile_skill(cfg, SEEDS, lms=make_dummy(), out_dir=tmp_path / "out")
    m = result.manifest
    assert m.status == "budget_exhausted" and m.after is not None
    assert m.usage["total"]["calls"] + m.usage["total"]["failed_calls"] <= 12


def test_a_budget_spent_while_bootstrapping_keeps_the_demos_found_so_far(tmp_path):
    full = compile_skill(config(RC, "literal_comprehension"), SEEDS, lms=make_dummy(), out_dir=tmp_path / "full")
    assert len(full.program.generators["literal_comprehension"].demos) == 2  # one per train seed
    # 3 calls score the held-out seed before, 3 are held back for after: 3 remain, one train seed's worth.
    cfg = config(RC, "literal_comprehension", budget={"max_calls": 9})
    result = compile_skill(cfg, SEEDS, lms=make_dummy(), out_dir=tmp_path / "out")
    m = result.manifest
    assert m.status == "budget_exhausted" and "call budget of 9" in m.stopped
    assert m.usage["total"]["calls"] <= 9 and m.usage["phases"]["optimize"]["calls"] == 3
    assert m.saved and len(result.program.generators["literal_comprehension"].demos) == 1
    assert m.after is not None and m.after.examples == 1


def test_a_cost_budget_stops_the_compile(tmp_path, monkeypatch):
    monkeypatch.setattr("core.lm.metered._price", lambda inner, response: 0.01)  # a priced model
    cfg = config(RC, "literal_comprehension", budget={"max_cost_usd": 0.05})
    result = compile_skill(cfg, SEEDS, lms=make_dummy(), out_dir=tmp_path / "out")
    m = result.manifest
    assert m.status == "budget_exhausted" and "cost budget of $0.05" in m.stopped
    assert m.usage["total"]["cost_usd"] == pytest.approx(0.01 * m.usage["total"]["calls"])
    assert m.usage["total"]["cost_usd"] <= 0.05 + 0.01  # at most the call in flight when it was reached
    assert m.usage["phases"]["before"]["cost_usd"] == pytest.approx(0.03)


def test_a_jury_of_two_models_reports_its_agreement_in_the_manifest(tmp_path):
    # No refinement: the editor's model is free to sit on the jury as a second, harsher judge.
    lms = {role: make_dummy() for role in ("transformer", "generator", "suggester", "responder")}
    lms["judge"], lms["editor"] = make_dummy(score=10), make_dummy(score=4)
    lms["editor"].model = "dummy-harsh"  # another model: its answers are cached apart from the judge's
    cfg = config(RC, "literal_comprehension", judge_roles=["judge", "editor"])
    m = compile_skill(cfg, SEEDS, lms=lms, out_dir=tmp_path / "out").manifest
    for report in (m.before.jury["quality"], m.after.jury["quality"]):
        assert report.judges == ["judge", "editor"] and report.items == 1
        assert report.mean_by_judge == {"judge": 1.0, "editor": pytest.approx(1 / 3)}
        assert report.mean_score == pytest.approx(2 / 3)  # the jury's mean
        assert report.krippendorff_alpha == pytest.approx(0.0)  # one item, two levels: no agreement beyond chance
        assert set(report.spearman_pairs) == {"judge|editor"}
    saved = json.loads((tmp_path / "out" / "reading_comprehension.manifest.json").read_text())
    assert "krippendorff_alpha" in saved["after"]["jury"]["quality"] and saved["judges"] == ["judge", "editor"]


def test_a_special_program_compiles_its_own_predictors(tmp_path):
    conversation = load_skills()["conversation"]
    itype = conversation.instruction_types[0].id
    result = compile_skill(config(conversation, itype), SEEDS, lms=make_dummy(), out_dir=tmp_path / "out")
    m = result.manifest
    assert m.status == "completed" and m.saved
    assert {f"generators['{itype}']", "replies['assistant']", f"user_simulators['{itype}']"} <= set(
        m.changed_predictors)
    reloaded = load_suite(["conversation"], compiled_dir=tmp_path / "out")["conversation"]
    fresh = load_suite(["conversation"], compiled_dir=None)["conversation"]
    assert render(reloaded.replies["assistant"]) != render(fresh.replies["assistant"])
