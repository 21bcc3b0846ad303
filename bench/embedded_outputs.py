"""How often the embedded SmolLM2-135M's transformation and generator outputs pass the flow's checks,
with the decoding aids (length floors in the schema, llama.cpp repeat penalty) and without them.

Prints ``name=value`` lines: usable counts and ratios per stage and variant, measured in one run over the
same calls (8 skills x 2 sample seeds: one transformation and two generator samples each; no request cache,
fixed sampling seeds). "Usable" means passing the checks the flow applies (a passage of 25+ words or half
its source, an instruction that is not a placeholder, a description of an instruction or a copy of the
passage); it does not mean good. About 6 minutes on 2 cores. Usage::

    python bench/embedded_outputs.py [--pairs 2]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from a checkout: import this tree's packages

SKILLS = ["analytical_reasoning", "multiple_choice_questions", "text_modification", "reading_comprehension",
          "few_shot_reasoning", "web_agent", "data_to_text", "conversation"]


def _count(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def measure(suite, seeds, pairs: int) -> dict[str, int]:
    """Usable / total outputs of one transformation and two generator samples per (skill, seed)."""
    import dspy

    from core.flow.failures import classify
    from programs.item import instruction_problem

    rng = random.Random(0)
    counts = {"transform_ok": 0, "transform_n": 0, "generate_ok": 0, "generate_n": 0}
    with dspy.context(adapter=dspy.JSONAdapter()):
        for name in SKILLS:
            program = suite[name]
            candidates = [s for s in seeds if s.kind.value in program.spec.seed_kinds]
            for seed in rng.sample(candidates, min(pairs, len(candidates))):
                agents = [t.id for t in program.spec.transformations if not t.identity]
                counts["transform_n"] += 1
                try:
                    passage = program.transform_once(seed.text[:6000], rng.choice(agents), {})
                    counts["transform_ok"] += 1
                except Exception as exc:  # noqa: BLE001 - a failed sample is what is being counted
                    _count(counts, f"transform_failed_{classify(exc)}")
                    passage = seed.text[:3000]
                itype = rng.choice([t.id for t in program.spec.instruction_types])
                for rollout in range(2):
                    counts["generate_n"] += 1
                    try:
                        with program.lms.use("generator"):
                            task = program.generators[itype](passage=passage,
                                                              config={"rollout_id": rollout} if rollout else {}).task
                    except Exception as exc:  # noqa: BLE001 - a failed sample is what is being counted
                        _count(counts, f"generate_failed_{classify(exc)}")
                        continue
                    counts["generate_ok"] += instruction_problem(task.strip(), passage) is None
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2, help="seeds per skill")
    args = parser.parse_args()

    import dspy

    from core.config import load_config
    from core.lm.compact_adapter import MIN_CHARS, CompactJSONAdapter
    from core.lm.roles import build_role_lms
    from core.seeds.loader import load_seeds
    from programs import RoleLMs, load_suite

    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    cfg = load_config(ROOT / "examples/configs/embedded-all.yaml")
    lms = build_role_lms(cfg.models)
    engine = next(lm._engine_spec for lm in lms.values() if hasattr(lm, "_engine_spec"))
    seeds = load_seeds(ROOT / "examples/seeds", cfg.seeds).seeds
    suite = load_suite(SKILLS, None, None, RoleLMs(lms))
    variants = {"aids": (MIN_CHARS, cfg.models.local.repeat_penalty), "no_aids": ({}, 1.0)}
    results = {}
    for variant, (floors, penalty) in variants.items():
        CompactJSONAdapter.min_chars, engine.repeat_penalty = floors, penalty
        engine._asked.clear()  # the same sampling seeds in both variants
        start = time.perf_counter()
        results[variant] = measure(suite, seeds, args.pairs)
        results[variant]["seconds"] = round(time.perf_counter() - start)
    CompactJSONAdapter.min_chars = MIN_CHARS
    for variant, c in results.items():
        for key, value in c.items():
            print(f"{variant}_{key}={value}")
        print(f"{variant}_transform_usable={c['transform_ok'] / c['transform_n']:.3f}")
        print(f"{variant}_generate_usable={c['generate_ok'] / c['generate_n']:.3f}")


if __name__ == "__main__":
    main()
