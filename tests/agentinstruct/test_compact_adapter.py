"""The compact adapter: plain prompts for small models, same JSON outputs."""

import threading

import dspy
from dummies import make_dummy

from agentinstruct.compact_adapter import CompactJSONAdapter, adapter_for
from agentinstruct.local_engine import LlamaCppEngine
from programs.role_lms import RoleLMs
from signatures import GenerateInstruction, Suggest, specialize


def _engine_without_model() -> LlamaCppEngine:
    engine = LlamaCppEngine.__new__(LlamaCppEngine)  # no model load: only its type matters here
    engine.seed, engine._asked, engine._lock = 0, {}, threading.Lock()
    return engine


def test_prompt_has_no_format_scaffolding():
    sig = specialize(GenerateInstruction, "Write a main idea question.")
    system, user = CompactJSONAdapter().format(sig, demos=[], inputs={"passage": "Bees make honey."})
    assert system["content"].endswith("Write a main idea question.")
    for text in (system["content"], user["content"]):
        assert "[[ ##" not in text and "{task}" not in text and "`task`" not in text
    assert user["content"].startswith("Passage:\nBees make honey.")
    assert "written out in full" in user["content"]  # the output asked for by its description


def test_several_outputs_are_listed():
    _system, user = CompactJSONAdapter().format(Suggest, demos=[], inputs={"passage": "P", "instruction": "Q?",
                                                                           "count": 2})
    assert "Instruction:\nQ?" in user["content"] and "Count:\n2" in user["content"]
    assert "The suggestions, one string each." in user["content"]


def test_outputs_parse_like_the_json_adapter():
    with dspy.context(lm=make_dummy(), adapter=CompactJSONAdapter()):
        pred = dspy.Predict(Suggest)(passage="P", instruction="Q?", count=1)
    assert pred.suggestions == ["Add a distractor that seems relevant but is not."]


def test_only_the_embedded_engine_gets_the_compact_adapter():
    assert adapter_for(make_dummy()) is None
    assert adapter_for(None) is None
    embedded = dspy.LM("local/smollm2", engine=_engine_without_model())
    assert isinstance(adapter_for(embedded), CompactJSONAdapter)


def test_role_lms_keeps_the_ambient_adapter_for_other_models():
    ambient = dspy.ChatAdapter()
    roles = RoleLMs({"generator": make_dummy()})
    with dspy.context(adapter=ambient), roles.use("generator"):
        assert dspy.settings.adapter is ambient
