"""Pins of the private DSPy behaviour that ``core.dspy_internals`` relies on (one test per entry).

When a DSPy upgrade breaks one of these, the fix goes in ``core/dspy_internals.py`` (its docstring lists
the public alternative for each entry), not in the modules that use it.
"""

from __future__ import annotations

import importlib
import inspect

import dspy
from dspy.lm15 import Message, Request, Response, TextPart, Usage
from dspy.teleprompt import BootstrapFewShot, MIPROv2
from dummies import make_dummy

from core import dspy_internals
from core.lm import model_metadata_cache
from core.lm.compact_adapter import CompactJSONAdapter
from signatures import GenerateInstruction


def test_1_requests_and_responses_round_trip_through_plain_data():
    request = Request(model="m", messages=[Message.user("hi")])
    as_dict = dspy_internals.request_to_dict(request)
    assert isinstance(as_dict, dict) and "messages" in as_dict
    response = Response(id="r", model="m", message=Message(role="assistant", parts=[TextPart(text="hello")]),
                        finish_reason="stop", usage=Usage(input_tokens=3, output_tokens=1))
    again = dspy_internals.response_from_dict(dspy_internals.response_to_dict(response))
    assert again.message.parts[0].text == "hello" and again.usage.input_tokens == 3


def test_2_json_adapter_prepares_the_response_format_through_the_hooked_method():
    params = list(inspect.signature(dspy.JSONAdapter._prepare_response_format).parameters)
    assert params == ["self", "lm", "lm_kwargs", "signature"]
    seen = []

    class Probe(dspy_internals.ResponseFormatHook):
        def adjust_response_format(self, lm_kwargs):
            seen.append(lm_kwargs.get("response_format"))

    lm = dspy.LM("dummy", engine=_SchemaEngine(), cache=False)  # the name the answering DummyLM has
    with dspy.context(lm=lm, adapter=Probe()):
        dspy.Predict(GenerateInstruction)(passage="Bees make honey from nectar.")
    assert seen and seen[0] is not None  # the schema JSONAdapter built was handed to the public hook
    assert issubclass(CompactJSONAdapter, dspy_internals.ResponseFormatHook)


def test_3_an_lm_keeps_the_engine_it_was_built_with():
    engine = _SchemaEngine()
    assert dspy_internals.engine_spec(dspy.LM("local/probe", engine=engine)) is engine
    assert dspy_internals.engine_spec(None) is None


def test_4_model_info_is_shared_by_the_three_modules_and_memoized_once_installed():
    modules = [importlib.import_module(name) for name in dspy_internals.MODEL_INFO_USERS]
    infos = {id(m.model_info) for m in modules}
    assert len(infos) == 1  # one function, imported by name into each module
    assert model_metadata_cache.install() is True
    fast = modules[0].model_info
    assert all(m.model_info is fast for m in modules) and hasattr(fast, "cache_info")
    first = fast("openai", "gpt-4o-mini")
    first["mutated"] = True  # callers get copies: a caller's edit never reaches the memo
    assert "mutated" not in fast("openai", "gpt-4o-mini")
    assert fast.cache_info().hits >= 1


def test_5_the_optimizer_hooks_exist_with_the_signatures_the_budgeted_optimizers_override():
    assert list(inspect.signature(MIPROv2._log_normal_eval).parameters) == [
        "self", "score", "best_score", "chosen_params", "score_data", "trial", "num_trials", "trial_logs",
        "trial_num", "valset", "batch_size", "candidate_program", "total_eval_calls"]
    assert callable(MIPROv2._perform_full_evaluation)
    params = inspect.signature(BootstrapFewShot._bootstrap).parameters
    assert "max_bootstraps" in params and params["max_bootstraps"].kind is inspect.Parameter.KEYWORD_ONLY
    assert issubclass(dspy_internals.BudgetedMIPROv2, MIPROv2)
    assert issubclass(dspy_internals.BudgetedBootstrap, BootstrapFewShot)


class _SchemaEngine:
    """An engine that says it decodes JSON schemas and answers like the suite's DummyLM."""

    supports_response_schema = True
    supports_function_calling = supports_reasoning = False
    supported_params = frozenset({"response_format", "temperature", "max_tokens"})

    def __init__(self):
        self.dummy = make_dummy()

    def complete(self, request):
        return self.dummy(request)


def test_6_structured_output_models_are_built_once_per_signature_and_never_mutated():
    from dspy.adapters import json_adapter

    assert dspy_internals.memoize_structured_outputs() is True
    build = json_adapter._get_structured_outputs_response_format
    first = build(GenerateInstruction, True)
    assert build(GenerateInstruction, True) is first  # memoized
    schema = first.model_json_schema()
    assert schema["required"] == list(GenerateInstruction.output_fields)
    # the compact adapter floors its own subclass: the shared model's schema keeps no minLength
    kwargs = {"response_format": first}
    CompactJSONAdapter().adjust_response_format(kwargs)
    assert kwargs["response_format"] is not first
    assert "minLength" in str(kwargs["response_format"].model_json_schema())
    assert "minLength" not in str(first.model_json_schema())


def test_7_a_request_becomes_the_chat_completions_body_dspy_sends():
    request = Request(model="openai/m", messages=[Message.user("hi")], system="Be brief.")
    body = dspy_internals.openai_chat_body(request)
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    assert "model" not in body and "stream" not in body


def test_6b_a_signature_rebuilt_per_call_with_new_instructions_hits_the_structured_output_memo():
    from dspy.adapters import json_adapter

    from signatures.specialize import specialize

    assert dspy_internals.memoize_structured_outputs() is True
    build = json_adapter._get_structured_outputs_response_format
    stats = build.stats
    first = build(specialize(GenerateInstruction, "agent prose 0"), True)
    hits, misses = stats["hits"], stats["misses"]
    for i in range(1, 51):  # what a skill does per call: a new class, the same output fields
        assert build(specialize(GenerateInstruction, f"agent prose {i}"), True) is first
    assert stats["hits"] - hits == 50 and stats["misses"] == misses  # hit rate 100%
    # a new description is the same model (descriptions are not in it); a new annotation is its own entry
    name = next(iter(GenerateInstruction.output_fields))
    assert build(GenerateInstruction.with_updated_fields(name, desc="other"), True) is first
    other = build(GenerateInstruction.with_updated_fields(name, type_=int), True)
    assert other is not first and other.model_json_schema()["properties"][name]["type"] == "integer"


def test_8_dspy_formats_values_through_one_type_adapter_per_type():
    import pydantic
    from dspy.adapters import utils

    assert dspy_internals.memoize_type_adapters() is True
    assert dspy_internals.memoize_type_adapters() is True  # idempotent
    memo = utils.TypeAdapter
    assert getattr(memo, "__agentinstruct_memo__", False) and memo.original is pydantic.TypeAdapter
    assert "TypeAdapter(type(value))" in inspect.getsource(utils.serialize_for_json)  # the name DSPy calls

    class Item(pydantic.BaseModel):
        name: str

    before = memo.stats["misses"]
    assert utils.serialize_for_json(Item(name="a")) == {"name": "a"}
    for value in (Item(name="b"), Item(name="c")):
        assert utils.serialize_for_json(value) == {"name": value.name}
    assert memo.stats["misses"] - before == 1 and memo.cache[Item] is memo(Item)
    assert utils.serialize_for_json({"k": [1, 2]}) == {"k": [1, 2]}
    assert memo(list[int], config=None).validate_python([1]) == [1]  # other arguments: built as before


def test_9_the_native_transport_reads_proxy_settings_through_a_memo_that_sees_changes(monkeypatch):
    import urllib.request

    from dspy._vendor.lm15.transports import _proxy

    if urllib.request.getproxies is not urllib.request.getproxies_environment:
        assert dspy_internals.memoize_proxy_lookup() is False  # system proxy settings: left alone
        return
    assert "getproxies()" in inspect.getsource(_proxy.proxy_route_for)
    assert dspy_internals.memoize_proxy_lookup() is True
    assert dspy_internals.memoize_proxy_lookup() is True
    assert _proxy.getproxies.__wrapped__ is urllib.request.getproxies_environment
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    parsed = _proxy.parse_url("http://127.0.0.1:9/v1")
    assert _proxy.proxy_route_for(parsed, proxy=None, trust_env=True) is None
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "")
    route = _proxy.proxy_route_for(_proxy.parse_url("http://example.invalid/v1"), proxy=None, trust_env=True)
    assert route is not None and route.host == "proxy.invalid" and route.port == 3128


def test_10_a_request_runs_through_dspy_execution_without_the_lm_layer():
    from dspy.clients import execution
    from dspy.clients.call_result import CallResult

    assert list(inspect.signature(execution.prepare).parameters)[:4] == ["lm", "prompt", "messages", "kwargs"]
    assert list(inspect.signature(execution.execute).parameters) == ["lm", "call"]
    assert callable(CallResult.typed)
    lm = dspy.LM("dummy", engine=_SchemaEngine(), cache=False)
    request = Request(model="dummy", messages=[Message.user("hi")])
    response = dspy_internals.complete_request(lm, request)
    assert isinstance(response, Response) and lm.history == []  # answered, and no LM-layer history


def test_11_the_native_route_is_selected_once_per_lm():
    from dspy.clients import backend_selection, execution

    assert dspy_internals.memoize_backend_selection() is True
    assert dspy_internals.memoize_backend_selection() is True
    select = execution.select_backend
    assert select.__wrapped__ is backend_selection.select_backend
    lm = dspy.LM("openai/gpt-4o-mini", engine="lm15", api_key="k", api_base="http://127.0.0.1:9/v1", cache=False)
    first = select(lm, {"model": lm.model})
    hits = select.stats["hits"]
    assert select(lm, {"model": lm.model}) is first and select.stats["hits"] == hits + 1
    assert first.native and first.clients["api_base"] == "http://127.0.0.1:9/v1"
    lm.kwargs["api_base"] = "http://127.0.0.1:10/v1"  # changed client settings: selected again
    assert select(lm, {"model": lm.model}).clients["api_base"] == "http://127.0.0.1:10/v1"
    auto = dspy.LM("openai/gpt-4o-mini", api_key="k", cache=False)  # engine="auto" reads the environment
    before = dict(select.stats)
    select(auto, {"model": auto.model})
    assert select.stats == before and "_agentinstruct_selection" not in vars(auto)


def test_12_a_schema_is_reshaped_for_strict_mode_once_per_schema_object():
    from dspy.clients import legacy_requests

    assert dspy_internals.memoize_strict_schemas() is True
    strict = legacy_requests._strict_json_schema
    assert "from dspy.clients.legacy_requests import _strict_json_schema" in inspect.getsource(
        importlib.import_module("dspy.clients.execution")._canonical)
    schema = {"type": "object", "properties": {"a": {"type": "string", "default": None}}}
    first = strict(schema)
    assert first == strict.__wrapped__(schema) and first["required"] == ["a"] and first["additionalProperties"] is False
    assert strict(schema) is first  # the same object: served from the memo
    assert strict(dict(schema)) is not first and strict(dict(schema)) == first  # another object: computed


def test_11b_the_route_a_call_is_priced_by_is_resolved_once_per_lm():
    from dspy.clients import capabilities

    assert "from dspy.clients.capabilities import resolve" in inspect.getsource(
        importlib.import_module("dspy.clients.execution")._price_result)
    assert dspy_internals.memoize_route_resolution() is True
    assert dspy_internals.memoize_route_resolution() is True
    resolve = capabilities.resolve
    lm = dspy.LM("openai/gpt-4o-mini", engine="lm15", api_key="k", cache=False)
    first = resolve(lm)
    assert first == resolve.__wrapped__(lm) and first.model == "gpt-4o-mini"
    hits = resolve.stats["hits"]
    assert resolve(lm) is first and resolve.stats["hits"] == hits + 1
    lm.model = "openai/gpt-4o"  # another model: resolved again
    assert resolve(lm).model == "gpt-4o"


def test_10b_a_later_request_reuses_the_first_preparation_as_dspy_would_prepare_it():
    from dataclasses import fields

    from dspy.clients import execution

    lm = dspy.LM("dummy", engine=_SchemaEngine(), cache=False)
    first = Request(model="dummy", messages=[Message.user("hi")])
    dspy_internals.complete_request(lm, first, cache=False)
    template = vars(lm)["_agentinstruct_prepared"][1]
    assert {f.name for f in fields(template)} == {"prompt", "messages", "kwargs", "legacy", "request", "cache", "n",
                                                  "managed"}
    second = Request(model="dummy", messages=[Message.user("again")])
    prepared = execution.prepare(lm, second, None, {"cache": False})
    assert (template.prompt, template.messages, template.kwargs, template.legacy, template.cache, template.n,
            template.managed) == (prepared.prompt, prepared.messages, prepared.kwargs, prepared.legacy,
                                  prepared.cache, prepared.n, prepared.managed)
    assert isinstance(dspy_internals.complete_request(lm, second, cache=False), Response)
    wrong = Request(model="other", messages=[Message.user("hi")])
    try:
        dspy_internals.complete_request(lm, wrong, cache=False)  # not the LM's model: DSPy's prepare refuses it
    except ValueError as exc:
        assert "model" in str(exc)
    else:
        raise AssertionError("a request for another model was accepted")
