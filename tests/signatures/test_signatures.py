"""Every signature runs on DummyLM; a few agents' rendered prompts are pinned as golden files."""

import os
from pathlib import Path

import dspy
import pytest

from core.lm.compact_adapter import CompactJSONAdapter
from core.taxonomy import load_skills
from programs.skill import SkillProgram
from signatures import Edit, EditInstruction, GenerateInstruction, JudgeQuality, Respond, Suggest, Transform

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
INPUTS = {
    Transform: {"seed_text": "Uric acid is produced by the breakdown of purine."},
    GenerateInstruction: {"passage": "High uric acid may raise heart risk."},
    Suggest: {"passage": "P", "instruction": "Q?", "count": 3},
    Edit: {"passage": "P", "instruction": "Q?", "suggestion": "S"},
    EditInstruction: {"passage": "P", "instruction": "Q?", "suggestion": "S"},
    Respond: {"request": "P\n\nQ?"},
    JudgeQuality: {"rubric": "R", "request": "Q", "response": "A"},
}


@pytest.mark.parametrize("signature", list(INPUTS), ids=lambda s: s.__name__)
def test_every_signature_predicts_typed_outputs(signature, dummy_lm):
    pred = dspy.Predict(signature)(**INPUTS[signature])
    for name, field in signature.output_fields.items():
        value = getattr(pred, name)
        assert value is not None
        if field.annotation is int:
            assert isinstance(value, int)
        elif field.annotation == list[str]:
            assert isinstance(value, list) and all(isinstance(v, str) for v in value)
        else:
            assert isinstance(value, str) and value


def _render(predictor: dspy.Predict, inputs: dict, adapter: dspy.Adapter | None = None) -> str:
    messages = (adapter or dspy.JSONAdapter()).format(predictor.signature, demos=[], inputs=inputs)
    return "\n\n".join(f"=== {m['role']} ===\n{m['content']}" for m in messages) + "\n"


PROGRAM = SkillProgram(load_skills()["reading_comprehension"])
GOLDEN_CASES = {
    "rc_transform_argument_passage": (PROGRAM.transformers["argument_passage"], INPUTS[Transform]),
    "rc_generate_strengthen": (PROGRAM.generators["strengthen"], INPUTS[GenerateInstruction]),
    "rc_suggest_make_complex": (PROGRAM.suggesters["make_complex"], INPUTS[Suggest]),
    "rc_edit_make_unanswerable": (PROGRAM.editors["make_unanswerable"], INPUTS[Edit]),
    "rc_respond": (PROGRAM.responder, INPUTS[Respond]),
}
COMPACT_CASES = {  # the embedded model's prompts (core.lm.compact_adapter)
    "compact_rc_generate_strengthen": GOLDEN_CASES["rc_generate_strengthen"],
    "compact_rc_suggest_make_complex": GOLDEN_CASES["rc_suggest_make_complex"],
    "compact_rc_edit_make_unanswerable": GOLDEN_CASES["rc_edit_make_unanswerable"],
}


@pytest.mark.parametrize("name", [*GOLDEN_CASES, *COMPACT_CASES])
def test_golden_prompts(name):
    """Prompt drift shows up as a diff; regenerate with UPDATE_GOLDEN=1 after a deliberate change."""
    if name in COMPACT_CASES:
        (predictor, inputs), adapter = COMPACT_CASES[name], CompactJSONAdapter()
    else:
        (predictor, inputs), adapter = GOLDEN_CASES[name], None
    rendered = _render(predictor, inputs, adapter)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert rendered == path.read_text(encoding="utf-8")


def test_agent_prose_reaches_the_prompt():
    rendered = _render(PROGRAM.transformers["poem"], INPUTS[Transform])
    assert "You are the Poem Generator" in rendered
    assert "content transformation agent" in rendered  # the generic part stays


def test_tool_steps_spell_out_calls_and_stops_in_the_schema_only():
    from dspy.adapters.json_adapter import _get_structured_outputs_response_format

    from signatures import ToolAgentStep
    from signatures.tool_use import with_action_names

    step = with_action_names(ToolAgentStep, ["get_forecast", "get_air_quality"])
    schema = _get_structured_outputs_response_format(step).model_json_schema()
    call, stop = schema["$defs"]["ToolAction"]["anyOf"]
    assert call["properties"]["action_type"]["enum"] == ["API_CALL"]
    assert call["properties"]["name"]["enum"] == ["get_forecast", "get_air_quality"]
    assert stop["properties"]["action_type"]["enum"] == ["STOP"]
    assert stop["properties"]["name"]["enum"] == ["FINAL_ANSWER", "FAILED"]
    assert stop["properties"]["arguments"]["maxItems"] == 0
    assert all(k["additionalProperties"] is False and set(k["required"]) == set(k["properties"]) for k in (call, stop))
    assert step.instructions == ToolAgentStep.instructions
    action = step.output_fields["action"].annotation
    assert action(action_type="API_CALL", name="get_tides").name == "get_tides"  # parsing stays open: the
    # trace check, not a parse error, reports an invented API of a model that ignores the schema
    only_stop = with_action_names(ToolAgentStep, [])
    kinds = _get_structured_outputs_response_format(only_stop).model_json_schema()["$defs"]["ToolAction"]["anyOf"]
    assert [k["properties"]["action_type"]["enum"] for k in kinds] == [["STOP"]]


def test_the_embedded_grammar_accepts_the_tool_step_schema():
    import json

    llama_grammar = pytest.importorskip("llama_cpp.llama_grammar")
    from dspy.adapters.json_adapter import _get_structured_outputs_response_format

    from core.lm.local_engine import _non_empty
    from signatures import ToolAgentStep
    from signatures.tool_use import with_action_names

    schema = _non_empty(_get_structured_outputs_response_format(
        with_action_names(ToolAgentStep, ["get_forecast"])).model_json_schema())
    stop = schema["$defs"]["ToolAction"]["anyOf"][1]["properties"]["arguments"]
    assert stop["maxItems"] == 0 and "minItems" not in stop  # a STOP stays without arguments
    assert llama_grammar.LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False) is not None


def test_tool_call_arguments_are_name_value_pairs_on_the_wire():
    """A closed JSON object of arguments would allow only ``{}`` under strict structured outputs."""
    from dspy.adapters.json_adapter import _get_structured_outputs_response_format

    from signatures import ToolAgentStep
    from signatures.types import ToolAction

    schema = _get_structured_outputs_response_format(ToolAgentStep).model_json_schema()
    arguments = schema["$defs"]["ToolAction"]["properties"]["arguments"]
    assert arguments["type"] == "array"
    pair = schema["$defs"]["ToolArgument"]
    assert pair["required"] == ["name", "value"]
    call = ToolAction(action_type="API_CALL", name="get_forecast",
                      arguments=[{"name": "city", "value": "Porto"}, {"name": "days", "value": 2}])
    assert call.kwargs == {"city": "Porto", "days": 2}
    assert ToolAction(action_type="API_CALL", name="f", arguments={"days": 2}).kwargs == {"days": 2}
