"""A real compile on the embedded SmolLM2 model: bootstrap, 2 train seeds, 1 held-out seed, 1 demo.

About 9-12 calls of 5-25 s each on a shared CPU; run with ``pytest -m real_model``.
"""

import logging
from pathlib import Path

import dspy
import pytest

from compile.config import BootstrapSettings, CompileConfig, DataSettings
from compile.driver import compile_skill
from core.config import GenerationConfig
from core.seeds import SeedDoc, SeedKind, sha256_text
from core.taxonomy import load_skills
from metrics import SkillMetricConfig
from programs import load_suite

log = logging.getLogger(__name__)
RC = load_skills()["reading_comprehension"]
# Short seeds: on longer ones this 135M model mostly fails the generator's schema (measured), and a compile
# needs at least one completed trace to bootstrap a demo from.
TEXTS = {
    "bridge.txt": "The bridge opened in 1932. It carries eight lanes and cost 13 million pounds.",
    "bees.txt": "Bees pollinate flowers and make honey in hives.",
    "library.txt": "The library opened in 1901. It holds two million books and three reading rooms.",
}
SEEDS = [SeedDoc(id=name, text=text, source=name, sha256=sha256_text(text), kind=SeedKind.TEXT)
         for name, text in TEXTS.items()]


def render(predictor) -> str:
    inputs = {name: "P" for name in predictor.signature.input_fields}
    messages = dspy.JSONAdapter().format(predictor.signature, demos=predictor.demos, inputs=inputs)
    return "\n".join(m["content"] for m in messages)


@pytest.mark.real_model
def test_bootstrap_compile_on_the_embedded_model(tmp_path: Path, embedded_lm):
    weights = {f"{RC.name}.{t.id}": 0.0 for t in RC.transformations if not t.identity}
    weights.update({f"{RC.name}.{t.id}": 0.0 for t in RC.instruction_types if t.id != "literal_comprehension"})
    cfg = CompileConfig(
        skill=RC.name, optimizer="bootstrap", data=DataSettings(train=2, heldout=1, split_seed=2),  # held out: bees
        generation=GenerationConfig(agent_weights=weights, refinement_rounds=0, instruction_types_per_passage=1),
        # threshold 0: any trace the program completes becomes the demo (the tiny judge is harsh and noisy)
        metric=SkillMetricConfig(threshold=0.0), bootstrap=BootstrapSettings(max_bootstrapped_demos=1),
        budget={"max_calls": 20},
    )
    result = compile_skill(cfg, SEEDS, lms=embedded_lm, out_dir=tmp_path / "out")
    m = result.manifest
    log.warning("embedded compile: before %.3f after %.3f, calls %s, cache hits %s, tokens %s, %.0f s",
                m.before.score, m.after.score, m.usage["total"]["calls"], m.usage["total"]["cache_hits"],
                m.usage["total"]["tokens"], m.elapsed_s)
    assert m.status == "completed" and m.before is not None and m.after is not None
    assert 0.0 <= m.before.score <= 1.0 and 0.0 <= m.after.score <= 1.0
    assert m.usage["total"]["calls"] <= 20 and m.usage["total"]["tokens"] > 0
    assert m.saved and "generators['literal_comprehension']" in m.changed_predictors
    reloaded = load_suite([RC.name], compiled_dir=tmp_path / "out")[RC.name]
    fresh = load_suite([RC.name], compiled_dir=None)[RC.name]
    assert render(reloaded.generators["literal_comprehension"]) != render(fresh.generators["literal_comprehension"])
    assert m.before.jury["quality"].items + m.before.failures >= 1
