"""Train / validation / held-out examples for a skill, drawn from seeds with the driver's seeded planner.

An example is one path of the flow: ``seed_text``, ``transformation``, ``instruction_type``, ``goals``,
``suggestions`` and the plan's attempts, sampled by ``plan_unit`` exactly as ``generate`` would sample them,
so programs never sample, and ``forward`` on an example runs the one-path plan generation would run.
There are no labels: the judge is the metric. Splits use disjoint seeds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import dspy

from compile.config import DataSettings
from core.config import GenerationConfig
from core.flow.plan import NoCompatibleAgent, plan_unit, unit_rng
from core.seeds import SeedConfig, SeedDoc, load_seeds
from core.taxonomy import SkillSpec

INPUTS = ("seed_text", "transformation", "instruction_type", "goals", "suggestions", "instructions_per_type",
          "generation_attempts", "transform_attempts", "response_attempts", "seed_id")


class NotEnoughSeeds(ValueError):
    """The seeds cannot fill the requested splits."""


@dataclass
class Splits:
    """The examples of each split and the seed ids behind them."""

    train: list[dspy.Example]
    val: list[dspy.Example]
    heldout: list[dspy.Example]
    seed_ids: dict[str, list[str]] = field(default_factory=dict)


def examples_for_seed(spec: SkillSpec, seed: SeedDoc, generation: GenerationConfig,
                      limit: int = 1) -> list[dspy.Example]:
    """Up to ``limit`` examples (one per planned transformation x instruction type) for one seed."""
    plan = plan_unit(spec, seed, unit_rng(generation.seed, seed.id, spec.name), generation)
    examples = [
        dspy.Example(seed_id=seed.id, seed_text=seed.text, transformation=path.transformation,
                     instruction_type=itype, goals=list(path.goals), suggestions=plan.suggestions,
                     instructions_per_type=plan.instructions_per_type,
                     generation_attempts=plan.generation_attempts, transform_attempts=plan.transform_attempts,
                     response_attempts=plan.response_attempts).with_inputs(*INPUTS)
        for path in plan.paths for itype in path.instruction_types
    ]
    return examples[:limit]


def build_splits(spec: SkillSpec, seeds: str | Path | list[SeedDoc], data: DataSettings,
                 generation: GenerationConfig, seed_config: SeedConfig | None = None) -> Splits:
    """Shuffle the seeds the skill can use (deterministically) and cut train, val and held-out from them."""
    docs = seeds if isinstance(seeds, list) else load_seeds(seeds, seed_config).seeds
    usable = sorted((d for d in docs if spec.transformations_for(d.kind.value)), key=lambda d: d.id)
    random.Random(f"{data.split_seed}\x1f{spec.name}").shuffle(usable)
    sizes = {"train": data.train, "val": data.val, "heldout": data.heldout}
    need = sum(sizes.values())
    if len(usable) < need:
        raise NotEnoughSeeds(f"skill {spec.name}: {len(usable)} usable seeds, the splits need {need} "
                             f"(train {data.train} + val {data.val} + held-out {data.heldout})")
    out: dict[str, list[dspy.Example]] = {}
    ids: dict[str, list[str]] = {}
    start = 0
    for name, size in sizes.items():
        chosen = usable[start:start + size]
        start += size
        out[name] = []
        for doc in chosen:
            try:
                out[name].extend(examples_for_seed(spec, doc, generation, data.examples_per_seed))
            except NoCompatibleAgent as exc:
                raise NotEnoughSeeds(f"seed {doc.id}: {exc}") from exc
        ids[name] = [d.id for d in chosen]
    return Splits(out["train"], out["val"], out["heldout"], ids)
