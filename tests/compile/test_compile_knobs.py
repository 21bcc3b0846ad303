"""The optuna study over flow knobs: a RunConfig YAML generate accepts, resumable storage, cost penalty."""

import json
from pathlib import Path

import dspy
import optuna
import pytest
from dummies import make_dummy

from agentinstruct import generate
from compile.config import KnobSpace, TuneConfig
from compile.knobs import tune_knobs
from core.config import load_config

SEEDS = Path(__file__).resolve().parents[2] / "examples" / "seeds"


def tune_config(**kw) -> TuneConfig:
    space = KnobSpace(refinement_rounds=(0, 1), refinement_suggestions=(1, 2),
                      weighted_agents=["identity", "poem"])
    return TuneConfig(skill="reading_comprehension", seeds=1, space=space, metric={"check_mode": "off"}, **kw)


def test_the_best_knobs_become_a_run_config_that_loads(tmp_path):
    result = tune_knobs(tune_config(trials=3), SEEDS, tmp_path / "work", lms=make_dummy(5000),
                        out=tmp_path / "tuned.yaml")
    assert result.trials_complete == 3 and result.config_path == tmp_path / "tuned.yaml"
    cfg = load_config(result.config_path)  # what `agentinstruct generate --config` reads
    best = result.best_params
    assert cfg.generation.refinement_rounds == best["refinement_rounds"]
    assert cfg.generation.refinement_suggestions == best["refinement_suggestions"]
    assert cfg.generation.agent_weights["reading_comprehension.poem"] == pytest.approx(best["weight.poem"])
    assert cfg.models.generator.temperature == pytest.approx(best["temperature.generator"], abs=1e-3)
    assert cfg.models.responder.temperature == pytest.approx(best["temperature.responder"], abs=1e-3)
    assert result.best_value == max(t["value"] for t in result.trials)
    assert all(t["items"] > 0 and t["requests"] > 0 for t in result.trials)
    summary = generate(SEEDS, tmp_path / "run", skills=["reading_comprehension"], config=result.config_path,
                       limit=1, lms=make_dummy(5000), compiled_dir=None)
    resolved = json.loads((tmp_path / "run" / "config.json").read_text())  # the run took the tuned knobs
    assert resolved["generation"]["refinement_rounds"] == best["refinement_rounds"]
    assert resolved["models"]["generator"]["temperature"] == pytest.approx(best["temperature.generator"], abs=1e-3)
    assert summary.records_written > 0


def test_a_rerun_resumes_the_study_from_its_database(tmp_path):
    tune_knobs(tune_config(trials=2), SEEDS, tmp_path / "work", lms=make_dummy(5000))
    again = make_dummy(5000)
    result = tune_knobs(tune_config(trials=3), SEEDS, tmp_path / "work", lms=again)
    assert result.trials_complete == 3
    study = optuna.load_study(study_name="knobs-reading_comprehension",
                              storage=f"sqlite:///{tmp_path / 'work' / 'knobs.db'}")
    assert len(study.trials) == 3
    assert len({tuple(sorted(t.params.items())) for t in study.trials}) == 3  # no trial replayed


class InterruptAfter:
    def __init__(self, inner, limit):
        self.inner, self.limit = inner, limit

    def complete(self, request):
        if len(self.inner.history) >= self.limit:
            raise KeyboardInterrupt("interrupted by the test")
        return self.inner(request)


def test_an_interrupted_trial_is_rerun_with_the_same_knobs_from_cache(tmp_path):
    first = make_dummy(5000)
    tune_knobs(tune_config(trials=1), SEEDS, tmp_path / "work", lms=first)
    done = len(first.history)
    inner = make_dummy(5000)
    lm = dspy.LM("dummy", engine=InterruptAfter(inner, 3), temperature=0.0, max_tokens=1000, cache=False)
    with pytest.raises(KeyboardInterrupt):
        tune_knobs(tune_config(trials=2), SEEDS, tmp_path / "work", lms=lm)
    storage = f"sqlite:///{tmp_path / 'work' / 'knobs.db'}"
    interrupted = optuna.load_study(study_name="knobs-reading_comprehension", storage=storage).trials[-1]
    assert interrupted.state == optuna.trial.TrialState.FAIL and done > 0
    again = make_dummy(5000)
    result = tune_knobs(tune_config(trials=2), SEEDS, tmp_path / "work", lms=again)
    assert result.trials_complete == 2
    trials = optuna.load_study(study_name="knobs-reading_comprehension", storage=storage).trials
    assert trials[-1].params == interrupted.params and trials[-1].state == optuna.trial.TrialState.COMPLETE
    # The same study without the interruption, in a fresh work dir: what the trial costs there.
    tune_knobs(tune_config(trials=1), SEEDS, tmp_path / "fresh", lms=make_dummy(5000))
    optuna.load_study(study_name="knobs-reading_comprehension",
                      storage=f"sqlite:///{tmp_path / 'fresh' / 'knobs.db'}").enqueue_trial(interrupted.params)
    alone = make_dummy(5000)
    tune_knobs(tune_config(trials=2), SEEDS, tmp_path / "fresh", lms=alone)
    assert len(inner.history) == 3 and len(again.history) == len(alone.history) - 3


def test_a_large_cost_penalty_prefers_the_cheapest_knobs(tmp_path):
    result = tune_knobs(tune_config(trials=4, cost_penalty=10.0), SEEDS, tmp_path / "work", lms=make_dummy(5000))
    per_item = {t["number"]: t["requests"] / t["items"] for t in result.trials}
    best = max(result.trials, key=lambda t: t["value"])
    assert per_item[best["number"]] == min(per_item.values())
