"""Resumability: an interrupted MIPROv2 compile, rerun, makes only the calls it had not made yet."""

from pathlib import Path

import dspy
import pytest
from dspy.utils import DummyLM
from dummies import make_dummy

from compile.config import CompileConfig, DataSettings, MiproSettings
from compile.driver import compile_skill
from core.config import GenerationConfig

SEEDS = Path(__file__).resolve().parents[2] / "examples" / "seeds"


class InterruptAfter:
    """An engine that passes ``limit`` calls to a DummyLM, then raises ``KeyboardInterrupt`` (a Ctrl-C)."""

    def __init__(self, inner: DummyLM, limit: int):
        self.inner, self.limit = inner, limit

    def complete(self, request):
        if len(self.inner.history) >= self.limit:
            raise KeyboardInterrupt("interrupted by the test")
        return self.inner(request)


def interrupting_lm(inner: DummyLM, limit: int) -> dspy.LM:
    # Same model name and settings as a DummyLM, so the requests (and cache keys) are the same.
    return dspy.LM("dummy", engine=InterruptAfter(inner, limit), temperature=0.0, max_tokens=1000, cache=False)


def mipro_config(**kw) -> CompileConfig:
    return CompileConfig(skill="reading_comprehension", optimizer="mipro", data=DataSettings(train=2, heldout=1),
                         # no identity path: the dummy's fixed edits would drift from a seed passage, be
                         # refused and (by design) asked again on the rerun; this test counts resumed calls
                         generation=GenerationConfig(refinement_rounds=1, refinement_suggestions=1,
                                                     instruction_types_per_passage=1,
                                                     agent_weights={"reading_comprehension.identity": 0.0}),
                         metric={"check_mode": "off"}, mipro=MiproSettings(num_candidates=2, num_trials=3), **kw)


def run(tmp: Path, name: str, lm, **kw):
    return compile_skill(mipro_config(**kw), SEEDS, lms=lm, out_dir=tmp / name, work_dir=tmp / f"{name}-work")


@pytest.fixture(scope="module")
def full_calls(tmp_path_factory) -> int:
    """Calls an uninterrupted compile makes."""
    lm = make_dummy(5000)
    run(tmp_path_factory.mktemp("full"), "full", lm)
    return len(lm.history)


def test_an_interrupted_compile_rerun_respends_no_completed_call(tmp_path, full_calls):
    done = full_calls // 2  # well inside MIPROv2's work (the held-out evaluation takes fewer)
    first = make_dummy(5000)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, "b", interrupting_lm(first, done))
    assert len(first.history) == done
    assert not (tmp_path / "b" / "reading_comprehension.manifest.json").exists()
    again = make_dummy(5000)
    result = run(tmp_path, "b", again)
    assert len(again.history) == full_calls - done
    assert result.manifest.usage["total"]["calls"] == full_calls - done
    assert result.manifest.usage["total"]["cache_hits"] > 0 and result.manifest.status == "completed"
    phases = result.manifest.usage["phases"]
    assert phases["before"]["calls"] == 0  # the held-out scoring before had finished: all from cache
    assert phases["optimize"]["cache_hits"] > 0 and phases["optimize"]["calls"] > 0  # cut inside MIPROv2


def test_a_budget_stopped_compile_rerun_without_a_budget_finishes_the_rest(tmp_path, full_calls):
    budget = full_calls // 3
    first = make_dummy(5000)
    stopped = run(tmp_path, "c", first, budget={"max_calls": budget})
    assert stopped.manifest.status == "budget_exhausted"
    assert len(first.history) <= budget
    again = make_dummy(5000)
    finished = run(tmp_path, "c", again)
    assert finished.manifest.status == "completed"
    assert len(first.history) + len(again.history) == full_calls
