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
