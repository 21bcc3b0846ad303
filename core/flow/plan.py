"""Which agents a seed meets: sampled here, in the driver, with a seeded RNG (never inside ``forward``).

The RNG of a unit is derived from the run seed, the seed document id and the skill, so a resumed run
plans exactly what the interrupted one would have.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.config import GenerationConfig
from core.seeds import SeedDoc
from core.taxonomy import SkillSpec


class NoCompatibleAgent(ValueError):
    """The skill has no transformation agent for this kind of seed."""


@dataclass(frozen=True)
class PathPlan:
    """One transformation and the instruction types and refinement goals that follow it."""

    transformation: str
    instruction_types: list[str]
    goals: list[str] = field(default_factory=list)
    """One refinement goal per round (empty: no refinement)."""


@dataclass(frozen=True)
class UnitPlan:
    """The sampled plan of one work unit."""

    paths: list[PathPlan]
    instructions_per_type: int
    suggestions: int
    generation_attempts: int = 1
    """Generator calls allowed per instruction type to find ``instructions_per_type`` usable instructions."""
    transform_attempts: int = 1
    """Transformation calls allowed per path while the output is degenerate or cut at ``max_tokens``."""
    response_attempts: int = 1
    """Tries of an item's last stage (response, conversation, trace) while it is degenerate or cut off."""
    responses: int = 1
    """Candidate responses per item (distinct rollouts of the last stage) for the jury to rank."""


def unit_rng(run_seed: int, seed_id: str, skill: str) -> random.Random:
    """A deterministic RNG for one (seed, skill) unit."""
    digest = hashlib.sha256(f"{run_seed}\x1f{seed_id}\x1f{skill}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def choose_skills(applicable: list[str], run_seed: int, seed_id: str, config: GenerationConfig,
                  met: Counter[str] | None = None, kinds: Mapping[str, int] | None = None) -> list[str]:
    """The skills a seed meets: all applicable ones, or ``skills_per_seed`` of them.

    ``skill_sampling: random`` draws them by ``skill_weights``. ``balanced`` takes the skills met least so
    far relative to their weight (``met`` counts the earlier seeds' skills and is updated here); among
    those, skills that accept fewer seed kinds (``kinds``: skill -> number of kinds) come first, as they
    get fewer chances, then the seeded RNG decides. Both are deterministic for a given seed order, so a
    resumed run, which walks the seeds again from the start, plans the same units.
    """
    chosen = list(applicable)
    if config.skills_per_seed is not None and config.skills_per_seed < len(applicable):
        rng = unit_rng(run_seed, seed_id, "\x00skills")
        def weight(s):
            return config.skill_weights.get(s, 1.0)
        if config.skill_sampling == "balanced" and met is not None:
            pool = [s for s in applicable if weight(s) > 0]
            ties = {s: rng.random() for s in pool}
            rank = {s: (met[s] / weight(s), (kinds or {}).get(s, 0), ties[s]) for s in pool}
            chosen = sorted(pool, key=rank.__getitem__)[:config.skills_per_seed]
        else:
            chosen = _draw(rng, applicable, config.skills_per_seed, weight)
        chosen.sort(key=applicable.index)
    if met is not None:
        met.update(chosen)
    return chosen


def _draw(rng: random.Random, items: list, k: int, weight) -> list:
    """Up to ``k`` distinct items of positive weight, drawn without replacement by ``weight(item)``."""
    pool = [item for item in items if weight(item) > 0]
    chosen = []
    for _ in range(min(k, len(pool))):
        pick = rng.choices(range(len(pool)), weights=[weight(item) for item in pool])[0]
        chosen.append(pool.pop(pick))
    return chosen


def _sample(rng: random.Random, agents: list, k: int, skill: str, config: GenerationConfig) -> list:
    """Up to ``k`` distinct agents, drawn without replacement by weight."""
    return _draw(rng, agents, k, lambda a: config.agent_weights.get(f"{skill}.{a.id}", a.weight))


def plan_unit(spec: SkillSpec, seed: SeedDoc, rng: random.Random, config: GenerationConfig) -> UnitPlan:
    """Sample the transformations, instruction types and refinement goals for one seed and skill."""
    kind = seed.kind.value
    compatible = spec.transformations_for(kind)
    if not compatible:
        raise NoCompatibleAgent(f"skill {spec.name} has no transformation agent for {kind} seeds")
    rounds = spec.refinement.rounds if config.refinement_rounds is None else config.refinement_rounds
    suggestions = config.refinement_suggestions or spec.refinement.suggestions
    paths = []
    for transformation in _sample(rng, compatible, config.transformations_per_seed, spec.name, config):
        types = _sample(rng, spec.types_for(transformation.id), config.instruction_types_per_passage,
                        spec.name, config)
        goals: list[str] = []
        path_rounds = config.refinement_rounds_by_node.get(f"{spec.name}.{transformation.id}", rounds)
        if spec.refinement.goals and path_rounds and rng.random() < config.refine_probability:
            goals = [_sample(rng, spec.refinement.goals, 1, spec.name, config)[0].id for _ in range(path_rounds)]
        paths.append(PathPlan(transformation.id, [t.id for t in types], goals))
    return UnitPlan(paths=paths, instructions_per_type=config.instructions_per_type, suggestions=suggestions,
                    generation_attempts=max(config.generation_attempts, config.instructions_per_type),
                    transform_attempts=config.transform_attempts, response_attempts=config.response_attempts,
                    responses=config.responses_per_item)
