"""Tool use: API libraries, the trace protocol, call validation, and the program on scripted models."""

import json
from pathlib import Path

import dspy
import pytest
from dspy.utils import DummyLM
from dummies import ALL_FIELDS

from core.flow.plan import PathPlan, UnitPlan
from core.records import Message, Record
from core.seeds import SeedDoc, SeedKind, sha256_text
from core.taxonomy import load_skills
from programs.special import api_schema
from programs.special.tool_use import ToolUseProgram
from programs.special.trace import ApiCall, Stop, TraceError, parse_action, render_step, validate_trace
from signatures.types import ToolAction

SPEC = load_skills()["tool_use"]
API_DIR = Path(__file__).resolve().parents[2] / "examples" / "seeds" / "api"
WEATHER = (API_DIR / "weather_tools.json").read_text()
APIS = api_schema.parse_apis(WEATHER)


def _seed(text: str, kind: SeedKind = SeedKind.API) -> SeedDoc:
    return SeedDoc(id="s", text=text, source="s", sha256=sha256_text(text), kind=kind)


def _call(name: str, **arguments) -> dict:
    return {"action_type": "API_CALL", "name": name, "arguments": arguments, "value": "-"}


def _stop(kind: str, value: str) -> dict:
    return {"action_type": "STOP", "name": kind, "arguments": {}, "value": value}


def _scripted(first: dict, then: dict) -> DummyLM:
    """The assistant takes ``first`` until an API result (which mentions high_c) is in the conversation."""
    return DummyLM({"high_c": {**ALL_FIELDS, "action": then}, "": {**ALL_FIELDS, "action": first}},
                   adapter=dspy.JSONAdapter())


def _run(lm, itype="single_api_all_params", seed_text=WEATHER, transformation="api_description"):
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        return ToolUseProgram(SPEC).run_plan(UnitPlan([PathPlan(transformation, [itype], [])], 1, 1),
                                             _seed(seed_text))


# -- libraries ------------------------------------------------------------------------------------------
def test_function_tool_lists_are_read_with_required_parameters_and_enums():
    by_name = {a.name: a for a in APIS}
    assert {"get_current_weather", "get_forecast", "get_air_quality"} <= set(by_name)
    params = {p.name: p for p in by_name["get_forecast"].parameters}
    assert params["location"].required and params["location"].type == "string"
    assert params["days"].type == "integer" and not params["days"].required
    assert params["units"].enum == ["metric", "imperial"]


def test_openapi_operations_become_apis_with_path_query_and_body_parameters():
    apis = {a.name: a for a in api_schema.parse_apis((API_DIR / "library_openapi.json").read_text())}
    assert "searchBooks" in apis and "getBook" in apis
    search = {p.name: p for p in apis["searchBooks"].parameters}
    assert search["q"].required and search["limit"].type == "integer" and search["available_only"].type == "boolean"
    assert [p.name for p in apis["getBook"].parameters if p.required] == ["isbn"]


def test_rendered_library_parses_back_to_the_same_apis():
    assert api_schema.parse_apis(api_schema.render(APIS)) == APIS
    with pytest.raises(api_schema.ApiSeedError):
        api_schema.parse_apis("def f(x): return x")


def test_call_validation_names_every_problem():
    assert api_schema.call_problems(APIS, "get_forecast", {"location": "Lisbon", "days": 3}) == []
    assert "unknown API 'get_tides'" in api_schema.call_problems(APIS, "get_tides", {})[0]
    assert api_schema.call_problems(APIS, "get_forecast", {"days": 3}) == [
        "get_forecast: missing required parameter 'location'"]
    problems = api_schema.call_problems(APIS, "get_forecast", {"location": "Lisbon", "days": "3", "mood": "x",
                                                               "units": "kelvin"})
    assert any("'days' must be integer" in p for p in problems)
    assert any("unknown parameter 'mood'" in p for p in problems)
    assert any("'units' must be one of" in p for p in problems)


def test_hidden_apis_are_chosen_stably_and_never_all():
    visible, hidden = api_schema.split_hidden(APIS, 1)
    assert len(hidden) == 1 and hidden[0] not in visible and len(visible) == len(APIS) - 1
    assert api_schema.split_hidden(list(APIS), 1) == (visible, hidden)


# -- protocol -------------------------------------------------------------------------------------------
def test_actions_render_in_the_paper_protocol_and_parse_back():
    action = ToolAction(**_call("get_forecast", location="Porto, Portugal", days=2, tags=["a", "b"]))
    text = render_step("Let me check.", action)
    assert "ACTION_TYPE : API_CALL\nACTION: get_forecast(location=\"Porto, Portugal\", days=2" in text
    assert parse_action(text) == ApiCall("get_forecast", {"location": "Porto, Portugal", "days": 2,
                                                          "tags": ["a", "b"]})
    stop = render_step("", ToolAction(**_stop("FAILED", 'No "tides" API.')))
    assert parse_action(stop) == Stop("FAILED", 'No "tides" API.')
    assert parse_action("ACTION_TYPE : API_CALL\nACTION: Create Meal Plan(goal=1500, vegan=True)") == ApiCall(
        "Create Meal Plan", {"goal": 1500, "vegan": True})


def _trace(*assistant_turns: str) -> list[dict]:
    messages = [{"role": "system", "content": "protocol"}, {"role": "user", "content": "task"}]
    for i, turn in enumerate(assistant_turns):
        if i:
            messages.append({"role": "user", "content": '{"high_c": 20}'})
        messages.append({"role": "assistant", "content": turn})
    return messages


CALL_OK = "ACTION_TYPE : API_CALL\nACTION: get_forecast(location=\"Lisbon\")"
FINAL = "ACTION_TYPE : STOP\nACTION: FINAL_ANSWER(\"20 C\")"


def test_a_valid_trace_passes_and_broken_ones_are_refused_with_reasons():
    summary = validate_trace(_trace(CALL_OK, FINAL), APIS, "FINAL_ANSWER", 1)
    assert summary.calls == [ApiCall("get_forecast", {"location": "Lisbon"})] and summary.stop.kind == "FINAL_ANSWER"
    cases = {
        "unknown API": _trace("ACTION_TYPE : API_CALL\nACTION: get_tides(location=\"Lisbon\")", FINAL),
        "missing required parameter 'location'": _trace("ACTION_TYPE : API_CALL\nACTION: get_forecast(days=2)",
                                                         FINAL),
        "last assistant turn must be a STOP": _trace(CALL_OK),
        "needs at least 1": _trace(FINAL),
        "exactly one action block": _trace("I think it is sunny.", FINAL),
    }
    for expected, messages in cases.items():
        with pytest.raises(TraceError, match=expected):
            validate_trace(messages, APIS, "FINAL_ANSWER", 1)
    with pytest.raises(TraceError, match="calls for a FAILED stop"):
        validate_trace(_trace(CALL_OK, FINAL), APIS, "FAILED")


# -- the program ----------------------------------------------------------------------------------------
def test_program_produces_a_multi_turn_trace_with_simulated_results():
    outcome = _run(_scripted(_call("get_forecast", location="Lisbon", days=1), _stop("FINAL_ANSWER", "21 C")))
    assert outcome.failures == []
    (example,) = outcome.examples
    assert [m["role"] for m in example.messages] == ["system", "user", "assistant", "user", "assistant"]
    assert "Below is a list of APIs that you have access to:" in example.messages[0]["content"]
    assert json.loads(example.messages[3]["content"])["forecast"][0]["high_c"] == 21
    assert example.metadata == {"api_calls": "1", "stop": "FINAL_ANSWER"}
    assert example.agents[-2:] == ["assistant", "api_simulator"]
    Record(id="r", skill="tool_use", subcategory=example.subcategory,
           messages=[Message(**m) for m in example.messages],
           lineage={"seed_id": "s", "seed_sha256": "0" * 64, "seed_source": "s", "instruction_type": "x",
                    "program_hash": "h"})


@pytest.mark.parametrize(("action", "expected"), [
    (_call("get_tides", location="Lisbon"), "unknown API 'get_tides'"),
    (_call("get_forecast", days=2), "missing required parameter 'location'"),
])
def test_a_trace_with_a_bad_call_is_rejected_with_a_reason(action, expected):
    lm = _scripted(action, _stop("FINAL_ANSWER", "21 C"))
    outcome = _run(lm)
    assert outcome.examples == []
    (failure,) = outcome.failures
    assert (failure.stage, failure.agent, failure.reason) == ("respond", "single_api_all_params", "validation")
    assert expected in failure.excerpt
    assert not any("[[ ## call ## ]]" in m["content"] for c in lm.history for m in c["messages"])  # no simulation


def test_a_trace_that_never_stops_is_rejected():
    outcome = _run(_scripted(_call("get_forecast", location="Lisbon"), _call("get_forecast", location="Rome")))
    assert [f.reason for f in outcome.failures] == ["validation"]
    assert "no STOP within 6 steps" in outcome.failures[0].excerpt


def test_api_not_listed_family_hides_an_api_from_the_assistant_but_shows_it_to_the_generator():
    lm = _scripted(_stop("FAILED", "No suitable API is available."), _stop("FAILED", "-"))
    outcome = _run(lm, itype="api_not_listed")
    (example,) = outcome.examples
    _, hidden = api_schema.split_hidden(APIS, 1)
    assert f'"name": "{hidden[0].name}"' not in example.messages[0]["content"]
    generator_prompt = lm.history[0]["messages"][-1]["content"]
    assert "does NOT have" in generator_prompt and hidden[0].name in generator_prompt


def test_code_seeds_are_turned_into_a_library_by_the_reconstruction_agent():
    lm = _scripted(_stop("FAILED", "The city is missing."), _stop("FAILED", "-"))
    outcome = _run(lm, itype="single_api_missing_params", seed_text="def pollen(city): ...",
                   transformation="api_from_code")
    (example,) = outcome.examples
    assert '"name": "get_pollen_count"' in example.messages[0]["content"]
    assert "seed_text" in lm.history[0]["messages"][-1]["content"]
