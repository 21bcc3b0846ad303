"""Each class of bad output, replayed through each stage of the flow: refused with its reason, no item, and
the refused answer is not left in the request cache (a rerun asks again).

Stages: transformation (``passage``), instruction generation (``task``), suggestion (``suggestions``), edit
(``modified_passage`` / ``modified_instruction``) and the response (``response``, through ``finish_item``,
the last stage every program shares). The edit-only classes (``edit_noop``, ``drift``) are at the end.
"""

from __future__ import annotations

import json

import dspy
import pytest
from dummies import ALL_FIELDS
from hostile import LEAKED_KEY, OUTPUTS, PLANTED_SEED, good_answer, metered_lm, stored_texts

from core.flow.failures import classify
from core.taxonomy import load_skills
from programs.flow import finish_item
from programs.item import RETRIED_REASONS, PassageItem
from programs.output_checks import OutputRejected
from programs.role_lms import RoleLMs
from programs.skill import SkillProgram

ROLES = ("transformer", "generator", "suggester", "editor", "responder", "judge")
STAGES = {"transform": "passage", "generate": "task", "suggest": "suggestions", "edit": "modified_instruction",
          "respond": "response"}


def _script(field: str, bad: str):
    def script(fields, prompt, n):
        if field not in fields:
            return None
        answer = json.loads(good_answer(fields))
        answer[field] = [bad] if field == "suggestions" else bad
        return json.dumps(answer)
    return script


def _program(lm) -> SkillProgram:
    return SkillProgram(load_skills()["reading_comprehension"], RoleLMs(dict.fromkeys(ROLES, lm)))


def _item() -> PassageItem:
    return PassageItem(passage=PLANTED_SEED, instruction="When does the ferry of Skerry Holm sail each day?",
                       instruction_type="literal_comprehension", transformation="identity")


def _run(stage: str, program: SkillProgram):
    if stage == "transform":
        return program.transform(PLANTED_SEED, "argument_passage", attempts=2)
    if stage == "generate":
        return program.generate(PLANTED_SEED, "literal_comprehension", count=1, attempts=2)
    if stage in ("suggest", "edit"):
        return program.refine(_item(), "make_complex", 1)
    return finish_item(program.finish, _item(), attempts=2)


@pytest.mark.parametrize("stage", sorted(STAGES))
@pytest.mark.parametrize("kind", sorted(OUTPUTS))
def test_a_bad_output_is_refused_at_every_stage_and_forgotten(kind, stage, tmp_path):
    bad = OUTPUTS[kind]
    lm, store = metered_lm(_script(STAGES[stage], bad), tmp_path / "cache.sqlite")
    with dspy.context(adapter=dspy.JSONAdapter()), pytest.raises(OutputRejected) as caught:
        _run(stage, _program(lm))
    assert classify(caught.value) == kind == caught.value.reason_code
    engine = lm.engine.inner.engine
    asked = engine.asked(STAGES[stage])
    if stage in ("transform", "respond"):  # the stages with attempts: a new sample only where it may help
        assert asked == (2 if kind in RETRIED_REASONS else 1)
    cached = stored_texts(store)
    probe = LEAKED_KEY if kind == "secret" else bad[:40]
    assert not any(probe in text for text in cached), "a refused answer is still cached"
    assert LEAKED_KEY not in str(caught.value)  # nor is the key in the failure's message
    store.close()


EDITS = {
    # goal, modified passage, modified instruction -> reason
    "edit_noop": ("make_unanswerable", "  " + PLANTED_SEED.replace(". ", ".\n  "),
                  " When does the ferry of Skerry Holm   sail each day? "),
    "drift": ("make_complex", None, "Which chemical element has the highest melting point among refractory "
              "metals used in aerospace turbine blades, tungsten or rhenium alloys?"),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_an_edit_that_changes_nothing_or_drifts_is_refused(kind, tmp_path):
    goal, passage, instruction = EDITS[kind]

    def script(fields, prompt, n):
        if "modified_instruction" not in fields:
            return None
        answer = {"modified_instruction": instruction}
        if "modified_passage" in fields:
            answer["modified_passage"] = passage
        return json.dumps(answer)

    lm, store = metered_lm(script, tmp_path / "cache.sqlite")
    with dspy.context(adapter=dspy.JSONAdapter()), pytest.raises(OutputRejected) as caught:
        _program(lm).refine(_item(), goal, 1)
    assert classify(caught.value) == kind
    assert not any(instruction[:30] in text for text in stored_texts(store))
    store.close()


def test_a_real_edit_passes():
    lm_answers = {**ALL_FIELDS, "modified_instruction": "When does the ferry of Skerry Holm sail, and who logs "
                                                        "the ships that pass the point?"}
    from dspy.utils import DummyLM

    lm = DummyLM([lm_answers] * 4, adapter=dspy.JSONAdapter())
    with dspy.context(adapter=dspy.JSONAdapter()):
        edited = _program(lm).refine(_item(), "make_complex", 1)
    assert edited[0].instruction.startswith("When does the ferry")
