"""One ``dspy.LM`` layer per metered call: the middleware calls a remote model's ``complete_request``
(limits, retries, structured-output shaping, unreachable errors) instead of ``inner(request)``, with the
same outcome: same answers, same requests on the wire, same accounting."""

from __future__ import annotations

import socket

import dspy
import pytest
from dspy.utils.callback import BaseCallback

from agentinstruct.testing.mock_openai import Faults, MockOpenAIServer
from core.lm import metered as metering
from core.lm.accounting import Accountant
from core.lm.endpoint_lm import EndpointLM
from core.lm.limiter import ModelLimiter
from core.lm.metered import MeteredEngine, metered
from core.lm.structured import ModeChoice
from core.lm.unreachable import EndpointUnreachable
from signatures import JudgeQuality


class CountLMCalls(BaseCallback):
    """Counts ``on_lm_start`` per LM object."""

    def __init__(self):
        self.starts: dict[int, int] = {}

    def on_lm_start(self, call_id, instance, inputs):
        self.starts[id(instance)] = self.starts.get(id(instance), 0) + 1


def _endpoint(url: str, mode: str = "json_schema", retries: int = 2) -> EndpointLM:
    lm = EndpointLM("openai/mock-model", structured_output=ModeChoice(mode, "test"),
                    limiter=ModelLimiter("mock", ceiling=4), retries=retries, api_base=url, api_key="mock-key",
                    timeout=10, cache=False, engine="lm15")
    lm._wait = lambda seconds: None  # retries without sleeping
    return lm


def _ask_all(lm, n: int, callbacks=()) -> list:
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter(), callbacks=list(callbacks)):
        return [dspy.Predict(JudgeQuality)(rubric="r", request=f"question {i}", response="a") for i in range(n)]


def _run(faults: Faults, direct: bool, monkeypatch, mode: str = "json_schema"):
    if not direct:
        monkeypatch.setattr(metering, "_direct_caller", lambda inner: None)
    with MockOpenAIServer(latency_s=0.0, faults=faults, max_seconds=60) as server:
        inner = _endpoint(server.url, mode)
        accountant = Accountant()
        lm = metered(inner, accountant, store=None)
        counter = CountLMCalls()
        answers = _ask_all(lm, 6, [counter])
        stats = dict(server.stats.by_status)
    monkeypatch.undo()
    snap = accountant.snapshot()
    return answers, snap, stats, counter.starts.get(id(lm), 0), counter.starts.get(id(inner), 0), inner, lm


@pytest.mark.parametrize("mode", ["json_schema", "json_object", "prompt"])
def test_the_direct_path_answers_and_accounts_as_the_two_layer_path(monkeypatch, mode):
    # every request's first attempt is a 429: each call is retried once by the limiter loop
    faults = Faults(rate_limit=1.0, retry_after_s=None, fail_attempts=1)
    direct = _run(faults, True, monkeypatch, mode)
    layered = _run(Faults(rate_limit=1.0, retry_after_s=None, fail_attempts=1), False, monkeypatch, mode)
    assert isinstance(direct[6].engine, MeteredEngine) and direct[6].engine._complete == direct[5].complete_request
    assert [a.toDict() for a in direct[0]] == [a.toDict() for a in layered[0]]
    assert direct[1] == layered[1] and direct[1]["calls"] == 6 and direct[1]["failed_calls"] == 0
    assert direct[2] == layered[2] and direct[2][429] == 6  # the same requests on the wire
    assert direct[3] == layered[3] == 6  # the middleware's layer: once per call either way
    assert layered[4] == 12 and direct[4] == 0  # the inner dspy.LM layer ran per attempt before, not now
    assert direct[5].history == [] and len(layered[5].history) == 6
    assert direct[5].limiter.stats.decreases == layered[5].limiter.stats.decreases


def test_malformed_answers_are_asked_again_on_the_direct_path(monkeypatch):
    faults = Faults(malformed=1.0, fail_attempts=1)  # each request's first answer is cut in half
    answers, snap, stats, *_ = _run(faults, True, monkeypatch)
    assert len(answers) == 6 and stats[200] == 12  # each first answer refused and asked again
    assert snap["malformed"] == 6 and snap["calls"] == 12


def test_a_refused_connection_is_reported_as_unreachable_on_the_direct_path():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    inner = _endpoint(f"http://127.0.0.1:{port}/v1", retries=0)
    lm = metered(inner, Accountant(), store=None)
    assert lm.engine._complete == inner.complete_request
    with pytest.raises(EndpointUnreachable):
        lm.engine.complete(dspy.lm15.Request(model=inner.model, messages=[dspy.lm15.Message.user("hi")]))


def test_a_subclass_with_its_own_call_is_called_as_before():
    class Own(EndpointLM):
        def __call__(self, prompt=None, *, messages=None, **kwargs):
            return super().__call__(prompt, messages=messages, **kwargs)

    lm = Own("openai/mock-model", structured_output=ModeChoice("json_schema", "test"),
             limiter=ModelLimiter("mock"), api_base="http://127.0.0.1:9/v1", api_key="k", engine="lm15")
    assert metering._direct_caller(lm) is None
    assert metered(lm, Accountant(), store=None).engine._complete is lm


def test_dspy_own_request_cache_is_not_consulted_under_the_middleware(monkeypatch):
    touched = []
    monkeypatch.setattr(dspy.cache, "get", lambda *a, **k: touched.append("get"))
    monkeypatch.setattr(dspy.cache, "put", lambda *a, **k: touched.append("put"))
    with MockOpenAIServer(latency_s=0.0, max_seconds=60) as server:
        inner = _endpoint(server.url)
        inner.cache = True  # even an inner LM built with DSPy's cache on: the middleware's store is the one cache
        _ask_all(metered(inner, Accountant(), store=None), 2)
    assert touched == []
