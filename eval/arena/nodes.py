"""Battle outcomes per taxonomy node, and the ArenaInstruct feedback rules that turn them into generation
settings.

A node is a ``<skill>.<agent id>`` of the taxonomy that a prompt came from: its instruction type and its
transformation (each prompt counts toward both). From the target's view a battle adds ``1 - y`` losses
(a tie is half a loss); the loss rate has a ``Beta(prior + losses, prior + wins)`` posterior, reported by
its mean and central interval. The node's rating is the target's performance rating against the field it
met there: ``anchor_rating + 400 * log10(win / (1 - win))`` with the posterior mean win rate (1000: even).

Rules (``FeedbackConfig``), decided from one round's evidence (they do not compound over rounds):

- **weight**: ``base * max(floor, loss_rate / 0.5)``: a node the target loses more often is sampled more,
  up to twice its base weight, and no node falls below ``floor`` times its base (none dies); a node with
  fewer than ``min_battles`` battles keeps its weight.
- **refinement rounds** (transformation nodes): one more round (up to ``max_rounds``) where the target
  wins with the interval of its win rate above 0.5; one fewer (down to ``min_rounds``) where it loses
  badly: mean win rate below ``lose_badly`` and the interval below 0.5; otherwise unchanged.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from scipy.stats import beta as beta_dist

from eval.arena.battles import Battle

NodeKind = Literal["instruction_type", "transformation"]


@dataclass(frozen=True)
class Node:
    """One taxonomy node: ``skill`` x an instruction type or a transformation (``agent``)."""

    skill: str
    kind: NodeKind
    agent: str

    @property
    def key(self) -> str:
        """``<skill>.<agent id>``: the key of ``agent_weights`` and ``refinement_rounds_by_node``."""
        return f"{self.skill}.{self.agent}"


class FeedbackConfig(BaseModel):
    """Beta prior and interval level; the weight floor; the refinement-round bounds and thresholds."""

    model_config = ConfigDict(extra="forbid")

    prior: float = Field(1.0, gt=0.0)
    level: float = Field(0.95, gt=0.0, lt=1.0)
    floor: float = Field(0.2, gt=0.0, le=1.0)
    min_battles: int = Field(1, ge=1)
    min_rounds: int = Field(0, ge=0, le=10)
    max_rounds: int = Field(3, ge=0, le=10)
    lose_badly: float = Field(0.25, ge=0.0, le=0.5)
    anchor_rating: float = 1000.0


@dataclass(frozen=True)
class NodeStats:
    """The target's record on one node: battles, losses, the loss-rate posterior and the node rating."""

    node: str
    skill: str
    kind: NodeKind
    agent: str
    battles: int
    losses: float
    alpha: float
    beta: float
    loss_rate: float
    loss_low: float
    loss_high: float
    rating: float

    @property
    def win_low(self) -> float:
        """Lower bound of the win rate's interval."""
        return 1.0 - self.loss_high

    @property
    def win_high(self) -> float:
        """Upper bound of the win rate's interval."""
        return 1.0 - self.loss_low


def node_stats(battles: Iterable[Battle], target: str, prompt_nodes: Mapping[str, Sequence[Node]],
               config: FeedbackConfig | None = None) -> list[NodeStats]:
    """Per node, the target's battles on the prompts of that node (abstained battles are left out)."""
    config = config or FeedbackConfig()
    tally: dict[Node, list[float]] = defaultdict(list)
    for b in battles:
        if b.y is None or target not in (b.model_x, b.model_y):
            continue
        y = b.y if b.model_x == target else 1.0 - b.y
        for node in prompt_nodes.get(b.prompt_id, ()):
            tally[node].append(y)
    tail = (1.0 - config.level) / 2
    out = []
    for node in sorted(tally, key=lambda n: (n.skill, n.kind, n.agent)):
        ys = tally[node]
        losses = sum(1.0 - y for y in ys)
        a, b_ = config.prior + losses, config.prior + len(ys) - losses
        mean = a / (a + b_)
        low, high = beta_dist.ppf([tail, 1.0 - tail], a, b_)
        rating = config.anchor_rating + 400.0 * math.log10((1.0 - mean) / mean)
        out.append(NodeStats(node.key, node.skill, node.kind, node.agent, len(ys), losses, a, b_, mean,
                             float(low), float(high), rating))
    return out


@dataclass(frozen=True)
class Decision:
    """One setting changed (or kept) for one node, the rule that decided it and the evidence."""

    node: str
    setting: Literal["agent_weights", "refinement_rounds_by_node"]
    old: float
    new: float
    rule: str
    evidence: dict

    def to_dict(self) -> dict:
        """A JSON-ready view."""
        return asdict(self)


def weight_decision(stats: NodeStats, base: float, config: FeedbackConfig | None = None) -> Decision:
    """The node's new sampling weight from its base weight and the target's loss rate."""
    config = config or FeedbackConfig()
    evidence = asdict(stats)
    if stats.battles < config.min_battles:
        return Decision(stats.node, "agent_weights", base, base, f"kept: fewer than {config.min_battles} "
                        "battles", evidence)
    multiplier = max(config.floor, stats.loss_rate / 0.5)
    rule = (f"floor: loss rate {stats.loss_rate:.3f} gives x{stats.loss_rate / 0.5:.3f} < floor {config.floor}"
            if multiplier == config.floor else f"loss rate {stats.loss_rate:.3f} / 0.5 = x{multiplier:.3f}")
    return Decision(stats.node, "agent_weights", base, round(base * multiplier, 6), rule, evidence)


def rounds_decision(stats: NodeStats, current: int, config: FeedbackConfig | None = None) -> Decision:
    """The transformation node's new refinement rounds from the interval of the target's win rate."""
    config = config or FeedbackConfig()
    evidence = asdict(stats)
    win = 1.0 - stats.loss_rate
    if stats.battles >= config.min_battles and stats.win_low > 0.5:
        new = min(config.max_rounds, current + 1)
        rule = f"target wins: win-rate interval low {stats.win_low:.3f} > 0.5"
    elif stats.battles >= config.min_battles and win < config.lose_badly and stats.win_high < 0.5:
        new = max(config.min_rounds, current - 1)
        rule = (f"target loses badly: win rate {win:.3f} < {config.lose_badly}, interval high "
                f"{stats.win_high:.3f} < 0.5")
    else:
        new, rule = current, "kept: the win-rate interval holds 0.5 (or too few battles)"
    if new == current and rule.startswith("target"):
        rule += f" (already at the bound {current})"
    return Decision(stats.node, "refinement_rounds_by_node", current, new, rule, evidence)
