"""The ArenaInstruct feedback: battle outcomes per taxonomy node become the next generation's settings.

Per node (``<skill>.<instruction type>`` and ``<skill>.<transformation>``, read from each prompt's lineage) the
target's loss rate gets a Beta posterior and a rating (``eval.arena.nodes``). Sampling weights
(``generation.agent_weights``, keyed ``<skill>.<agent id>`` as the planner reads them) rise with the loss
rate from each agent's weight in its skill file, with a floor; refinement rounds per transformation
(``generation.refinement_rounds_by_node``) go up where the target clearly wins and down where it loses
badly. The result is a ``RunConfig`` that ``agentinstruct generate --config`` accepts; every decision,
changed or kept, is logged with its evidence to ``decisions.jsonl``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from agentinstruct.arena.instructions import Instruction
from core.config import RunConfig
from core.taxonomy import SkillSpec, load_skills
from eval.arena.battles import Battle
from eval.arena.nodes import Decision, FeedbackConfig, Node, NodeStats, node_stats, rounds_decision, weight_decision

log = logging.getLogger(__name__)


@dataclass
class FeedbackResult:
    """Node statistics, the decisions taken and the generation config they make (and where they went)."""

    nodes: list[NodeStats]
    decisions: list[Decision]
    config: RunConfig
    config_path: Path
    decisions_path: Path

    @property
    def changed(self) -> list[Decision]:
        """The decisions that changed a setting."""
        return [d for d in self.decisions if d.new != d.old]


def prompt_nodes(items: Iterable[Instruction]) -> dict[str, list[Node]]:
    """The taxonomy nodes of each prompt that carries its lineage (skill, instruction type, transformation)."""
    out = {}
    for item in items:
        if not item.skill:
            continue
        nodes = [Node(item.skill, "instruction_type", item.instruction_type)] if item.instruction_type else []
        if item.transformation:
            nodes.append(Node(item.skill, "transformation", item.transformation))
        out[item.id] = nodes
    return out


def _base_weight(spec: SkillSpec, stats: NodeStats) -> float | None:
    agents = spec.instruction_types if stats.kind == "instruction_type" else spec.transformations
    return next((a.weight for a in agents if a.id == stats.agent), None)


def _current_rounds(config: RunConfig, spec: SkillSpec, key: str) -> int:
    g = config.generation
    if key in g.refinement_rounds_by_node:
        return g.refinement_rounds_by_node[key]
    return spec.refinement.rounds if g.refinement_rounds is None else g.refinement_rounds


def write_run_config(config: RunConfig, path: Path) -> None:
    """A ``RunConfig`` as YAML that ``load_config`` (``generate --config``) reads back to the same config."""
    path.write_text(yaml.safe_dump(config.model_dump(mode="json", exclude_defaults=True), sort_keys=False),
                    encoding="utf-8")


def reweight(battles: Sequence[Battle], items: Sequence[Instruction], target: str, base: RunConfig,
             out_dir: str | Path, feedback: FeedbackConfig | None = None, round_no: int = 1,
             origin: RunConfig | None = None) -> FeedbackResult:
    """Decide the next generation's weights and refinement rounds from the target's battles on ``items``.

    A node's new weight is its base weight (``origin``'s ``agent_weights``, else its skill file's; ``origin``
    defaults to ``base``: a loop passes its first config, so weights do not compound over rounds) times the
    loss-rate multiplier; refinement rounds move one step from ``base``'s.
    """
    feedback = feedback or FeedbackConfig()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    skills = load_skills(base.generation.skills_dir)
    stats = node_stats(battles, target, prompt_nodes(items), feedback)
    decisions: list[Decision] = []
    weights = dict(base.generation.agent_weights)
    rounds = dict(base.generation.refinement_rounds_by_node)
    for s in stats:
        spec = skills.get(s.skill)
        weight = (origin or base).generation.agent_weights.get(s.node, _base_weight(spec, s)) if spec else None
        if weight is None:
            log.warning("node %s is not in the taxonomy (skills dir %s): left alone", s.node,
                        base.generation.skills_dir or "shipped")
            continue
        d = weight_decision(s, weight, feedback)
        decisions.append(d)
        weights[s.node] = d.new
        if s.kind == "transformation" and spec.refinement.goals:
            r = rounds_decision(s, _current_rounds(base, spec, s.node), feedback)
            decisions.append(r)
            rounds[s.node] = int(r.new)
    new = base.model_copy(deep=True)
    new.generation = new.generation.model_copy(update={"agent_weights": weights,
                                                       "refinement_rounds_by_node": rounds})
    new = RunConfig.model_validate(new.model_dump())  # the updated config passes validation as a file would
    config_path, decisions_path = out_dir / "generation.yaml", out_dir / "decisions.jsonl"
    write_run_config(new, config_path)
    with open(decisions_path, "w", encoding="utf-8") as fh:
        for d in decisions:
            fh.write(json.dumps({"round": round_no, "target": target, **d.to_dict()}) + "\n")
    (out_dir / "nodes.json").write_text(json.dumps([asdict(s) for s in stats], indent=2), encoding="utf-8")
    changed = sum(d.new != d.old for d in decisions)
    log.info("feedback: %d nodes, %d decisions, %d settings changed -> %s", len(stats), len(decisions), changed,
             config_path)
    return FeedbackResult(stats, decisions, new, config_path, decisions_path)
