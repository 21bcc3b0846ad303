"""Loss mining written out: the target's losses as SFT records and the best/worst answers as DPO pairs, in
the formats ``agentinstruct train sft`` and ``train dpo`` read, each line with its full provenance.

``sft.jsonl``: ``{"id", "messages": prompt + the winner's answer, "skill", "subcategory", "scores",
"provenance"}`` (the trainer reads ``messages`` and ``scores``). ``dpo.jsonl``: ``{"id", "prompt", "chosen",
"rejected", "provenance"}`` (TRL's conversational preference format; the trainer reads the three lists).
Provenance: round, target, the models, each answer's scores per position and judge, the gap and the
threshold, every game of the prompt (judge, order, positions, scores, explanation) and the prompt's
lineage. Thresholds and selection are ``eval.arena.mining``'s (the paper's: 3, then 1; DPO gap 2).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path

from agentinstruct.arena.artifacts import read_answers, read_games
from agentinstruct.arena.instructions import Instruction, read_instructions
from eval.arena.battles import Game
from eval.arena.mining import AnswerScore, MiningConfig, answer_scores, mine_losses

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MiningOutput:
    """Where the mined data went and how much of it there is."""

    sft_path: Path
    dpo_path: Path
    n_sft: int
    n_dpo: int
    identical_skipped: int
    no_target: int
    missing_order: int
    prompts: int

    def to_dict(self) -> dict:
        """A JSON-ready view."""
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}


def _score(a: AnswerScore) -> dict:
    return {"model": a.model, "mean": a.mean, "as_a": list(a.as_a), "as_b": list(a.as_b), "judges": list(a.judges)}


def _lineage(item: Instruction) -> dict:
    return {"skill": item.skill, "instruction_type": item.instruction_type, "transformation": item.transformation,
            "refinement_round": item.refinement_round, "source": item.source}


def mine(arena_dir: str | Path, config: MiningConfig, out_dir: str | Path, *,
         sft_prompts: Collection[str] | None = None, dpo_prompts: Collection[str] | None = None) -> MiningOutput:
    """Mine the arena in ``arena_dir`` (score-mode games) into ``out_dir/sft.jsonl`` and ``dpo.jsonl``.

    ``sft_prompts`` / ``dpo_prompts`` restrict each kind to its own split of the prompts (disjoint splits
    per stage and round, as the paper keeps them); ``None`` allows every prompt.
    """
    arena_dir, out_dir = Path(arena_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    games = read_games(arena_dir)
    if not any(g.scores is not None for g in games):
        raise ValueError(f"{arena_dir}: no score-mode games; loss mining needs 1-10 scores (mode: score)")
    answers = read_answers(arena_dir)
    items = {i.id: i for i in read_instructions(arena_dir / "instructions.jsonl")}
    by_prompt: dict[str, list[Game]] = defaultdict(list)
    for g in games:
        by_prompt[g.prompt_id].append(g)
    mined = mine_losses(answer_scores(games), config)
    identical = 0
    sft_rows, dpo_rows = [], []
    base = {"round": config.round, "target": config.target, "arena_dir": str(arena_dir)}
    for s in mined.sft:
        if sft_prompts is not None and s.prompt_id not in sft_prompts:
            continue
        item = items[s.prompt_id]
        sft_rows.append({
            "id": f"arena-r{config.round}-sft-{s.prompt_id}", "skill": item.skill or "arena",
            "subcategory": item.instruction_type or "arena",
            "messages": [*item.prompt(), {"role": "assistant", "content": answers[(s.prompt_id, s.winner.model)]}],
            "scores": {"arena_winner": s.winner.mean, "arena_target": s.target.mean, "arena_gap": s.gap},
            "provenance": {**base, "kind": "sft", "prompt_id": s.prompt_id, "winner": _score(s.winner),
                           "target_score": _score(s.target), "gap": s.gap, "threshold": config.threshold,
                           "games": [asdict(g) for g in by_prompt[s.prompt_id]], "lineage": _lineage(item)}})
    for p in mined.dpo:
        if dpo_prompts is not None and p.prompt_id not in dpo_prompts:
            continue
        item = items[p.prompt_id]
        chosen, rejected = answers[(p.prompt_id, p.chosen.model)], answers[(p.prompt_id, p.rejected.model)]
        if chosen.strip() == rejected.strip():
            identical += 1
            continue
        dpo_rows.append({
            "id": f"arena-r{config.round}-dpo-{p.prompt_id}", "prompt": item.prompt(),
            "chosen": [{"role": "assistant", "content": chosen}],
            "rejected": [{"role": "assistant", "content": rejected}],
            "provenance": {**base, "kind": "dpo", "prompt_id": p.prompt_id, "chosen": _score(p.chosen),
                           "rejected": _score(p.rejected), "gap": p.gap, "min_gap": config.dpo_gap,
                           "games": [asdict(g) for g in by_prompt[p.prompt_id]], "lineage": _lineage(item)}})
    sft_path, dpo_path = out_dir / "sft.jsonl", out_dir / "dpo.jsonl"
    for path, rows in ((sft_path, sft_rows), (dpo_path, dpo_rows)):
        with open(path, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    out = MiningOutput(sft_path, dpo_path, len(sft_rows), len(dpo_rows), identical, mined.no_target,
                       mined.missing_order, len(by_prompt))
    (out_dir / "mining.json").write_text(json.dumps({**out.to_dict(), "config": config.model_dump()}, indent=2),
                                         encoding="utf-8")
    log.info("mined %d SFT records and %d DPO pairs from %s", out.n_sft, out.n_dpo, arena_dir)
    return out
