"""One work unit (seed x skill) run by a program: the same function on the local and the Ray backend."""

from __future__ import annotations

from agentinstruct.config import GenerationConfig
from agentinstruct.engine.accounting import current_skill
from agentinstruct.engine.outcome import UnitOutcome
from agentinstruct.engine.plan import NoCompatibleAgent, plan_unit, unit_rng
from agentinstruct.seeds import SeedDoc


def run_unit(program, seed: SeedDoc, skill: str, generation: GenerationConfig) -> UnitOutcome:
    """Plan the unit with its seeded RNG (per run seed, seed id and skill) and run the plan."""
    current_skill.set(skill)  # runs in a copied context: accounting attributes calls to the skill
    rng = unit_rng(generation.seed, seed.id, skill)
    outcome = UnitOutcome()
    try:
        plan = plan_unit(program.spec, seed, rng, generation)
    except NoCompatibleAgent as exc:
        outcome.reject("plan", None, "seed", str(exc))
        return outcome
    return program.run_plan(plan, seed)
