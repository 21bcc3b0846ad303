"""The closing summary of a generation run."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from core.judging_summary import JudgingSummary


class UsageTotals(BaseModel):
    """LLM calls and tokens, per model."""

    model_config = ConfigDict(extra="forbid")

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


class RunSummary(BaseModel):
    """What a run (or one resumed invocation of it) did."""

    model_config = ConfigDict(extra="forbid")

    run_dir: str
    data_dir: str
    records_written: int = 0
    records_total: int = 0
    seeds_loaded: int = 0
    seeds_rejected: int = 0
    rejects_by_reason: dict[str, int] = Field(default_factory=dict)
    units_done: int = 0
    units_failed: int = 0
    units_skipped: int = 0
    units_incomplete: int = 0
    units_not_applicable: int = 0
    """Seed x skill pairs not run: the skill takes no seeds of that kind, or was not drawn for the seed."""
    failures_by_reason: dict[str, int] = Field(default_factory=dict)
    failures_by_stage: dict[str, int] = Field(default_factory=dict)
    records_by_skill: dict[str, int] = Field(default_factory=dict)
    rejections_by_skill: dict[str, int] = Field(default_factory=dict)
    """Items refused by a skill's checks (failed tests, a call against the API schemas, web actions on ids
    the page lacks): counted in the failures too, with their reasons in failures.jsonl (error "Rejected")."""
    judging: JudgingSummary | None = None
    """The judging stage over the whole run (``None`` when it is off): refusals by skill and criterion,
    score histograms, agreement, refinement difficulty, preference pairs (see docs/judging.md)."""
    quality_drops: dict[str, int] = Field(default_factory=dict)
    """Records removed by the quality gates, by reason (duplicate, contaminated); see dropped.jsonl."""
    usage_by_model: dict[str, UsageTotals] = Field(default_factory=dict)
    usage_by_role: dict[str, UsageTotals] = Field(default_factory=dict)
    usage_by_skill: dict[str, UsageTotals] = Field(default_factory=dict)
    unpriced_models: list[str] = Field(default_factory=list)
    cache_hits: int = 0
    """Requests served by the request cache (free)."""
    failed_calls: int = 0
    """Calls that reached a model and failed (they count against the call budget)."""
    malformed_answers: int = 0
    """Structured answers refused by the LM middleware (not JSON, a field missing, cut) and asked again."""
    batch: dict[str, float] = Field(default_factory=dict)
    """Batch mode (``generation.batch``), this invocation: batches and requests sent, answers read, requests
    sent again, failed, batches resumed from an earlier invocation, list price of the answers, discount."""
    invocations: int = 1
    """How many invocations of ``generate`` (the first and each ``--resume``) the usage figures add up."""
    usage_this_invocation: UsageTotals = Field(default_factory=UsageTotals)
    """The calls, tokens and cost of the last invocation alone (``usage_by_*`` add up all of them)."""
    torn_lines_repaired: int = 0
    orphan_lines_dropped: int = 0
    stopped_early: str | None = None
    elapsed_s: float = 0.0

    @property
    def llm_calls(self) -> int:
        """LLM calls actually sent (cache hits excluded)."""
        return sum(u.calls for u in self.usage_by_model.values())

    @property
    def tokens(self) -> int:
        """Prompt plus completion tokens over all models."""
        return sum(u.prompt_tokens + u.completion_tokens for u in self.usage_by_model.values())
