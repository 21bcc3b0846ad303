"""Structured outputs on every kind of endpoint: the mode ``auto`` chooses, what goes over the wire in each
mode (native engine and LiteLLM), re-asks in ``prompt`` mode, the probe, and an unreachable server."""

from __future__ import annotations

import json

import dspy
import pytest
from chat_capture import Server
from dspy.lm15 import Config, Message, Request

from agentinstruct.testing.mock_openai import content_for
from core.config import BudgetConfig, ModelsConfig, ModelSpec
from core.flow.failures import FATAL_REASONS, classify
from core.lm import server_kind
from core.lm.accounting import Accountant
from core.lm.probe import PROBE_SCHEMA, probe, schema_violation
from core.lm.roles import build_lm, build_role_lms, role_structured_modes
from core.lm.structured import CATALOG, choose_mode, prompt_instruction, wire_request
from core.lm.unreachable import EndpointUnreachable

SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"],
          "additionalProperties": False}


@pytest.fixture(autouse=True)
def _one_cache():
    """As in every job (``core.lm.cache.open_request_cache``): DSPy's own cache off, the middleware's only."""
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)


class Ping(dspy.Signature):
    """Answer the question."""

    question: str = dspy.InputField()
    answer: str = dspy.OutputField()


def _metered(spec: ModelSpec, accountant: Accountant | None = None) -> dspy.LM:
    return build_role_lms(ModelsConfig(default=spec), accountant=accountant or Accountant(BudgetConfig()),
                          store=None)["generator"]


def _ask(lm) -> str:
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        return dspy.Predict(Ping)(question="What is the capital of France?").answer


@pytest.mark.parametrize(("owned_by", "mode"), [("me", "json_object"), ("llamacpp", "json_object"),
                                                ("vllm", "json_schema"), ("sglang", "json_schema"),
                                                ("library", "json_schema"), ("someone", "json_schema"),
                                                (None, "json_schema")])
def test_auto_asks_an_openai_compatible_server_which_software_it_is(owned_by, mode):
    with Server(owned_by) as server:
        for model in ("openai/smollm2", "hosted_vllm/smollm2"):
            assert choose_mode(model, "auto", server.url).mode == mode


def test_auto_by_provider_and_explicit_modes():
    assert choose_mode("openai/gpt-4o-mini").mode == "json_schema"
    assert choose_mode("hosted_vllm/Qwen/Qwen2.5-7B").mode == "json_schema"
    assert choose_mode("ollama_chat/llama3.2").mode == "json_schema"  # LiteLLM sends it as Ollama's `format`
    assert choose_mode("anthropic/claude-sonnet-4-5").mode == CATALOG
    assert choose_mode("openai/x", "prompt", "http://127.0.0.1:9/v1") == choose_mode("openai/x", "prompt")
    # A server that is down when the model is built: assumed OpenAI-compatible, and asked again next time.
    server_kind.forget()
    assert choose_mode("openai/x", "auto", "http://127.0.0.1:9/v1").mode == "json_schema"
    assert "http://127.0.0.1:9/v1" not in server_kind._CACHE


def test_wire_request_per_mode():
    fmt = {"type": "json_schema", "name": "out", "schema": SCHEMA, "strict": True}
    request = Request(model="openai/x", messages=(Message.user("hi"),), system="Be brief.",
                      config=Config(response_format=fmt, extensions={"seed": 3}))
    assert wire_request(request, "json_schema") is request
    as_object = wire_request(request, "json_object")
    assert as_object.config.extensions == {"seed": 3, "response_format": {"type": "json_object", "schema": SCHEMA}}
    as_prompt = wire_request(request, "prompt")
    assert as_prompt.config.response_format is None
    assert as_prompt.system == f"Be brief.\n\n{prompt_instruction(SCHEMA)}"
    plain = Request(model="openai/x", messages=(Message.user("hi"),))
    assert all(wire_request(plain, mode) is plain for mode in ("json_object", "prompt"))


@pytest.mark.parametrize("engine", ["native", "litellm"])
@pytest.mark.parametrize(("model", "owned_by", "configured", "sent"), [
    ("openai/smollm2", "me", "auto", "json_object"),           # llama.cpp's server: json_object + schema
    ("hosted_vllm/smollm2", "me", "auto", "json_object"),
    ("openai/smollm2", "vllm", "auto", "json_schema"),         # no catalog entry: DSPy alone sent no schema
    ("hosted_vllm/smollm2", None, "auto", "json_schema"),
    ("openai/smollm2", "me", "prompt", None),
])
def test_what_each_mode_sends_through_each_engine(engine, model, owned_by, configured, sent):
    with Server(owned_by) as server:
        spec = ModelSpec(model=model, api_base=server.url, engine=engine, structured_output=configured)
        answer = _ask(_metered(spec))
        body = server.bodies[-1]
        assert answer == json.loads(content_for(body))["answer"]
    fmt = body.get("response_format")
    if sent is None:
        assert fmt is None
        assert json.dumps(SCHEMA["properties"]["answer"], separators=(",", ":")).strip("{}") \
            in body["messages"][0]["content"]  # the schema is in the system prompt
    elif sent == "json_object":
        assert fmt["type"] == "json_object" and fmt["schema"]["required"] == ["answer"]
    else:
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"]["required"] == ["answer"]


def test_prompt_mode_asks_again_when_the_answer_is_not_json():
    with Server("me", replies=["Paris, of course.", json.dumps({"answer": "Paris"})]) as server:
        accountant = Accountant(BudgetConfig())
        lm = _metered(ModelSpec(model="openai/m", api_base=server.url, structured_output="prompt"), accountant)
        assert _ask(lm) == "Paris"
        assert len(server.bodies) == 2 and accountant.malformed == 1
        assert role_structured_modes({"generator": lm}) == {"generator": "prompt"}


def test_probe_says_whether_the_schema_was_honoured():
    assert schema_violation(PROBE_SCHEMA, {"city": "Paris", "country_code": "FR"}) is None
    assert "not one of" in schema_violation(PROBE_SCHEMA, {"city": "Paris", "country_code": "France"})
    assert "unexpected" in schema_violation(PROBE_SCHEMA, {"city": "P", "country_code": "FR", "x": 1})
    assert "missing" in schema_violation(PROBE_SCHEMA, {"capital": "Paris"})
    models = ModelsConfig()
    with Server("me", replies=[json.dumps({"city": "Paris", "country_code": "FR"}), "The capital is Paris."]) as s:
        good = probe(build_lm(ModelSpec(model="openai/m", api_base=s.url), models))
        assert (good.mode, good.why, good.answered, good.honoured) == ("json_object", "llama.cpp server", True, True)
        assert s.bodies[0]["response_format"]["schema"] == PROBE_SCHEMA
        ignored = probe(build_lm(ModelSpec(model="openai/m", api_base=s.url, structured_output="prompt"), models))
        assert ignored.answered and ignored.honoured is False and ignored.detail.startswith("not JSON")
    down = probe(build_lm(ModelSpec(model="openai/m", api_base="http://127.0.0.1:9/v1", num_retries=0), models))
    assert not down.answered and down.detail.startswith("unreachable")


@pytest.mark.parametrize("engine", ["native", "litellm"])
def test_a_refused_connection_is_unreachable_and_fatal(engine):
    lm = build_lm(ModelSpec(model="openai/m", api_base="http://127.0.0.1:9/v1", engine=engine, num_retries=1),
                  ModelsConfig())
    with pytest.raises(EndpointUnreachable) as caught:
        _ask(lm)
    assert classify(caught.value) == "unreachable" in FATAL_REASONS
