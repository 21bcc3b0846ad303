"""LLM-judge metrics as ``dspy.Module``s, their juries and agreement, and cheap deterministic checks.

Every judge metric follows DSPy's metric protocol, ``metric(example, pred, trace=None)``: a float in
[0, 1], or a bool (score >= threshold) when ``trace`` is set. Each is judged by a jury of one or more
judges (models or prompts) whose agreement is reported (Krippendorff's alpha, Spearman).
"""

from metrics.agreement import krippendorff_alpha, pairwise_spearman, spearman
from metrics.checks import CheckResult, ChecksConfig, check_item
from metrics.judge_metric import JudgeMetric, MetricInputError, RubricJudgeMetric
from metrics.judges import (
    Difficulty,
    Faithfulness,
    FormatFollowing,
    GeneralCorrectness,
    InstructionQuality,
    ItemQuality,
    MathCorrectness,
    MCQCorrectness,
    SummaryQuality,
)
from metrics.jury import Ballot, Juror, JuryReport, NoVerdict, Verdict, aggregate
from metrics.pairwise import PairwiseComparison, PairwiseVerdict
from metrics.skill_metric import ItemScore, SkillMetric, SkillMetricConfig

__all__ = [
    "Ballot", "CheckResult", "ChecksConfig", "Difficulty", "Faithfulness", "FormatFollowing",
    "GeneralCorrectness", "InstructionQuality", "ItemQuality", "ItemScore", "JudgeMetric", "Juror", "JuryReport",
    "MCQCorrectness", "MathCorrectness", "MetricInputError", "NoVerdict", "PairwiseComparison",
    "PairwiseVerdict", "RubricJudgeMetric", "SkillMetric", "SkillMetricConfig", "SummaryQuality", "Verdict",
    "aggregate",
    "check_item", "krippendorff_alpha", "pairwise_spearman", "spearman",
]
