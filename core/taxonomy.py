"""Skills as data: the pydantic ``SkillSpec`` and the loader for ``core/skills/*.yaml``.

A skill file holds everything that is prose in the paper: the content transformation agents, the
taxonomy of instruction types, the suggester/editor refinement goals and the judge rubric. Python
holds only the generic control flow (``programs/skill.py``), so a new skill is one YAML file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.judging_spec import JudgingSpec

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it (10x faster on the skill files), else PyYAML's."""

AgentId = str
OutputType = Literal["qa", "conversation", "tool_trace", "code", "web_action", "structured"]
SeedKindName = Literal["text", "code", "html", "api", "table"]


class SkillError(ValueError):
    """A skill file could not be loaded; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _non_blank(value: str) -> str:
    if not value or not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


class AgentSpec(_Strict):
    """One agent: a stable id, a human name, and the prose that becomes its prompt."""

    id: AgentId = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    instructions: str
    weight: float = Field(default=1.0, gt=0)

    _check_instructions = field_validator("instructions", "name")(_non_blank)


class TransformationSpec(AgentSpec):
    """A Content Transformation agent (paper, section 2 and Appendix A)."""

    identity: bool = False
    seed_kinds: list[SeedKindName] | None = None
    """Seed kinds this agent accepts; ``None`` means every kind the skill takes."""


class ToolTaskSpec(_Strict):
    """A tool-use task family (paper, section 2.3): which APIs a task needs and how its trace must end."""

    apis: Literal["single", "multiple"]
    hidden_apis: int = Field(default=0, ge=0, le=5)
    """APIs of the library the task needs but the assistant is not given (families 3 and 4)."""
    expected_stop: Literal["FINAL_ANSWER", "FAILED"]
    """How a correct trace for this family ends."""
    min_calls: int = Field(default=0, ge=0, le=10)
    """API calls a correct trace makes at least before it stops."""


class InstructionTypeSpec(AgentSpec):
    """One instruction type of the Seed Instruction Generation taxonomy (a subcategory)."""

    transformations: list[AgentId] | None = None
    """Transformation agents whose passages suit this type; ``None`` means all of them."""
    tool_task: ToolTaskSpec | None = None
    """The task family, for the instruction types of a ``program: tool_use`` skill (required there)."""
    runs_code: bool = False
    """Coding (``program: coding``): the response's code and tests are run in the sandbox."""


class RefinementGoalSpec(AgentSpec):
    """One suggester/editor pair of the Instruction Refinement flow."""

    edits_passage: bool = False
    """Whether the editor rewrites the passage (unanswerable, flipped answer) or only the instruction."""
    attaches_format: bool = False
    """A format-following goal (paper, section 4.5): an agent synthesizes formatting guidelines that are
    attached to the instruction, and the response is checked against them where the check is mechanical
    (``program: formatted`` and the other special programs; the generic program treats it as an edit)."""

    @model_validator(mode="after")
    def _one_kind(self) -> RefinementGoalSpec:
        if self.attaches_format and self.edits_passage:
            raise ValueError("attaches_format and edits_passage exclude each other")
        return self


class RefinementSpec(_Strict):
    """How many suggester/editor rounds to run and with which goals."""

    rounds: int = Field(default=1, ge=0, le=10)
    suggestions: int = Field(default=3, ge=1, le=10)
    goals: list[RefinementGoalSpec] = Field(default_factory=list)


class ProgramOptions(_Strict):
    """Knobs of the special programs (ignored by the generic one)."""

    turns: int = Field(default=3, ge=1, le=10)
    """Conversation: user/assistant exchanges per record."""
    max_steps: int = Field(default=6, ge=1, le=20)
    """Tool use: assistant steps (API calls plus the final STOP) per trace."""
    fix_attempts: int = Field(default=2, ge=0, le=5)
    """Coding: rounds of the fix-up agent for code whose tests fail."""
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    """Coding: wall-clock limit of one sandboxed run."""
    memory_mb: int = Field(default=512, ge=64, le=8192)
    """Coding: address-space limit of one sandboxed run."""


class SkillSpec(_Strict):
    """A whole skill: its agents, its taxonomy and how its records are shaped."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    description: str
    output_type: OutputType = "qa"
    program: str | None = None
    """Name of a special program in ``programs/special`` when the control flow differs; else generic."""
    seed_kinds: list[SeedKindName] = Field(default_factory=lambda: ["text"])
    system_prompt: str | None = None
    user_template: str = "{passage}\n\n{instruction}"
    """How the passage and the instruction become the user turn."""
    transformations: list[TransformationSpec]
    instruction_types: list[InstructionTypeSpec]
    refinement: RefinementSpec = Field(default_factory=RefinementSpec)
    judge_rubric: str
    judging: JudgingSpec = Field(default_factory=JudgingSpec)
    """The jury the skill's items meet after their last stage (criteria, thresholds, checks)."""
    options: ProgramOptions = Field(default_factory=ProgramOptions)

    _check_text = field_validator("title", "description", "judge_rubric")(_non_blank)

    @field_validator("transformations", "instruction_types")
    @classmethod
    def _not_empty(cls, value: list) -> list:
        if not value:
            raise ValueError("must list at least one agent")
        return value

    @model_validator(mode="after")
    def _check_ids(self) -> SkillSpec:
        for label, agents in (
            ("transformations", self.transformations),
            ("instruction_types", self.instruction_types),
            ("refinement.goals", self.refinement.goals),
        ):
            seen: set[str] = set()
            for agent in agents:
                if agent.id in seen:
                    raise ValueError(f"{label}: duplicate agent id {agent.id!r}")
                seen.add(agent.id)
        known = {t.id for t in self.transformations}
        for itype in self.instruction_types:
            unknown = set(itype.transformations or ()) - known
            if unknown:
                raise ValueError(
                    f"instruction_types.{itype.id}.transformations: unknown agent ids {sorted(unknown)}"
                )
        if "{instruction}" not in self.user_template:
            raise ValueError("user_template must contain {instruction}")
        for itype in self.instruction_types:
            if (itype.tool_task is None) == (self.program == "tool_use"):
                need = "is required" if itype.tool_task is None else "is only for program: tool_use"
                raise ValueError(f"instruction_types.{itype.id}.tool_task: {need}")
            if itype.runs_code and self.program != "coding":
                raise ValueError(f"instruction_types.{itype.id}.runs_code: only for program: coding")
        return self

    def transformation(self, agent_id: AgentId) -> TransformationSpec:
        """The transformation agent with this id (``KeyError`` if absent)."""
        return _by_id(self.transformations, agent_id)

    def instruction_type(self, agent_id: AgentId) -> InstructionTypeSpec:
        """The instruction type with this id (``KeyError`` if absent)."""
        return _by_id(self.instruction_types, agent_id)

    def goal(self, agent_id: AgentId) -> RefinementGoalSpec:
        """The refinement goal with this id (``KeyError`` if absent)."""
        return _by_id(self.refinement.goals, agent_id)

    def transformations_for(self, seed_kind: str) -> list[TransformationSpec]:
        """Transformation agents that accept seeds of this kind."""
        if seed_kind not in self.seed_kinds:
            return []
        return [t for t in self.transformations if seed_kind in (t.seed_kinds or self.seed_kinds)]

    def types_for(self, transformation_id: AgentId) -> list[InstructionTypeSpec]:
        """Instruction types that may follow a given transformation agent."""
        return [
            t for t in self.instruction_types
            if t.transformations is None or transformation_id in t.transformations
        ]

    @property
    def n_subcategories(self) -> int:
        """Subcategories of this skill: its instruction types."""
        return len(self.instruction_types)


def _by_id(agents: Iterable[AgentSpec], agent_id: AgentId):
    for agent in agents:
        if agent.id == agent_id:
            return agent
    raise KeyError(agent_id)


def _format_error(path: Path | str, err: ValidationError) -> str:
    lines = [f"{path}: invalid skill file"]
    for item in err.errors():
        where = ".".join(str(p) for p in item["loc"]) or "<top>"
        lines.append(f"  field {where}: {item['msg']}")
    return "\n".join(lines)


def load_skill(path: str | Path) -> SkillSpec:
    """Load and validate one skill YAML file; errors name the file and the offending field."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SkillError(f"{path}: cannot read skill file: {exc}") from exc
    if not isinstance(raw, dict):
        raise SkillError(f"{path}: a skill file must be a mapping at the top level")
    try:
        spec = SkillSpec.model_validate(raw)
    except ValidationError as exc:
        raise SkillError(_format_error(path, exc)) from exc
    if spec.name != path.stem:
        raise SkillError(f"{path}: field name: {spec.name!r} must match the file name {path.stem!r}")
    return spec


def builtin_skills_dir() -> Path:
    """The directory of the skill files shipped with the package."""
    return Path(__file__).resolve().parent / "skills"


def load_skills(directory: str | Path | None = None) -> dict[str, SkillSpec]:
    """Load every ``*.yaml`` skill in ``directory`` (default: the shipped skills), keyed by name."""
    directory = Path(directory) if directory else builtin_skills_dir()
    skills = {}
    for path in sorted(directory.glob("*.yaml")):
        spec = load_skill(path)
        skills[spec.name] = spec
    if not skills:
        raise SkillError(f"{directory}: no skill files (*.yaml) found")
    return skills


def spec_hash(spec: SkillSpec) -> str:
    """A short hash of a skill's validated content (what its records and compiled programs depend on)."""
    return hashlib.sha256(spec.model_dump_json().encode("utf-8")).hexdigest()[:16]


def agent_prose_hashes(spec: SkillSpec) -> dict[str, str]:
    """``kind:id`` -> a short hash of that agent's prose, for every agent of the skill."""

    def h(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    out = {f"transform:{t.id}": h(t.instructions) for t in spec.transformations}
    out.update({f"generate:{t.id}": h(t.instructions) for t in spec.instruction_types})
    out.update({f"refine:{g.id}": h(f"{g.name}\x1f{g.instructions}") for g in spec.refinement.goals})
    return out
