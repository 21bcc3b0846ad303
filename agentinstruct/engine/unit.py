"""One work unit (seed x skill) run by a program: the same function on the local and the Ray backend."""

from __future__ import annotations

from core.config import GenerationConfig
from core.flow.contract import SkillRunner
from core.flow.outcome import FatalRunError, UnitOutcome
from core.flow.plan import NoCompatibleAgent, plan_unit, unit_rng
from core.lm.accounting import BudgetExhausted, current_skill
from core.seeds import SeedDoc


def run_unit(program: SkillRunner, seed: SeedDoc, skill: str, generation: GenerationConfig) -> UnitOutcome:
    """Plan the unit with its seeded RNG (per run seed, seed id and skill) and run the plan."""
    current_skill.set(skill)  # runs in a copied context: accounting attributes calls to the skill
    rng = unit_rng(generation.seed, seed.id, skill)
    outcome = UnitOutcome()
    try:
        plan = plan_unit(program.spec, seed, rng, generation)
    except NoCompatibleAgent as exc:
        outcome.reject("plan", None, "seed", str(exc))
        return outcome
    try:
        return program.run_plan(plan, seed)
    except BudgetExhausted as exc:  # passes every per-item handler; stops the run, resumably
        raise FatalRunError("budget", str(exc)) from exc
