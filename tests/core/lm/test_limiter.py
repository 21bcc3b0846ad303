"""ModelLimiter (AIMD in-flight limit, halt) and TokenBucket, without a network."""

import threading
import time

import pytest

from core.lm.limiter import CallsHalted, ModelLimiter
from core.lm.token_bucket import TokenBucket


def test_a_429_halves_the_limit_once_per_wave_and_successes_climb_back():
    limiter = ModelLimiter("m", ceiling=8)
    with limiter.slot() as first, limiter.slot() as second, limiter.slot(), limiter.slot():
        limiter.on_rate_limit(first)  # 4 in flight -> limit min(8, 4) * 0.5 = 2
        assert limiter.limit == 2
        limiter.on_rate_limit(second)  # the same wave: no second decrease
        assert limiter.limit == 2
    assert limiter.stats.rate_limits == 2 and limiter.stats.decreases == 1 and limiter.stats.lowest_limit == 2
    successes = 0
    while limiter.limit < 8:
        with limiter.slot():
            limiter.on_success()
        successes += 1
    assert 20 <= successes <= 40  # about one slot per window of `limit` successes: 2 + 3 + ... + 7
    for _ in range(50):
        limiter.on_success()
    assert limiter.limit == 8  # never above the ceiling


def test_the_limit_never_falls_below_the_floor():
    limiter = ModelLimiter("m", ceiling=4)
    for _ in range(5):
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
