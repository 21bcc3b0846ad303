"""The shared plan loop's last stage: fresh samples for a degenerate output, never for a verdict."""

import dspy
import pytest
from dspy.utils import DummyLM
from dummies import ALL_FIELDS

from core.taxonomy import load_skills
from programs.flow import Finished, Rejected, finish_item
from programs.item import EmptyOutputError, PassageItem
from programs.role_lms import resample
from programs.skill import SkillProgram


def _item() -> PassageItem:
    return PassageItem(passage=ALL_FIELDS["passage"], instruction="What do the authors caution about?",
                       instruction_type="literal_comprehension", transformation="identity")


def _respond_with(program: SkillProgram):
    def finish(item: PassageItem) -> Finished:
        item.response = program.respond(item)
        return Finished(messages=program.messages(item))
    return finish


def test_a_degenerate_response_is_sampled_again_up_to_the_attempts():
    program = SkillProgram(load_skills()["reading_comprehension"])
    answers = [{"response": "{response}"}, {"response": ALL_FIELDS["response"]}]
    json = dspy.JSONAdapter()
    with dspy.context(lm=DummyLM(answers, adapter=json), adapter=json):
        done = finish_item(_respond_with(program), _item(), attempts=2)
    assert done.messages[-1] == {"role": "assistant", "content": ALL_FIELDS["response"]}
    with dspy.context(lm=DummyLM(answers, adapter=json), adapter=json), pytest.raises(EmptyOutputError):
        finish_item(_respond_with(program), _item(), attempts=1)  # one attempt: the failure stands


def test_retries_are_distinct_rollouts_of_the_same_prompt():
    program = SkillProgram(load_skills()["reading_comprehension"])
    seen = []

    def finish(item: PassageItem) -> Finished:
        with program.lms.use("responder"):
            seen.append(dspy.settings.lm.kwargs.get("rollout_id"))
        raise EmptyOutputError("degenerate")

    with dspy.context(lm=DummyLM([{"response": "x"}])), pytest.raises(EmptyOutputError):
        finish_item(finish, _item(), attempts=3)
    assert seen == [None, 1, 2]
    with dspy.context(lm=None), resample(4), program.lms.use("responder"):
        assert dspy.settings.lm is None  # nothing to copy: the ambient "no LM" stands


def test_a_verdict_or_a_hard_error_is_not_retried():
    calls = []

    def rejected(item: PassageItem) -> Finished:
        calls.append("rejected")
        raise Rejected("sandbox", "tests fail")

    def broken(item: PassageItem) -> Finished:
        calls.append("broken")
        raise RuntimeError("internal bug")

    with pytest.raises(Rejected):
        finish_item(rejected, _item(), attempts=5)
    with pytest.raises(RuntimeError):
        finish_item(broken, _item(), attempts=5)
    assert calls == ["rejected", "broken"]


def test_a_malformed_output_is_sampled_again():
    class AdapterParseError(Exception):  # classified by class name, like DSPy's own
        pass

    calls = []
    done = Finished(messages=[{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A."}])

    def finish(item: PassageItem) -> Finished:
        calls.append(item.instruction)
        if len(calls) == 1:
            raise AdapterParseError("the LM response is not JSON")
        return done

    assert finish_item(finish, _item(), attempts=2) is done
    assert len(calls) == 2
