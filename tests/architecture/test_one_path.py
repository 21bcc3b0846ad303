"""One execution path: for the same plan and LM, what compile's evaluation scores is what generation writes.

For every skill, one seed runs once through ``agentinstruct.generate`` (the driver, the ledger, records on
disk) and once through compile's held-out evaluation (``examples_for_seed`` -> ``forward`` -> the metric).
The items the metric is handed must be exactly the records: same messages, same lineage fields, same order.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dspy
import pytest
from dummies import make_dummy

from agentinstruct import generate
from compile.dataset import examples_for_seed
from compile.evaluate import evaluate_heldout
from core.config import GenerationConfig, JudgingConfig, QualityConfig, RunConfig
from core.seeds import load_seeds
from core.taxonomy import load_skills
from programs import build_program

SPECS = load_skills()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "seeds"
SEED_FOR_KIND = {"text": "prose/honey_bees.txt", "html": "html/backyard_compost.html", "code": "code/bisect.py",
                 "api": "api/weather_tools.json", "table": "tables/planets.json"}
WEB_PAGE = ("[e1] heading \"Starting a Backyard Compost Heap\" y=0\n[e2] text field \"Search the garden guide\" "
            "y=40\n[e3] button \"Search\" y=40\n[e4] paragraph \"A compost heap turns kitchen scraps and garden "
            "waste into a dark, crumbly material that improves almost any soil.\" y=120")
ANSWERS = {"web_agent": {"passage": WEB_PAGE, "modified_passage": WEB_PAGE,
                         "response": 'TYPE [e2] "browns"\nCLICK [e3]\nDONE "The guide lists the browns."'}}
GEN = GenerationConfig(instruction_types_per_passage=2, refinement_rounds=1, refinement_suggestions=1,
                       generation_attempts=2, response_attempts=2)


class Recorder:
    """A metric that records the items it is asked to score (and scores each 1)."""

    def __init__(self):
        self.items: list = []

    def __call__(self, example, pred, trace=None):
        self.items.extend(pred.generated)
        return 1.0

    def reset(self) -> None:
        self.items = []

    def report(self) -> dict:
        return {}


def _key(messages, subcategory, transformation, round_, goal, agents):
    return json.dumps([messages, subcategory, transformation, round_, goal, agents], sort_keys=True)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_compile_scores_exactly_the_records_generation_writes(name, tmp_path):
    spec = SPECS[name]
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    source = EXAMPLES / SEED_FOR_KIND[spec.seed_kinds[0]]
    shutil.copy(source, seeds / source.name)
    # Judging off: generation then writes every item the flow made, which is what compile scores.
    config = RunConfig(generation=GEN, quality=QualityConfig(dedup=False, decontaminate=False),
                       judging=JudgingConfig(enabled=False))
    generate(seeds, tmp_path / "run", skills=[name], config=config, lms=make_dummy(**ANSWERS.get(name, {})),
             compiled_dir=None)
    records = [json.loads(line) for path in sorted((tmp_path / "run" / "data").glob("*.jsonl"))
               for line in path.read_text(encoding="utf-8").splitlines()]
    written = [_key(r["messages"], r["subcategory"], r["lineage"]["transformation"],
                    r["lineage"]["refinement_round"], r["lineage"]["refinement_goal"], r["lineage"]["agents"])
               for r in records]

    (seed,) = load_seeds(seeds).seeds
    examples = examples_for_seed(spec, seed, GEN, limit=100)
    metric = Recorder()
    program = build_program(spec)
    with dspy.context(lm=make_dummy(**ANSWERS.get(name, {})), adapter=dspy.JSONAdapter()):
        score = evaluate_heldout(program, examples, metric)
    assert score.failures == 0  # an example whose flow failed would have scored nothing
    scored = [_key([{k: v for k, v in m.items()} for m in item.messages], item.subcategory, item.transformation,
                   item.refinement_round, item.refinement_goal, item.agents) for item in metric.items]
    assert scored == written
    print(f"{name}: {len(written)} records == {len(scored)} scored items")
    assert written, f"{name}: the check must compare real items, not two empty lists"
