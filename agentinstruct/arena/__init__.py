"""Arena Learning and the ArenaInstruct loop: the application side of the arena (``eval.arena`` holds the
statistics and the judges).

Public API (``from agentinstruct import arena``)::

    arena.load_instructions(path)                  # a run's instructions (answers stripped), JSONL, a dataset
    arena.battle(items, BattleConfig(...), dir)    # -> BattleResult: answers, games, leaderboard, diagnostics
    arena.rate(dir)                                # -> Leaderboard, re-fitted from an arena's games
    arena.build_test_set(pool, TestSetConfig(), dir)   # -> TestSet (frozen: diverse + hard)
    arena.mine(dir, MiningConfig(target=...), out)     # -> MiningOutput: sft.jsonl, dpo.jsonl
    arena.reweight(battles, items, target, run_config, out)  # -> FeedbackResult: generation.yaml, decisions
    arena.loop(LoopConfig(...), dir)               # -> LoopResult: rounds of battle, mine, SFT, DPO, re-rate

The CLI (``agentinstruct arena ...``) wraps these.
"""

from agentinstruct.arena.battle import ArenaMismatch, BattleResult, battle
from agentinstruct.arena.config import BattleConfig, CompetitorSpec, JudgeSpec
from agentinstruct.arena.feedback import FeedbackResult, reweight
from agentinstruct.arena.instructions import Instruction, load_instructions
from agentinstruct.arena.loop import LoopConfig, LoopResult, RoundResult, loop
from agentinstruct.arena.mine import MiningOutput, mine
from agentinstruct.arena.rate import rate
from agentinstruct.arena.testset import TestSet, TestSetConfig, build_test_set, load_test_set
from agentinstruct.arena.trainer import SFTTrainerSteps, Trainer
from eval.arena.leaderboard import Leaderboard, LeaderboardConfig
from eval.arena.mining import MiningConfig
from eval.arena.nodes import FeedbackConfig
from eval.arena.verdicts import ReconcileConfig

__all__ = [
    "ArenaMismatch", "BattleConfig", "BattleResult", "CompetitorSpec", "FeedbackConfig", "FeedbackResult",
    "Instruction", "JudgeSpec", "Leaderboard", "LeaderboardConfig", "LoopConfig", "LoopResult", "MiningConfig",
    "MiningOutput", "ReconcileConfig", "RoundResult", "SFTTrainerSteps", "TestSet", "TestSetConfig", "Trainer",
    "battle", "build_test_set", "load_instructions", "load_test_set", "loop", "mine", "rate", "reweight",
]
