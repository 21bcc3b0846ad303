"""Battle outcomes per taxonomy node -> a RunConfig that `generate` reads, with every decision logged;
the planner honours the per-node refinement rounds."""

import hashlib
import json
import random

from agentinstruct.arena import Instruction, reweight
from core.config import GenerationConfig, RunConfig, load_config
from core.flow.plan import plan_unit
from core.seeds import SeedDoc
from core.taxonomy import load_skills
from eval.arena.battles import Battle

RC = "reading_comprehension"


def _items():
    return [Instruction(id=f"p{k}", messages=[{"role": "user", "content": "q"}], skill=RC,
                        instruction_type="literal_comprehension" if k < 6 else "author_purpose",
                        transformation="poem" if k < 6 else "identity") for k in range(12)]


def _battles():
    # the target loses every literal/poem prompt and wins every author_purpose/identity prompt
    return [Battle(f"p{k}", "target", "rival", 0.0 if k < 6 else 1.0) for k in range(12)]


def test_weights_follow_the_losses_rounds_follow_the_wins_and_the_config_round_trips(tmp_path):
    base = RunConfig(generation=GenerationConfig(refinement_rounds=1))
    fb = reweight(_battles(), _items(), "target", base, tmp_path)
    spec = load_skills()[RC]
    yaml_weight = {a.id: a.weight for a in [*spec.instruction_types, *spec.transformations]}
    w = fb.config.generation.agent_weights
    assert w[f"{RC}.literal_comprehension"] > yaml_weight["literal_comprehension"]
    assert w[f"{RC}.author_purpose"] < yaml_weight["author_purpose"]
    assert w[f"{RC}.author_purpose"] >= 0.2 * yaml_weight["author_purpose"]  # the floor
    rounds = fb.config.generation.refinement_rounds_by_node
    assert rounds == {f"{RC}.poem": 0, f"{RC}.identity": 2}
    assert load_config(fb.config_path) == fb.config  # generate --config reads it back unchanged
    lines = [json.loads(x) for x in fb.decisions_path.read_text().splitlines()]
    assert len(lines) == 4 + 2 and all(x["evidence"]["battles"] == 6 and x["rule"] for x in lines)
    assert {x["setting"] for x in lines} == {"agent_weights", "refinement_rounds_by_node"}
    assert (tmp_path / "nodes.json").is_file()


def test_weights_do_not_compound_over_rounds(tmp_path):
    base = RunConfig()
    first = reweight(_battles(), _items(), "target", base, tmp_path / "1")
    second = reweight(_battles(), _items(), "target", first.config, tmp_path / "2", origin=base)
    assert second.config.generation.agent_weights == first.config.generation.agent_weights


def test_the_planner_uses_per_node_refinement_rounds():
    spec = load_skills()[RC]
    text = "Some text. " * 40
    seed = SeedDoc(id="s", text=text, source="s.txt", sha256=hashlib.sha256(text.encode()).hexdigest(), kind="text")
    cfg = GenerationConfig(transformations_per_seed=len(spec.transformations), refinement_rounds=1,
                           refinement_rounds_by_node={f"{RC}.poem": 3, f"{RC}.identity": 0})
    plan = plan_unit(spec, seed, random.Random(0), cfg)
    rounds = {p.transformation: len(p.goals) for p in plan.paths}
    assert rounds["poem"] == 3 and rounds.get("identity", 0) == 0
    assert all(n == 1 for t, n in rounds.items() if t not in ("poem", "identity"))
