"""Raw answers that are not one usable JSON object: refused by the middleware with their reason, never cached.

DSPy's JSONAdapter repairs what it is given (json_repair: a cut object, a Python dict repr, the first of two
objects); ``core.lm.metered.structure_problem`` refuses them first, asks again, and raises
``MalformedAnswer`` (reason ``truncation``, ``parse``, ``ambiguous``, ``content_filter``, ``too_long``) when
every sample is bad, so none becomes a record or a cache entry.
"""

from __future__ import annotations

import dspy
import pytest
from hostile import STRUCTURE, metered_lm, stored_texts

from core.flow.failures import REASONS, classify
from core.lm.metered import MalformedAnswer
from core.taxonomy import load_skills
from programs.item import PassageItem
from programs.role_lms import RoleLMs
from programs.skill import SkillProgram

PASSAGE = ("The harbour of Skerry Holm opened in 1821 and its ferry still sails at dawn. The lighthouse keeper "
           "logs every ship that passes the point, and the log is read aloud each winter at the village hall.")

RAW = {
    **STRUCTURE,
    "parse_array": ('[{"response": "The ferry sails at dawn."}]', "stop"),
    "parse_nan": ('{"response": "The ferry sails at dawn.", "n": NaN}', "stop"),
    "parse_prose": ('Sure! Here it is: {"response": "The ferry sails at dawn."}', "stop"),
    "truncation_midstream": ('{"response": "The ferry sails at da', "stop"),
    "too_long": ('{"response": "' + "a" * 70_000 + '"}', "stop"),
}
REASON = {"parse_array": "parse", "parse_nan": "parse", "parse_prose": "parse", "truncation_midstream": "parse"}


def _program(lm) -> SkillProgram:
    return SkillProgram(load_skills()["reading_comprehension"], RoleLMs({"responder": lm}))


def _item() -> PassageItem:
    return PassageItem(passage=PASSAGE, instruction="When does the ferry of Skerry Holm sail?",
                       instruction_type="literal_comprehension", transformation="identity")


@pytest.mark.parametrize("case", sorted(RAW))
def test_a_malformed_answer_is_refused_with_its_reason_and_never_cached(case, tmp_path):
    text, finish = RAW[case]
    lm, store = metered_lm(lambda fields, prompt, n: (text, finish), tmp_path / "cache.sqlite", attempts=2)
    program = _program(lm)
    with dspy.context(adapter=dspy.JSONAdapter()), pytest.raises(Exception) as caught:
        program.respond(_item())
    reason = classify(caught.value)
    assert reason == REASON.get(case, case) and reason in REASONS
    assert any(isinstance(link, MalformedAnswer) for link in _chain(caught.value))
    assert lm.engine.inner.engine.asked("response") == 2  # asked again once, then refused for good
    assert stored_texts(store) == []  # nothing cached: a rerun asks again
    store.close()


def test_a_good_answer_after_a_malformed_one_is_the_one_kept_and_cached(tmp_path):
    good = '{"response": "The ferry of Skerry Holm sails at dawn, as the passage says."}'
    answers = iter([STRUCTURE["ambiguous"], (good, "stop")])
    lm, store = metered_lm(lambda fields, prompt, n: next(answers), tmp_path / "cache.sqlite", attempts=3)
    with dspy.context(adapter=dspy.JSONAdapter()):
        response = _program(lm).respond(_item())
    assert response.startswith("The ferry of Skerry Holm sails at dawn")
    assert [t for t in stored_texts(store) if "noon" in t] == []  # the ambiguous one was never stored
    assert len(stored_texts(store)) == 1
    store.close()


def test_without_a_schema_the_json_adapter_still_gets_strict_checks(tmp_path):
    """A model outside DSPy's catalog is asked for JSON by prompt only: the checks apply all the same."""
    from hostile import ScriptedEngine

    ScriptedEngine.supported_params = frozenset({"temperature", "max_tokens"})  # no response_format sent
    try:
        lm, store = metered_lm(lambda fields, prompt, n: STRUCTURE["parse"], tmp_path / "c.sqlite", attempts=1)
        with dspy.context(adapter=dspy.JSONAdapter()), pytest.raises(Exception) as caught:
            _program(lm).respond(_item())
        assert classify(caught.value) == "parse" and stored_texts(store) == []
    finally:
        ScriptedEngine.supported_params = frozenset({"response_format", "temperature", "max_tokens"})


def _chain(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


REFUSALS = {
    "json_refusal_field": {"content": '{"refusal": "I cannot help with that request."}'},
    "refusal_part": {"content": None, "refusal": "I'm sorry, I can't assist with that."},
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_remote_refusal_plain_or_inside_json_is_a_refusal(case, tmp_path):
    """OpenAI-style refusals over HTTP (the mock server): a ``refusal`` message part or a JSON ``refusal``."""
    from agentinstruct.testing.mock_openai import MockOpenAIServer, Scripted
    from core.lm.accounting import Accountant, BudgetConfig
    from core.lm.limited_lm import LimitedLM
    from core.lm.limiter import ModelLimiter
    from core.lm.metered import metered
    from core.lm.request_store import RequestStore

    message = {"role": "assistant", **REFUSALS[case]}
    body = {"id": "x", "object": "chat.completion", "created": 0, "model": "mock-model",
            "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
    with MockOpenAIServer(latency_s=0.0, script=lambda b, n: Scripted(body=body)) as server:
        remote = LimitedLM("openai/gpt-4o-mini", limiter=ModelLimiter("m"), retries=0, api_key="k",
                           api_base=server.url, engine="lm15", cache=False)
        store = RequestStore(tmp_path / "c.sqlite")
        lm = metered(remote, Accountant(BudgetConfig()), store, malformed_attempts=2)
        with dspy.context(adapter=dspy.JSONAdapter()), pytest.raises(Exception) as caught:
            _program(lm).respond(_item())
        assert server.stats.requests == 2  # asked again once
    assert classify(caught.value) == "refusal" and stored_texts(store) == []
    store.close()


def test_a_refusal_inside_a_field_is_refused_by_the_flow(tmp_path):
    text = '{"response": "{\\"error\\": \\"I cannot help with that request.\\"}"}'
    lm, store = metered_lm(lambda fields, prompt, n: (text, "stop"), tmp_path / "c.sqlite", attempts=1)
    with dspy.context(adapter=dspy.JSONAdapter()), pytest.raises(Exception) as caught:
        _program(lm).respond(_item())
    assert classify(caught.value) == "refusal" and stored_texts(store) == []
    store.close()
