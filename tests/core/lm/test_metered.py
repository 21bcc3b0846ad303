"""The LM middleware (generate, compile, tune): request cache, call counting, budgets, rollout ids, failures
never cached."""

import dspy
import pytest
from dummies import make_dummy

from core.lm.accounting import Accountant, BudgetConfig, BudgetExhausted
from core.lm.metered import metered
from core.lm.request_store import RequestStore
from signatures import JudgeQuality


class Failing:
    """An engine whose first ``n`` calls fail."""

    def __init__(self, n: int):
        self.n, self.dummy = n, make_dummy()

    def complete(self, request):
        if self.n > 0:
            self.n -= 1
            raise RuntimeError("provider down")
        return self.dummy(request)


class Answering:
    """An engine answering like ``make_dummy(**answers)`` (for LMs with their own name and settings)."""

    def __init__(self, **answers):
        self.dummy = make_dummy(**answers)

    def complete(self, request):
        return self.dummy(request)


def ask(lm, request="q"):
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        return dspy.Predict(JudgeQuality)(rubric="r", request=request, response="a")


@pytest.fixture
def store(tmp_path):
    s = RequestStore(tmp_path / "requests.sqlite")
    yield s
    s.close()


def test_a_repeated_request_is_served_from_the_store_even_after_a_restart(tmp_path, store):
    inner, meter = make_dummy(), Accountant()
    lm = metered(inner, meter, store)
    assert ask(lm).score == 8 and ask(lm).score == 8
    assert len(inner.history) == 1 and meter.calls == 1 and meter.cache_hits == 1
    store.close()
    reopened, other = RequestStore(tmp_path / "requests.sqlite"), make_dummy()
    assert ask(metered(other, Accountant(), reopened)).rationale == "Grounded and correct."
    assert other.history == []
    reopened.close()


def test_a_failed_call_is_counted_and_never_cached(store):
    meter = Accountant()
    lm = metered(dspy.LM("dummy", engine=Failing(1), temperature=0.0, max_tokens=1000, cache=False), meter, store)
    with pytest.raises(Exception, match="provider down"):
        ask(lm)
    assert len(store) == 0 and meter.failed_calls == 1
    assert ask(lm).score == 8  # asked again for real, not served a failure
    assert meter.calls == 1 and len(store) == 1


def test_the_budget_stops_before_the_call_and_cache_hits_stay_free(store):
    inner, meter = make_dummy(), Accountant(BudgetConfig(max_calls=2))
    lm = metered(inner, meter, store)
    ask(lm, "a"), ask(lm, "b")
    with pytest.raises(BudgetExhausted, match="call budget of 2"):
        ask(lm, "c")
    assert len(inner.history) == 2 and meter.exhausted
    assert ask(lm, "a").score == 8  # a cache hit costs nothing


def test_budget_exceeded_passes_through_dspy_error_handling(store):
    lm = metered(make_dummy(), Accountant(BudgetConfig(max_calls=0)), store)
    program = dspy.Predict(JudgeQuality)
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()), pytest.raises(BudgetExhausted):
        dspy.Evaluate(devset=[dspy.Example(rubric="r", request="q", response="a").with_inputs(
            "rubric", "request", "response")], metric=lambda e, p, t=None: 1.0, num_threads=1)(program)


def test_held_back_calls_are_kept_for_later(store):
    meter = Accountant(BudgetConfig(max_calls=3))
    lm = metered(make_dummy(), meter, store)
    with meter.hold_back(calls=2):
        ask(lm, "a")
        with pytest.raises(BudgetExhausted, match="2 held back"):
            ask(lm, "b")
    ask(lm, "b"), ask(lm, "c")
    assert meter.calls == 3


def test_copies_with_a_rollout_id_get_fresh_answers(store):
    inner = make_dummy()
    lm = metered(inner, Accountant(), store)
    ask(lm), ask(lm.copy(rollout_id=1, temperature=1.0)), ask(lm.copy(rollout_id=2, temperature=1.0))
    ask(lm.copy(rollout_id=2, temperature=1.0))
    assert len(inner.history) == 3


def test_capabilities_and_settings_are_the_inner_models(store):
    inner = make_dummy()
    lm = metered(inner, Accountant(), store)
    assert lm.model == "dummy" and lm.kwargs["temperature"] == 0.0 and lm.kwargs["max_tokens"] == 1000
    assert lm.supports_response_schema is inner.supports_response_schema is False


def test_the_cost_budget_stops_the_call_after_the_one_that_reached_it():
    meter = Accountant(BudgetConfig(max_cost_usd=0.01))
    for _ in range(2):
        meter.reserve("m")
        meter.settle("m", ok=True, prompt_tokens=10, completion_tokens=5, reported_cost=0.005)
    with pytest.raises(BudgetExhausted, match=r"cost budget of \$0.01"):
        meter.reserve("m")
    assert meter.exhausted and meter.snapshot()["cost_usd"] == pytest.approx(0.01)
    assert meter.snapshot()["tokens"] == 30


def test_a_hosted_model_is_priced_from_its_usage_and_a_local_one_costs_nothing():
    from dspy.lm15 import Message, Response, TextPart, Usage

    from core.lm.metered import _price

    response = Response(id="r", model="gpt-4o-mini", message=Message(role="assistant", parts=[TextPart(text="hi")]),
                        finish_reason="stop", usage=Usage(input_tokens=1_000_000, output_tokens=0))
    assert _price(dspy.LM("openai/gpt-4o-mini"), response) > 0  # LiteLLM's price table, offline
    assert _price(make_dummy(), response) is None  # a custom engine has no price
    assert Accountant()._cost("local/smollm2", 10, 10, None) == 0.0  # a local model costs nothing


class Served:
    """A LiteLLM-style model on a server of its own: a name, ``api_base`` and key among its settings."""

    model, model_type, supported_params = "dummy", "chat", ()
    supports_response_schema = supports_function_calling = supports_reasoning = False

    def __init__(self, api_base: str, **answers):
        self.kwargs = {"api_base": api_base, "api_key": "sk-secret", "temperature": 0.0, "max_tokens": 1000}
        self.dummy = make_dummy(**answers)

    def __call__(self, request):
        return self.dummy(request)


def test_two_servers_of_one_model_name_are_cached_apart_and_no_key_is_stored(store):
    meter = Accountant()
    lm_a, lm_b = (metered(Served(base, score=score), meter, store)
                  for base, score in (("http://a:8000/v1", 2), ("http://b:8000/v1", 9)))
    assert ask(lm_a).score == 2 and ask(lm_b).score == 9 and ask(lm_a).score == 2
    assert meter.calls == 2 and meter.cache_hits == 1 and len(store) == 2
    assert "api_key" not in lm_a.kwargs and "api_base" not in lm_a.kwargs
    store.close()
    assert b"sk-secret" not in store.path.read_bytes()
