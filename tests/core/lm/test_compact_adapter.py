"""The compact adapter: plain prompts for small models, same JSON outputs."""

import threading

import dspy
from dummies import make_dummy

from core.lm.compact_adapter import MIN_CHARS, CompactJSONAdapter, adapter_for, with_floors
from core.lm.local_engine import LlamaCppEngine
from programs.role_lms import RoleLMs
from signatures import Edit, GenerateInstruction, Suggest, Transform, specialize


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
    assert user["content"].endswith("Write the task now.")  # one output: asked for by its plain name


def test_several_outputs_are_listed_by_description():
    _system, user = CompactJSONAdapter().format(Edit, demos=[], inputs={"passage": "P", "instruction": "Q?",
                                                                        "suggestion": "Add a date."})
    assert "Instruction:\nQ?" in user["content"] and "Suggestion:\nAdd a date." in user["content"]
    for name, info in Edit.output_fields.items():
        assert f"- {info.json_schema_extra['desc']}" in user["content"], name


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


class _SchemaLM:
    """Just enough of an LM for the adapter to choose a response format."""

    supported_params = frozenset({"response_format"})
    supports_response_schema = True


def _schema_for(signature) -> dict:
    lm_kwargs: dict = {}
    CompactJSONAdapter()._prepare_response_format(_SchemaLM(), lm_kwargs, signature)
    return lm_kwargs["response_format"].model_json_schema()


def test_free_text_outputs_get_length_floors_in_the_schema():
    assert _schema_for(Transform)["properties"]["passage"]["minLength"] == MIN_CHARS["passage"]
    assert _schema_for(GenerateInstruction)["properties"]["task"]["minLength"] == MIN_CHARS["task"]
    items = _schema_for(Suggest)["properties"]["suggestions"]["items"]
    assert items["type"] == "string" and items["minLength"] == MIN_CHARS["suggestions"]


def test_floors_touch_only_the_named_string_fields():
    schema = {"type": "object", "properties": {"passage": {"type": "string", "minLength": 500},
                                               "count": {"type": "integer"},
                                               "other": {"type": "string"}}}
    out = with_floors(schema, {"passage": 200, "count": 5, "other": 0})
    assert out["properties"]["passage"]["minLength"] == 500  # a stricter floor already there is kept
    assert "minLength" not in out["properties"]["count"] and "minLength" not in out["properties"]["other"]
    assert "minLength" not in schema["properties"]["other"]  # the input is not mutated


def test_an_ambient_embedded_lm_gets_the_compact_adapter_too():
    embedded = dspy.LM("local/smollm2", engine=_engine_without_model())
    with dspy.context(lm=embedded, adapter=dspy.JSONAdapter()), RoleLMs().use("generator"):
        assert isinstance(dspy.settings.adapter, CompactJSONAdapter)
        assert dspy.settings.lm is embedded


def test_a_metered_embedded_lm_keeps_the_compact_adapter():
    from core.lm.accounting import Accountant
    from core.lm.metered import metered

    embedded = dspy.LM("local/smollm2", engine=_engine_without_model())
    assert isinstance(adapter_for(metered(embedded, Accountant(), None)), CompactJSONAdapter)
    assert adapter_for(metered(make_dummy(), Accountant(), None)) is None
