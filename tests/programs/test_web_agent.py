"""The web agent's answers are checked as actions on the page: forms, element ids, a closing DONE."""

import dspy
import pytest
from dummies import make_dummy

from core.flow.plan import PathPlan, UnitPlan
from core.seeds import SeedDoc, SeedKind, sha256_text
from core.taxonomy import load_skills
from programs import build_program
from programs.special import web_actions
from programs.special.web_agent import WebAgentProgram

PAGE = ('[e1] heading "Sourdough starter" y=0\n[e2] text field "Search" y=40\n[e3] button "Go" y=40\n'
        '[e4] dropdown "Flour" options: rye, wheat y=200\n[e5] link "Feeding schedule" y=900')


def test_reasoning_lines_and_actions_are_told_apart():
    actions, malformed = web_actions.parse_actions(
        'The schedule is further down.\n1. SCROLL down 800 px\n- CLICK [e5]\nSELECT [e4] "rye"\n'
        'DONE "Feed it twice a day."')
    assert [a.verb for a in actions] == ["SCROLL", "CLICK", "SELECT", "DONE"]
    assert [a.element for a in actions] == [None, "e5", "e4", None]
    assert malformed == []


@pytest.mark.parametrize(("response", "problem"), [
    ('TYPE [e2] "rye"\nCLICK [e3]\nDONE "Results."', None),
    ('SCROLL to [e5]\nDONE "not possible"', None),
    ("You should search for rye flour on the page.", "no action in the allowed forms"),
    ('CLICK [e9]\nDONE "Clicked."', "not on the page: e9"),
    ('TYPE [e2] "rye"\nCLICK [e3]', "do not end with DONE"),
    ('CLICK the search button\nDONE "ok"', "malformed action"),
])
def test_problems_of_a_response_on_a_page(response, problem):
    found = web_actions.problems(response, PAGE)
    assert found == [] if problem is None else any(problem in f for f in found), found


def _unit(response: str):
    spec = load_skills()["web_agent"]
    program = build_program(spec)
    assert isinstance(program, WebAgentProgram)
    text = "Keeping a Sourdough Starter. " * 10
    seed = SeedDoc(id="page.html", source="page.html", kind=SeedKind.HTML, text=text, sha256=sha256_text(text))
    plan = UnitPlan([PathPlan("element_map", ["click_target"], [])], 1, 1)
    lm = make_dummy(passage=PAGE, task="Open the feeding schedule of the starter guide.", response=response)
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        return program.run_plan(plan, seed)


def test_valid_actions_become_a_record_and_invalid_ones_a_rejection():
    good = _unit('The link is below the fold.\nSCROLL down 800 px\nCLICK [e5]\nDONE "Schedule opened."')
    assert len(good.examples) == 1 and good.failures == []
    assert good.examples[0].metadata == {"actions": "3"}
    bad = _unit('CLICK [e7]\nDONE "Schedule opened."')
    assert bad.examples == []
    [failure] = bad.failures
    assert (failure.stage, failure.reason) == ("verify", "validation")
    assert "e7" in failure.excerpt
