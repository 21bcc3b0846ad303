"""ModelLimiter (adaptive in-flight limit, shared pause, halt) and TokenBucket, without a network."""

import threading
import time

import pytest

from core.lm.limiter import CallsHalted, ModelLimiter
from core.lm.token_bucket import TokenBucket


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_random_429s_below_the_pressure_share_leave_the_limit_alone():
    limiter = ModelLimiter("m", ceiling=8, clock=Clock())
    for i in range(40):  # one response in five is a 429
        with limiter.slot() as permit:
            if i % 5 == 0:
                assert limiter.on_rate_limit(permit) == 0.0  # no shared pause either
            else:
                limiter.on_success()
    assert limiter.limit == 8 and limiter.stats.decreases == 0 and limiter.stats.rate_limits == 8


def test_a_saturated_endpoint_cuts_the_limit_once_per_wave_and_pauses_the_model():
    clock = Clock()
    limiter = ModelLimiter("m", ceiling=8, clock=clock, rng=lambda: 1.0)
    with limiter.slot() as p1, limiter.slot() as p2, limiter.slot(), limiter.slot():
        pauses = [limiter.on_rate_limit(p1) for _ in range(8)]  # 8 of the last 8 responses were 429s
        assert limiter.limit == int(4 * 0.7)  # min(limit, in flight) * decrease, once
        assert limiter.stats.decreases == 1
        assert pauses[-1] == pytest.approx(0.25)  # one shared pause for the whole model
        assert limiter.on_rate_limit(p2) == pytest.approx(0.25)  # the same wave: no second cut
        assert limiter.stats.decreases == 1
    clock.now += 1  # after the pause, a new wave is still saturated: cut again, and a longer pause
    with limiter.slot() as p3:
        assert limiter.on_rate_limit(p3) == pytest.approx(0.5)
    assert limiter.stats.decreases == 2 and limiter.stats.lowest_limit == 1


def test_successes_bring_the_limit_back_one_slot_each():
    clock = Clock()
    limiter = ModelLimiter("m", ceiling=8, clock=clock)
    with limiter.slot() as permit:
        for _ in range(10):
            limiter.on_rate_limit(permit)
    assert limiter.limit < 8
    clock.now += 1000  # past the shared pause
    successes = 0
    while limiter.limit < 8:
        with limiter.slot():
            limiter.on_success()
        successes += 1
    assert successes <= 8  # as fast as successes allow
    for _ in range(50):
        limiter.on_success()
    assert limiter.limit == 8  # never above the ceiling


def test_a_retry_after_pauses_the_model_capped():
    clock = Clock()
    limiter = ModelLimiter("m", ceiling=4, clock=clock, max_pause_s=30)
    with limiter.slot() as permit:
        assert limiter.on_rate_limit(permit, retry_after=86_400) == pytest.approx(30)
    assert limiter.pause_remaining() == pytest.approx(30)
    clock.now += 31
    assert limiter.pause_remaining() == 0


def test_the_limit_never_falls_below_the_floor():
    clock = Clock()
    limiter = ModelLimiter("m", ceiling=4, clock=clock)
    for _ in range(40):
        clock.now += 1000  # past any pause
        with limiter.slot() as permit:
            limiter.on_rate_limit(permit)
    assert limiter.limit == 1


def test_a_full_limiter_blocks_until_a_slot_is_released():
    limiter = ModelLimiter("m", ceiling=1)
    entered = threading.Event()

    def second():
        with limiter.slot():
            entered.set()

    with limiter.slot():
        worker = threading.Thread(target=second)
        worker.start()
        assert not entered.wait(0.2)
        assert limiter.in_flight == 1
    assert entered.wait(2)
    worker.join()
    assert limiter.stats.peak_in_flight == 1


def test_halt_releases_waiting_calls_and_refuses_new_ones():
    limiter = ModelLimiter("m", ceiling=1)
    errors: list[BaseException] = []

    def waiter():
        try:
            with limiter.slot():
                pass
        except CallsHalted as exc:
            errors.append(exc)

    with limiter.slot():
        worker = threading.Thread(target=waiter)
        worker.start()
        time.sleep(0.1)
        started = time.monotonic()
        limiter.halt("LMAuthError: invalid key")
        worker.join(2)
        assert time.monotonic() - started < 1
    assert len(errors) == 1 and "invalid key" in str(errors[0])
    with pytest.raises(CallsHalted, match="halted"), limiter.slot():
        pass


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_token_bucket_paces_to_its_rate_after_one_burst():
    clock = FakeClock()
    bucket = TokenBucket(rate=10, burst=10, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(40):
        assert bucket.take(1)
        stamps.append(clock.now)
    assert stamps[9] == 0.0  # the burst
    assert stamps[-1] == pytest.approx(3.0, abs=0.01)  # 30 more at 10 per second
    for start in range(len(stamps)):
        in_window = [s for s in stamps if stamps[start] <= s < stamps[start] + 1.0]
        assert len(in_window) <= 10 + 10


def test_an_oversized_take_passes_when_full_and_leaves_a_debt():
    clock = FakeClock()
    bucket = TokenBucket(rate=100, burst=100, clock=clock, sleep=clock.sleep)
    assert bucket.take(250)  # larger than the burst: passes once full
    assert bucket.try_take(1) == pytest.approx(1.51, abs=0.01)  # 150 of debt + 1, at 100 per second


def test_a_stopped_take_takes_nothing():
    clock = FakeClock()
    bucket = TokenBucket(rate=1, burst=1, clock=clock, sleep=clock.sleep)
    assert bucket.take(1)
    assert bucket.take(1, should_stop=lambda: True) is False
    assert bucket.try_take(1) == pytest.approx(1.0)
