"""The model-metadata memo hands every caller its own copy: equal to the lookup's answer, never shared."""

from __future__ import annotations

from core.lm.model_metadata_cache import memoized


def _lookup():
    calls = []

    def lookup(provider, model, *, namespaces=None):
        calls.append((provider, model, namespaces))
        return {"max_tokens": 16384, "input_cost_per_token": 1.5e-07, "supports_response_schema": True,
                "mode": "chat", "search_context_cost_per_query": {"low": 0.025, "tiers": [1, 2]}}

    return lookup, calls


def test_the_lookup_runs_once_per_key_and_every_answer_equals_it():
    lookup, calls = _lookup()
    fast = memoized(lookup)
    first, second = fast("openai", "m"), fast("openai", "m")
    assert first == second == lookup("openai", "m")
    assert len(calls) == 2  # one for the memo, one for the comparison above
    assert fast("openai", "m", namespaces=["openai"]) == first and len(calls) == 3
    assert fast.cache_info().hits >= 1


def test_no_edit_of_a_copy_reaches_the_memo_or_another_caller():
    lookup, _ = _lookup()
    fast = memoized(lookup)
    first = fast("openai", "m")
    first["mode"] = "changed"
    first["added"] = 1
    first["search_context_cost_per_query"]["low"] = 99
    first["search_context_cost_per_query"]["tiers"].append(3)
    again = fast("openai", "m")
    assert again == lookup("openai", "m")
    assert again is not first and again["search_context_cost_per_query"] is not first["search_context_cost_per_query"]


def test_an_edit_of_the_lookups_own_answer_does_not_reach_the_memo():
    shared = {"nested": {"a": 1}, "x": 1}
    fast = memoized(lambda provider, model, namespaces=None: shared)
    assert fast("p", "m") == {"nested": {"a": 1}, "x": 1}
    shared["nested"]["a"] = 2
    shared["x"] = 2
    assert fast("p", "m") == {"nested": {"a": 1}, "x": 1}


def test_an_unknown_model_is_an_empty_dict_each_time():
    fast = memoized(lambda provider, model, namespaces=None: {})
    first = fast("p", "unknown")
    first["x"] = 1
    assert fast("p", "unknown") == {}
