"""An arena's files: answers, games, battles, ratings, diagnostics, the summary and the HTML report (all
rewritten from the ledger at the end of every invocation, so they always match it)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from agentinstruct.arena.config import BattleConfig
from agentinstruct.arena.instructions import Instruction
from agentinstruct.arena.report import arena_report
from agentinstruct.arena.units import game_from_result
from eval.arena.battles import Battle, Game

if TYPE_CHECKING:
    from agentinstruct.arena.battle import BattleResult

log = logging.getLogger(__name__)


def _jsonl(path: Path, rows: Iterable[dict]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)


def _json(path: Path, obj) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(path)


def battles_json(battles: Sequence[Battle]) -> list[dict]:
    """Battles as JSON rows (votes and abstentions with their reasons)."""
    return [{"prompt_id": b.prompt_id, "model_x": b.model_x, "model_y": b.model_y, "y": b.y, "flip": b.flip,
             "votes": [asdict(v) for v in b.votes]} for b in battles]


def write_artifacts(result: BattleResult, config: BattleConfig, items: Sequence[Instruction]) -> None:
    """Write every file of the arena directory from ``result``."""
    d = result.arena_dir
    settings = config.answers.model_dump(mode="json")
    _jsonl(d / "answers.jsonl", ({"prompt_id": p, "model": m, "text": t, "settings": settings}
                                 for (p, m), t in sorted(result.answers.items())))
    _jsonl(d / "games.jsonl", result.game_rows)
    _jsonl(d / "battles.jsonl", battles_json(result.battles))
    if result.leaderboard is not None:
        _json(d / "ratings.json", result.leaderboard.to_dict())
    _json(d / "diagnostics.json", asdict(result.diagnostics))
    _json(d / "summary.json", result.summary())
    (d / "report.html").write_text(arena_report(result), encoding="utf-8")
    log.info("arena %s: %d games, %d battles; report %s", d, len(result.games), len(result.battles),
             d / "report.html")


def read_answers(arena_dir: Path) -> dict[tuple[str, str], str]:
    """``(prompt id, model) -> answer`` of an arena (``answers.jsonl``)."""
    out = {}
    for line in (arena_dir / "answers.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        out[(r["prompt_id"], r["model"])] = r["text"]
    return out


def read_games(arena_dir: Path) -> list[Game]:
    """The games an arena wrote (``games.jsonl``), with both answers' styles."""
    answers = read_answers(arena_dir)
    return [game_from_result(json.loads(line), answers)
            for line in (arena_dir / "games.jsonl").read_text(encoding="utf-8").splitlines()]
