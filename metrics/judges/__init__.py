"""The LLM-judge metrics, one per file: each is a ``JudgeMetric`` (a jury behind the DSPy metric protocol)."""

from metrics.judges.correctness import GeneralCorrectness, MathCorrectness, MCQCorrectness, option_letters
from metrics.judges.difficulty import Difficulty, JudgeDifficulty
from metrics.judges.faithfulness import Faithfulness
from metrics.judges.format_following import FormatFollowing, JudgeFormat
from metrics.judges.instruction import InstructionQuality, JudgeInstruction
from metrics.judges.quality import ItemQuality
from metrics.judges.summary import SummaryQuality

__all__ = [
    "Difficulty", "Faithfulness", "FormatFollowing", "GeneralCorrectness", "InstructionQuality", "ItemQuality",
    "JudgeDifficulty", "JudgeFormat", "JudgeInstruction", "MCQCorrectness", "MathCorrectness", "SummaryQuality",
    "option_letters",
]
