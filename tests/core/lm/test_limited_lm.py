"""LimitedLM against the mock server: the in-flight limit adapts to 429s, RPM/TPM are respected."""

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from dspy.utils.exceptions import LMInvalidRequestError

from agentinstruct.testing.mock_openai import Faults, MockOpenAIServer
from core.config import ModelsConfig, ModelSpec
from core.lm.limited_lm import LimitedLM, backoff_delay, estimate_tokens
from core.lm.limiter import ModelLimiter
from core.lm.roles import build_role_lms, dspy_engine


def _lm(url: str, limiter: ModelLimiter, retries: int = 6, max_retry_after_s: float = 120,
        interrupt=None, **kwargs) -> LimitedLM:
    return LimitedLM("openai/mock-model", limiter=limiter, retries=retries, api_base=url, api_key="mock-key",
                     timeout=10, cache=False, engine="lm15", max_retry_after_s=max_retry_after_s,
                     interrupt=interrupt, **kwargs)


def _call_many(lm: LimitedLM, n: int, threads: int, tag: str) -> list:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda i: lm(f"{tag} question {i}")[0], range(n)))


def test_a_saturated_endpoint_lowers_the_limit_and_success_brings_it_back():
    # Every request's first three attempts are refused: the endpoint is saturated, not unlucky.
    faults = Faults(rate_limit=1.0, retry_after_s=0.01, fail_attempts=3)
    with MockOpenAIServer(latency_s=0.01, faults=faults, max_seconds=120) as server:
        limiter = ModelLimiter("mock", ceiling=8)
        lm = _lm(server.url, limiter)
        answers = _call_many(lm, 24, threads=8, tag="storm")
        assert len(answers) == 24 and all(answers)  # every 429 was retried away
        assert server.stats.by_status[429] >= 3 * 24
        assert limiter.stats.decreases > 0 and limiter.stats.lowest_limit < 8
        server.faults.rate_limit = 0.0  # the provider recovers
        _call_many(lm, 40, threads=8, tag="calm")
        assert limiter.limit == 8  # one slot back per success
        assert limiter.stats.peak_in_flight <= 8


def test_random_429s_are_retried_without_cutting_the_limit():
    """One request in five refused at random (no Retry-After): retried at once, the limit stays up."""
    faults = Faults(rate_limit=0.2, retry_after_s=None, fail_attempts=1)
    with MockOpenAIServer(latency_s=0.01, faults=faults, max_seconds=120) as server:
        limiter = ModelLimiter("mock", ceiling=8)
        started = time.monotonic()
        answers = _call_many(_lm(server.url, limiter, retries=0), 80, threads=8, tag="random")
        wall = time.monotonic() - started
    assert len(answers) == 80 and all(answers)  # retries=0 bounds other errors; 429s are retried by time
    assert server.stats.by_status[429] > 5
    assert limiter.stats.decreases == 0 and limiter.limit == 8
    assert wall < 80 * 0.01 / 8 * 10  # seconds, not a backoff ladder


def test_a_huge_retry_after_is_capped_and_a_stop_ends_the_wait():
    import threading

    from core.lm.limited_lm import RetryInterrupted

    faults = Faults(rate_limit=1.0, retry_after_s=86_400, fail_attempts=100)
    with MockOpenAIServer(latency_s=0.005, faults=faults, max_seconds=60) as server:
        stop = threading.Event()
        lm = _lm(server.url, ModelLimiter("mock", max_pause_s=5), max_retry_after_s=5, interrupt=stop)
        lm.max_retry_after_s = 5
        threading.Timer(0.5, stop.set).start()
        started = time.monotonic()
        with pytest.raises(RetryInterrupted):
            lm("patience")
        assert time.monotonic() - started < 3  # the stop ended a wait that would have been 86,400 s


def test_rpm_is_respected_over_a_short_window():
    limiter = ModelLimiter("mock", rpm=1200)  # 20 per second, bursts of 20
    sent: list[float] = []
    slot = limiter.slot

    @contextlib.contextmanager
    def stamped_slot(*args, **kwargs):  # when the limiter lets a request go
        with slot(*args, **kwargs) as permit:
            sent.append(time.monotonic())
            yield permit

    limiter.slot = stamped_slot
    with MockOpenAIServer(latency_s=0.005, max_seconds=120) as server:
        _call_many(_lm(server.url, limiter), 60, threads=8, tag="rpm")
        arrivals = server.stats.arrivals
    assert len(arrivals) == len(sent) == 60
    assert arrivals[-1] - arrivals[0] >= (60 - 20) / 20 * 0.9
    # The window bound is checked on send times: the in-process server stamps arrivals when it gets the
    # GIL, so under a loaded CI box requests sent apart can be stamped together.
    for start in sent:
        assert sum(1 for t in sent if start <= t < start + 1.0) <= 20 + 20 + 1


def test_tpm_counts_prompt_and_max_tokens():
    with MockOpenAIServer(latency_s=0.005, max_seconds=120) as server:
        # each call counts ~3 prompt tokens + 100 max_tokens; 60000 TPM = 1000 per second
        lm = _lm(server.url, ModelLimiter("mock", tpm=60_000), max_tokens=100)
        _call_many(lm, 24, threads=4, tag="tpm")
        arrivals = server.stats.arrivals
    assert arrivals[-1] - arrivals[0] >= (24 * 103 - 1000) / 1000 * 0.9


def test_a_bad_request_is_tried_once(monkeypatch):
    with MockOpenAIServer(latency_s=0.005, max_seconds=60) as server:
        lm = _lm(server.url, ModelLimiter("mock"), retries=5)
        monkeypatch.setattr(server, "_refusal", lambda n: _bad_request())
        with pytest.raises(LMInvalidRequestError):
            lm("too long")
        assert server.stats.requests == 1


def _bad_request():
    from aiohttp import web

    return web.json_response({"error": {"message": "maximum context length exceeded",
                                        "type": "invalid_request_error", "code": "context_length_exceeded"}},
                             status=400)


def test_backoff_honours_retry_after_with_jitter_and_grows_without_it():
    class Hinted(Exception):
        retry_after = 2.0

    assert backoff_delay(Hinted(), 0, rng=lambda: 0.0) == 2.0
    assert backoff_delay(Hinted(), 0, rng=lambda: 1.0) == 2.5
    assert backoff_delay(RuntimeError(), 0, rng=lambda: 1.0) == 0.5
    assert backoff_delay(RuntimeError(), 3, rng=lambda: 1.0) == 4.0
    assert backoff_delay(RuntimeError(), 30, rng=lambda: 1.0) == 60.0

    class Huge(Exception):
        retry_after = 86_400.0

    assert backoff_delay(Huge(), 0, rng=lambda: 0.0, max_retry_after_s=120) == 120.0


def test_estimate_tokens_counts_characters_and_max_tokens():
    assert estimate_tokens([{"role": "user", "content": "x" * 400}], None, 50) == 150


def test_roles_on_one_endpoint_share_one_limiter_and_engines_are_chosen_per_provider():
    base = {"model": "openai/mock-model", "api_base": "http://127.0.0.1:9/v1", "rpm": 60}
    models = ModelsConfig(default=ModelSpec(**base), judge=ModelSpec(**base, temperature=0.0))
    lms = build_role_lms(models)
    assert lms["judge"] is not lms["responder"]
    assert lms["judge"].limiter is lms["responder"].limiter
    assert lms["judge"].copy(temperature=0.5).limiter is lms["judge"].limiter
    assert dspy_engine(ModelSpec(model="hosted_vllm/Qwen/Qwen2.5-7B", api_base="http://gpu:8000/v1")) == "lm15"
    assert dspy_engine(ModelSpec(model="anthropic/claude-sonnet-4-5")) == "litellm"
    assert dspy_engine(ModelSpec(model="anthropic/claude-sonnet-4-5", engine="native")) == "lm15"
    assert dspy_engine(ModelSpec(model="openai/gpt-4o", extra={"api_version": "2024-10-01"})) == "litellm"
