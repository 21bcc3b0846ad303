"""The generic SkillProgram: every stage on DummyLM, refinement paths, save/load, state hashing."""

import dspy
import pytest
from dummies import make_dummy

from core.flow.plan import PathPlan, UnitPlan
from core.seeds import SeedDoc, SeedKind, sha256_text
from core.taxonomy import load_skills
from programs import RoleLMs, SkillProgram, load_suite, program_hash
from programs.compiled import save_compiled
from programs.item import EmptyOutputError, PassageItem

SPEC = load_skills()["reading_comprehension"]
SEED_TEXT = "Uric acid is produced by the breakdown of purine. High levels may harm joints."
SEED = SeedDoc(id="s.txt", text=SEED_TEXT, source="s.txt", sha256=sha256_text(SEED_TEXT), kind=SeedKind.TEXT)


def test_identity_transformation_copies_the_seed_without_a_call(dummy_lm):
    program = SkillProgram(SPEC)
    assert program.transform(SEED_TEXT, "identity") == SEED_TEXT
    assert dummy_lm.history == []


def test_forward_runs_every_stage(dummy_lm):
    program = SkillProgram(SPEC)
    pred = program(seed_text=SEED_TEXT, transformation="debate_passage", instruction_type="weaken",
                   goals=["make_complex", "alter_answer"])
    rounds = [item.round for item in pred.generated]
    assert rounds == [0, 1, 2]
    assert pred.generated[1].goal == "make_complex" and pred.generated[1].passage == pred.generated[0].passage
    assert pred.generated[2].goal == "alter_answer"
    assert pred.generated[2].passage.startswith("Hyperuricemia may raise cardiovascular risk; the causal")
    assert all(item.response for item in pred.generated)


def test_run_plan_yields_chat_examples_with_lineage(dummy_lm):
    program = SkillProgram(SPEC)
    plan = UnitPlan(paths=[PathPlan("poem", ["flaw", "strengthen"], ["make_unanswerable"])],
                    instructions_per_type=1, suggestions=1)
    outcome = program.run_plan(plan, SEED)
    assert outcome.failures == []
    assert [e.subcategory for e in outcome.examples] == ["flaw", "flaw", "strengthen", "strengthen"]
    assert [e.refinement_round for e in outcome.examples] == [0, 1, 0, 1]
    first = outcome.examples[0]
    assert [m["role"] for m in first.messages] == ["user", "assistant"]
    assert first.agents == ["transform:poem", "generate:flaw", "respond"]
    assert outcome.examples[1].agents[-3:] == ["suggester:make_unanswerable", "editor:make_unanswerable",
                                               "respond"]


def test_a_failing_step_is_recorded_and_the_rest_goes_on():
    program = SkillProgram(SPEC)
    lm = make_dummy(task="?")  # the generator returns nothing usable
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        outcome = program.run_plan(UnitPlan([PathPlan("poem", ["flaw"], [])], 1, 1), SEED)
    assert outcome.examples == []
    assert [(f.stage, f.agent, f.reason) for f in outcome.failures] == [("generate", "flaw", "validation")]


def test_empty_editor_output_is_a_validation_failure(dummy_lm):
    program = SkillProgram(SPEC)
    item = PassageItem(passage="P", instruction="Q?", instruction_type="flaw", transformation="poem")
    with dspy.context(lm=make_dummy(modified_passage=""), adapter=dspy.JSONAdapter()), \
            pytest.raises(EmptyOutputError):
        program.refine(item, "make_unanswerable", 1)


def test_roles_use_their_own_lm():
    generator_lm, other_lm = make_dummy(), make_dummy()
    program = SkillProgram(SPEC, RoleLMs({"generator": generator_lm}))
    with dspy.context(lm=other_lm, adapter=dspy.JSONAdapter()):
        program.generate("P", "flaw")
        program.respond(PassageItem("P", "Q?", "flaw", "poem"))
    assert len(generator_lm.history) == 1 and len(other_lm.history) == 1


def test_save_load_round_trip_keeps_compiled_state(tmp_path):
    program = SkillProgram(SPEC)
    plain_hash = program_hash(program)
    program.generators["flaw"].signature = program.generators["flaw"].signature.with_instructions("Compiled!")
    program.generators["flaw"].demos = [dspy.Example(passage="P", task="Q?")]
    path = tmp_path / "reading_comprehension.json"
    save_compiled(program, SPEC, path)
    assert "Compiled!" in path.read_text()
    fresh = load_suite(["reading_comprehension"], compiled_dir=tmp_path)["reading_comprehension"]
    assert fresh.generators["flaw"].signature.instructions == "Compiled!"
    assert len(fresh.generators["flaw"].demos) == 1
    assert program_hash(fresh) == program_hash(program) != plain_hash


def test_named_predictors_are_keyed_by_agent_id():
    names = {name for name, _ in SkillProgram(SPEC).named_predictors()}
    assert "transformers['argument_passage']" in names
    assert "generators['resolve_paradox']" in names
    assert "editors['alter_answer']" in names
    assert "transformers['identity']" not in names


def test_deepcopy_shares_role_lms():
    lms = RoleLMs({"generator": make_dummy()})
    program = SkillProgram(SPEC, lms)
    assert program.deepcopy().lms is lms



def test_generation_retries_until_a_usable_instruction():
    from dspy.utils import DummyLM

    answers = [{"task": "Heap"}, {"task": "??"}, {"task": "Which event came first in the passage?"}]
    lm = DummyLM(answers, adapter=dspy.JSONAdapter())
    program = SkillProgram(SPEC)
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        # the third answer is the one kept: three calls (the retries on copies of the LM, rollout ids 1 and 2)
        assert program.generate("P", "flaw", count=1, attempts=3) == ["Which event came first in the passage?"]
    with dspy.context(lm=DummyLM([{"task": "Heap"}] * 2, adapter=dspy.JSONAdapter()),
                      adapter=dspy.JSONAdapter()), pytest.raises(EmptyOutputError, match="Heap"):
        program.generate("P", "flaw", count=1, attempts=2)


def test_a_cut_generator_call_uses_up_an_attempt_and_the_next_is_tried():
    from core.lm.local_engine import OutputTruncated

    class Scripted:  # stands in for the generator predictor: each call takes the next scripted outcome
        def __init__(self, outcomes):
            self.outcomes = list(outcomes)

        def __call__(self, **kwargs):
            outcome = self.outcomes.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return dspy.Prediction(task=outcome)

    program = SkillProgram(SPEC)
    program.generators["flaw"] = Scripted([OutputTruncated("cut at max_tokens"), "Which event came first?"])
    assert program.generate("P", "flaw", count=1, attempts=2) == ["Which event came first?"]
    program.generators["flaw"] = Scripted([OutputTruncated("cut at max_tokens")] * 2)
    with pytest.raises(OutputTruncated):  # every attempt cut: the truncation is the reason recorded
        program.generate("P", "flaw", count=1, attempts=2)
    program.generators["flaw"] = Scripted([OutputTruncated("cut at max_tokens"), "Heap"])
    with pytest.raises(EmptyOutputError, match="truncation failures"):
        program.generate("P", "flaw", count=1, attempts=2)
    program.generators["flaw"] = Scripted([RuntimeError("a bug")])
    with pytest.raises(RuntimeError):  # not a bad sample: never retried
        program.generate("P", "flaw", count=1, attempts=5)


@pytest.mark.parametrize("text, problem", [
    ("{task}", "fewer than"),
    ("The {task} goes here", "placeholder"),
    ("Write a question about the passage.", "description of an instruction"),
    ("Generate one main idea question", "description of an instruction"),
    ("keeping a sourdough starter", "copied from the passage"),
    ("What does a healthy starter do within eight hours of a feeding?", None),
    ("Write a two-sentence summary of the passage for a child.", None),
])
def test_instruction_problems_are_named(text, problem):
    from programs.item import instruction_problem

    passage = "Keeping a Sourdough Starter. A healthy starter doubles within four to eight hours."
    found = instruction_problem(text, passage)
    assert found == problem if problem is None else problem in found


def test_a_placeholder_response_is_a_validation_failure():
    program = SkillProgram(load_skills()["reading_comprehension"])
    item = PassageItem(passage="P", instruction="What is P about?", instruction_type="literal_comprehension",
                       transformation="identity")
    with dspy.context(lm=make_dummy(response="{response}")), pytest.raises(EmptyOutputError, match="placeholder"):
        program.respond(item)


def test_an_unusable_transformation_is_sampled_again_up_to_the_attempts():
    from dspy.utils import DummyLM
    from dummies import ALL_FIELDS

    program = SkillProgram(load_skills()["reading_comprehension"])
    seed_text = ALL_FIELDS["passage"]  # 30 words: a passage of 15 or more words passes
    answers = [{"passage": "Heap"}, {"passage": ALL_FIELDS["modified_passage"]}]
    json = dspy.JSONAdapter()
    with dspy.context(lm=DummyLM(answers, adapter=json), adapter=json):
        assert program.transform(seed_text, "argument_passage", attempts=2) == ALL_FIELDS["modified_passage"]
    with dspy.context(lm=DummyLM(answers, adapter=json), adapter=json), pytest.raises(EmptyOutputError):
        program.transform(seed_text, "argument_passage", attempts=1)  # one attempt: the failure stands
