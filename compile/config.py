"""Typed settings of a compile: which optimizer, its knobs, the data split, the metric and the budget."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.config import ROLES, GenerationConfig, Role
from core.lm.accounting import BudgetConfig
from metrics.skill_metric import SkillMetricConfig

OptimizerName = Literal["mipro", "bootstrap", "gepa"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MiproSettings(_Strict):
    """``dspy.MIPROv2`` settings (``auto=None``: the numbers below are used as given)."""

    num_candidates: int = Field(default=3, ge=1)
    num_trials: int = Field(default=4, ge=1)
    max_bootstrapped_demos: int = Field(default=1, ge=0)
    max_labeled_demos: int = Field(default=0, ge=0)
    """Reference-free data has no labels: keep 0 unless the examples carry outputs."""
    init_temperature: float = Field(default=1.0, ge=0, le=2)
    minibatch_size: int = Field(default=25, ge=1)
    """Trials evaluate minibatches of this size when the validation set is larger; else the whole set."""
    program_aware: bool = False
    data_aware: bool = True
    tip_aware: bool = True
    fewshot_aware: bool = True
    view_data_batch_size: int = Field(default=10, ge=1)


class BootstrapSettings(_Strict):
    """``dspy.BootstrapFewShot`` settings."""

    max_bootstrapped_demos: int = Field(default=2, ge=1)
    max_labeled_demos: int = Field(default=0, ge=0)
    max_rounds: int = Field(default=1, ge=1)


class GepaSettings(_Strict):
    """``dspy.GEPA`` settings (its budget is counted in metric calls, i.e. program runs)."""

    max_metric_calls: int = Field(default=24, ge=1)
    reflection_minibatch_size: int = Field(default=2, ge=1)
    use_merge: bool = False
    candidate_selection_strategy: Literal["pareto", "current_best"] = "pareto"


class DataSettings(_Strict):
    """How train, validation and held-out examples are drawn from the seeds (disjoint seeds per split)."""

    train: int = Field(default=4, ge=1)
    val: int = Field(default=0, ge=0)
    """Seeds of a separate validation set for the optimizer; 0: it validates on the train set."""
    heldout: int = Field(default=2, ge=1)
    examples_per_seed: int = Field(default=1, ge=1)
    split_seed: int = 0


class CompileConfig(_Strict):
    """Everything one ``agentinstruct compile`` needs besides its models, seeds and directories."""

    skill: str
    optimizer: OptimizerName = "mipro"
    seed: int = 0
    data: DataSettings = Field(default_factory=DataSettings)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    """Planner knobs that shape the examples (transformations, types, refinement rounds)."""
    metric: SkillMetricConfig = Field(default_factory=SkillMetricConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    judge_roles: list[Role] = Field(default_factory=lambda: ["judge"])
    """Each listed role's model is one juror of every judged component (a jury when there are several)."""
    prompt_role: Role = "generator"
    """The role whose model proposes instructions (MIPROv2) or reflects (GEPA)."""
    focus: bool = True
    """Optimise only the predictors the examples reach (the others are never evaluated)."""
    num_threads: int = Field(default=1, ge=1)
    mipro: MiproSettings = Field(default_factory=MiproSettings)
    bootstrap: BootstrapSettings = Field(default_factory=BootstrapSettings)
    gepa: GepaSettings = Field(default_factory=GepaSettings)

    def optimizer_settings(self) -> BaseModel:
        """The settings block of the chosen optimizer."""
        return getattr(self, self.optimizer)



class KnobSpace(_Strict):
    """The flow knobs an optuna study searches (inclusive ranges)."""

    refinement_rounds: tuple[int, int] = (0, 2)
    refinement_suggestions: tuple[int, int] = (1, 3)
    temperature_roles: list[Role] = Field(default_factory=lambda: ["generator", "responder"])
    temperature: tuple[float, float] = (0.2, 1.0)
    weighted_agents: list[str] | None = None
    """Agent ids (transformations, instruction types or goals) whose sampling weight is tuned; ``None``:
    the skill's transformation agents."""
    weight: tuple[float, float] = (0.1, 2.0)


class TuneConfig(_Strict):
    """An optuna study over flow knobs against the judge score, with a cost penalty."""

    skill: str
    trials: int = Field(default=8, ge=1)
    seeds: int = Field(default=2, ge=1)
    """Seeds every trial generates from (the same ones each trial)."""
    seed: int = 0
    cost_penalty: float = Field(default=0.01, ge=0)
    """Subtracted from the mean item score per generation request an item cost."""
    space: KnobSpace = Field(default_factory=KnobSpace)
    metric: SkillMetricConfig = Field(default_factory=SkillMetricConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    judge_roles: list[Role] = Field(default_factory=lambda: ["judge"])
    study_name: str | None = None
    """Default: ``knobs-<skill>``."""


__all__ = ["ROLES", "BootstrapSettings", "CompileConfig", "DataSettings", "GepaSettings", "KnobSpace",
           "MiproSettings", "OptimizerName", "TuneConfig"]
