"""Train / held-out examples from seeds (the driver's planner, disjoint seeds) and the optimizer's focus."""

import inspect
from pathlib import Path

import dspy
import pytest
from dummies import ALL_FIELDS, make_dummy

from compile.config import DataSettings
from compile.dataset import INPUTS, NotEnoughSeeds, build_splits
from compile.focus import FocusedProgram, reached_predictors
from core.config import GenerationConfig
from core.flow.plan import plan_unit, unit_rng
from core.seeds import load_seeds
from core.taxonomy import load_skills
from programs import RoleLMs, SkillProgram, build_program
from signatures import GenerateInstruction

SEEDS = Path(__file__).resolve().parents[2] / "examples" / "seeds"
RC = load_skills()["reading_comprehension"]
GEN = GenerationConfig(refinement_rounds=1, refinement_suggestions=1)


def test_splits_are_disjoint_deterministic_and_follow_the_planner():
    splits = build_splits(RC, SEEDS, DataSettings(train=3, val=1, heldout=2), GEN)
    again = build_splits(RC, SEEDS, DataSettings(train=3, val=1, heldout=2), GEN)
    ids = splits.seed_ids
    assert ids == again.seed_ids and len(ids["train"]) == 3 and len(ids["heldout"]) == 2
    assert not set(ids["train"]) & set(ids["heldout"]) and not set(ids["val"]) & set(ids["train"])
    seeds = {s.id: s for s in load_seeds(SEEDS).seeds}
    for example in splits.train + splits.val + splits.heldout:
        assert set(example.inputs().keys()) == set(INPUTS)
        seed = seeds[example.seed_id]
        plan = plan_unit(RC, seed, unit_rng(GEN.seed, seed.id, RC.name), GEN)
        assert example.seed_text == seed.text
        assert (example.transformation, example.instruction_type, example.goals) == (
            plan.paths[0].transformation, plan.paths[0].instruction_types[0], plan.paths[0].goals)
    other = build_splits(RC, SEEDS, DataSettings(train=3, val=1, heldout=2, split_seed=7), GEN)
    assert other.seed_ids != ids


def test_code_seeds_are_not_used_for_a_text_skill_and_too_few_seeds_is_an_error():
    splits = build_splits(RC, SEEDS, DataSettings(train=2, heldout=1), GEN)
    assert all(not i.startswith(("code/", "api/", "tables/")) for ids in splits.seed_ids.values() for i in ids)
    with pytest.raises(NotEnoughSeeds, match="usable seeds"):
        build_splits(RC, SEEDS, DataSettings(train=50, heldout=1), GEN)


def test_focus_exposes_only_reached_predictors_and_copies_consistently():
    lms = RoleLMs({"generator": make_dummy()})
    program = SkillProgram(RC, lms)
    splits = build_splits(RC, SEEDS, DataSettings(train=2, heldout=1), GEN)
    names = reached_predictors(program, splits.train)
    expected = {"responder"} | {f"generators['{e.instruction_type}']" for e in splits.train}
    assert expected <= set(names) < {n for n, _ in program.named_predictors()}
    focused = FocusedProgram(program, names)
    assert len(focused.predictors()) == len(names)
    copy = focused.deepcopy()
    assert copy.focus["responder"] is copy.program.responder is not program.responder
    assert copy.program.lms is lms  # models are shared, not copied
    with pytest.raises(ValueError, match="no such predictors"):
        FocusedProgram(program, ["generators['telepathy']"])


def test_an_example_holds_exactly_the_programs_inputs_and_yields_one_instruction_per_generator_call():
    forward = inspect.signature(SkillProgram.forward).parameters
    assert set(INPUTS) == set(forward) - {"self"}
    example = build_splits(RC, SEEDS, DataSettings(train=1, heldout=1),
                           GenerationConfig(refinement_rounds=0)).train[0]
    lm = make_dummy()
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        pred = SkillProgram(RC)(**example.inputs())
    generator_calls = [e for e in lm.history if e["messages"][-1]["content"].endswith("fields: `task`.")]
    assert len(generator_calls) == 1  # GenerateInstruction: passage -> task, one instruction per call
    assert "[[ ## passage ## ]]" in generator_calls[0]["messages"][-1]["content"]
    assert [item.instruction for item in pred.generated] == [ALL_FIELDS["task"]]
    assert set(GenerateInstruction.input_fields) == {"passage"} and set(GenerateInstruction.output_fields) == {"task"}


def test_focus_reaches_a_special_programs_own_predictors_by_the_agent_they_serve():
    spec = load_skills()["conversation"]
    program = build_program(spec)
    types = [t.id for t in spec.instruction_types]
    example = dspy.Example(transformation=spec.transformations[0].id, instruction_type=types[0], goals=[])
    names = reached_predictors(program, [example])
    assert "replies['assistant']" in names and f"user_simulators['{types[0]}']" in names
    assert f"user_simulators['{types[1]}']" not in names and f"generators['{types[1]}']" not in names
    assert not any(n.startswith("formatters[") for n in names)  # no format goal on this path
    goal = next(g.id for g in spec.refinement.goals if g.attaches_format)
    assert f"formatters['{goal}']" in reached_predictors(program, [example.copy(goals=[goal])])
