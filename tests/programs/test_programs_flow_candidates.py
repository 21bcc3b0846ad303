"""Several responses per item: distinct rollouts of the last stage, carried on the example as alternatives."""

from core.flow.plan import PathPlan, UnitPlan
from core.taxonomy import load_skills
from programs.base import seed_doc
from programs.flow import Finished, run_paths
from programs.item import EmptyOutputError, PassageItem
from programs.role_lms import _SAMPLE

SPEC = load_skills()["reading_comprehension"]
SEED = seed_doc("s", "Bees cool the hive with water in summer and shiver to warm it in winter. " * 3, SPEC)


class Stages:
    """Stages that answer with the rollout id the last stage runs under (and fail on the listed ones)."""

    spec = SPEC

    def __init__(self, failing: frozenset[int] = frozenset()):
        self.failing = failing
        self.rollouts: list[int] = []

    def transform(self, seed_text, transformation, attempts=1):
        return seed_text

    def generate(self, passage, instruction_type, count=1, attempts=None):
        return ["Why do bees spread water in the hive?"]

    def refine(self, item, goal, suggestions):
        return [PassageItem(item.passage, "How do bees keep the brood warm in winter?", item.instruction_type,
                            item.transformation, round=1, goal=goal, suggestions=["harder"])]

    def finish(self, item: PassageItem) -> Finished:
        rollout = _SAMPLE.get()
        self.rollouts.append(rollout)
        if rollout in self.failing:
            raise EmptyOutputError("degenerate")
        item.response = f"answer of rollout {rollout}"
        return Finished([{"role": "user", "content": item.instruction},
                         {"role": "assistant", "content": item.response}])


def plan(responses: int, attempts: int = 1, goals: list[str] | None = None) -> UnitPlan:
    return UnitPlan([PathPlan("identity", ["literal_comprehension"], goals or [])], 1, 1,
                    response_attempts=attempts, responses=responses)


def test_one_response_per_item_is_the_plain_flow():
    stages = Stages()
    (example,) = run_paths(stages, plan(1), SEED).examples
    assert example.alternatives == [] and stages.rollouts == [0] and example.response == "answer of rollout 0"


def test_each_candidate_is_a_distinct_rollout_range_and_rides_on_the_example():
    stages = Stages()
    outcome = run_paths(stages, plan(3, attempts=2, goals=["make_complex"]), SEED)
    base, refined = outcome.examples
    assert [a.response for a in [base, *base.alternatives]] == [f"answer of rollout {n}" for n in (0, 2, 4)]
    assert len(refined.alternatives) == 2 and refined.parent == base.key
    assert all(a.key == base.key and a.instruction == base.instruction for a in base.alternatives)
    assert outcome.failures == []


def test_a_failed_candidate_is_recorded_and_the_others_still_make_the_example():
    stages = Stages(failing=frozenset({0}))
    outcome = run_paths(stages, plan(2), SEED)
    (example,) = outcome.examples
    assert example.response == "answer of rollout 1" and example.alternatives == []
    assert [(f.stage, f.reason) for f in outcome.failures] == [("respond", "validation")]
