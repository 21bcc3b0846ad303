"""Format following: mechanical guideline checks, and guidelines attached by the flow and enforced."""

import dspy
import pytest
from dummies import make_dummy

from core.flow.plan import PathPlan, UnitPlan
from core.seeds import SeedDoc, SeedKind, sha256_text
from core.taxonomy import load_skills
from programs import build_program
from programs.format_checks import KINDS, describe, problem, usable, violations
from programs.special.formatted import FormattedSkillProgram, guidelines_of
from signatures.types import FormatGuideline as G

TEXT = "Honey bees dance to tell nest mates where flowers are. The dance encodes distance and direction."
SEED = SeedDoc(id="b.txt", text=TEXT, source="b.txt", sha256=sha256_text(TEXT), kind=SeedKind.TEXT)

# (guideline, a response that follows it, a response that breaks it)
CASES = [
    (G(kind="max_words", number=3), "Bees dance.", "Bees dance to share where flowers are."),
    (G(kind="min_words", number=4), "Bees dance for food.", "Bees dance."),
    (G(kind="max_sentences", number=1), "Bees dance.", "Bees dance. They fly."),
    (G(kind="max_characters", number=12), "Bees dance.", "Bees dance a lot, really."),
    (G(kind="bullet_points", number=2), "- one\n- two", "- one\n- two\n- three"),
    (G(kind="numbered_list", number=2), "1. one\n2. two", "1. one"),
    (G(kind="paragraphs", number=2), "One.\n\nTwo.", "One.\nTwo."),
    (G(kind="json_output"), '{"bees": 3}', "bees: 3"),
    (G(kind="all_lowercase"), "bees dance.", "Bees dance."),
    (G(kind="all_uppercase"), "BEES DANCE.", "Bees dance."),
    (G(kind="include_keywords", keywords=["waggle", "Nectar"]), "The waggle dance points to nectar.", "A dance."),
    (G(kind="exclude_keywords", keywords=["honey"]), "Bees dance.", "Honey bees dance."),
    (G(kind="start_with", text="In short"), "In short, bees dance.", "Bees dance, in short."),
    (G(kind="end_with", text="Any questions?"), "Bees dance. Any questions?", "Any questions? Bees dance."),
    (G(kind="title"), "<<The Dance>>\nBees dance.", "The Dance\nBees dance."),
    (G(kind="no_commas"), "Bees dance and fly.", "Bees dance, fly."),
    (G(kind="highlighted_spans", number=2), "*Bees* *dance*.", "*Bees* dance."),
    (G(kind="postscript", text="P.S."), "Bees dance.\nP.S. They also hum.", "Bees dance."),
]


def test_every_kind_has_a_case():
    assert {g.kind for g, _, _ in CASES} | {"style"} == set(KINDS)


@pytest.mark.parametrize(("guideline", "good", "bad"), CASES, ids=[g.kind for g, _, _ in CASES])
def test_checks_accept_followers_and_catch_breakers(guideline, good, bad):
    assert problem(guideline) is None
    assert violations([guideline], good) == []
    assert violations([guideline], bad) == [KINDS[guideline.kind].describe(guideline)]


def test_free_form_style_guidelines_are_described_but_not_checked():
    style = G(kind="style", text="Write like a pirate")
    assert describe([style]) == "Formatting guidelines:\n- Write like a pirate."
    assert violations([style], "anything") == []


def test_guidelines_without_their_parameters_are_unusable():
    assert "needs a number" in problem(G(kind="max_words"))
    assert "needs a number" in problem(G(kind="bullet_points", number=0))
    assert "needs a text" in problem(G(kind="start_with", text=" "))
    assert "needs keywords" in problem(G(kind="include_keywords", keywords=[""]))


def test_usable_drops_duplicates_and_contradictions():
    kept = usable([G(kind="max_words", number=5), G(kind="max_words", number=9), G(kind="min_words", number=50),
                   G(kind="all_lowercase"), G(kind="all_uppercase"), G(kind="max_words")])
    assert [(g.kind, g.number) for g in kept] == [("max_words", 5), ("all_lowercase", None)]
    json_kept = usable([G(kind="json_output"), G(kind="bullet_points", number=3), G(kind="include_keywords",
                                                                                   keywords=["a"])])
    assert [g.kind for g in json_kept] == ["json_output", "include_keywords"]


SPEC = load_skills()["text_modification"]


def _run(lm, goals):
    program = build_program(SPEC)
    assert isinstance(program, FormattedSkillProgram)
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        return program.run_plan(UnitPlan([PathPlan("identity", ["paraphrasing"], goals)], 1, 1), SEED)


def test_a_format_goal_attaches_guidelines_that_reach_the_user_turn():
    outcome = _run(make_dummy(), ["add_format_guidelines"])
    assert outcome.failures == []
    plain, formatted = outcome.examples
    assert "Formatting guidelines" not in plain.messages[0]["content"]
    assert formatted.messages[0]["content"].endswith("Formatting guidelines:\n- Answer in at most 60 words.")
    assert formatted.refinement_goal == "add_format_guidelines"
    assert "format:add_format_guidelines" in formatted.agents


def test_a_response_that_breaks_a_guideline_is_refused():
    lm = make_dummy(guidelines=[{"kind": "all_uppercase"}])
    outcome = _run(lm, ["add_format_guidelines"])
    assert len(outcome.examples) == 1  # the unformatted item survives
    (failure,) = outcome.failures
    assert (failure.stage, failure.reason, failure.error) == ("respond", "validation", "FormatViolation")
    assert "capital letters" in failure.excerpt


def test_guidelines_survive_a_later_edit_round():
    program = build_program(SPEC)
    with dspy.context(lm=make_dummy(), adapter=dspy.JSONAdapter()):
        from programs.item import PassageItem
        item = PassageItem(TEXT, "Paraphrase the text.", "paraphrasing", "identity")
        (formatted,) = program.refine(item, "add_format_guidelines", 1)
        (edited,) = program.refine(formatted, "increase_complexity", 1)
    assert guidelines_of(edited) == guidelines_of(formatted) != []
    assert edited.round == 2 and "Formatting guidelines" in program.user_message(edited)


def test_unusable_guidelines_fail_the_refine_step():
    outcome = _run(make_dummy(guidelines=[{"kind": "max_words"}]), ["add_format_guidelines"])
    assert [(f.stage, f.agent, f.reason) for f in outcome.failures] == [("refine", "add_format_guidelines",
                                                                          "validation")]


def test_format_goals_get_a_format_agent_instead_of_a_suggester_editor_pair():
    names = {n for n, _ in build_program(SPEC).named_predictors()}
    assert "formatters['add_format_guidelines']" in names
    assert "suggesters['add_format_guidelines']" not in names and "editors['add_format_guidelines']" not in names
    assert "suggesters['increase_complexity']" in names
