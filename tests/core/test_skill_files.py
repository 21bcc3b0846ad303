"""The shipped skill files: coverage of the paper's taxonomy, and refusal of malformed new fields."""

from pathlib import Path

import pytest
import yaml

from core.taxonomy import SkillError, builtin_skills_dir, load_skill, load_skills

SKILLS = load_skills()


def test_more_than_100_subcategories_over_17_skills():
    assert len(SKILLS) == 17
    assert sum(s.n_subcategories for s in SKILLS.values()) > 100
    assert all(s.n_subcategories >= 5 for s in SKILLS.values())


def test_text_modification_has_all_18_types_of_appendix_a2():
    ids = {t.id for t in SKILLS["text_modification"].instruction_types}
    assert ids == {
        "paraphrasing", "text_simplification", "text_expansion", "text_translation", "text_formatting",
        "sentiment_modification", "text_annotation", "keyword_replacement", "text_removing",
        "text_capitalization", "text_styling", "content_rewriting", "data_normalization",
        "plagiarism_rewording", "code_switching", "text_obfuscation", "textual_entailment",
        "vocabulary_limitation",
    }


def test_reading_comprehension_has_43_question_types():
    spec = SKILLS["reading_comprehension"]
    assert spec.n_subcategories == 43
    assert [t.id for t in spec.instruction_types[:3]] == ["literal_comprehension", "numerical_discrete_reasoning",
                                                          "critical_comprehension"]
    assert len({t.name for t in spec.instruction_types}) == 43


@pytest.mark.parametrize("name", sorted(SKILLS))
def test_every_declared_seed_kind_is_served_and_every_agent_is_reachable(name):
    spec = SKILLS[name]
    for kind in spec.seed_kinds:
        agents = spec.transformations_for(kind)
        assert agents, f"{name}: no transformation for {kind} seeds"
        assert all(spec.types_for(t.id) for t in agents), f"{name}: a {kind} transformation has no types"
    reachable = {t.id for kind in spec.seed_kinds for a in spec.transformations_for(kind) for t in spec.types_for(a.id)}
    assert reachable == {t.id for t in spec.instruction_types}
    assert spec.refinement.goals, f"{name}: no refinement goals"


def test_seed_kinds_of_table_1_skills():
    assert SKILLS["web_agent"].seed_kinds == ["html"]
    assert set(SKILLS["tool_use"].seed_kinds) == {"api", "code"}
    assert "table" in SKILLS["data_to_text"].seed_kinds
    assert "code" in SKILLS["coding"].seed_kinds


def test_tool_use_covers_the_four_task_families():
    families = {(t.tool_task.apis, t.tool_task.hidden_apis > 0, t.tool_task.expected_stop)
                for t in SKILLS["tool_use"].instruction_types}
    assert families == {
        ("single", False, "FINAL_ANSWER"),  # 1a, 1b
        ("single", False, "FAILED"),        # 1c
        ("multiple", False, "FINAL_ANSWER"),  # 2a
        ("multiple", False, "FAILED"),      # 2b
        ("single", True, "FAILED"),         # 3
        ("multiple", True, "FAILED"),       # 4
    }


def test_open_domain_qa_refines_into_complex_variants():
    goals = [g.id for g in SKILLS["open_domain_question_answering"].refinement.goals]
    assert sum(g.startswith("complex_odqa") for g in goals) >= 3


def test_most_skills_teach_format_following():
    with_format = [n for n, s in SKILLS.items() if any(g.attaches_format for g in s.refinement.goals)]
    assert len(with_format) >= 12


# -- malformed files ------------------------------------------------------------------------------------
def _load(tmp_path: Path, name: str, edit) -> str:
    data = yaml.safe_load((builtin_skills_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(SkillError) as err:
        load_skill(path)
    assert str(path) in str(err.value)
    return str(err.value)


def _set(*keys, value):
    def edit(data):
        target = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return edit


@pytest.mark.parametrize(("name", "edit", "field"), [
    ("tool_use", _set("instruction_types", 0, "tool_task", "colour", value="blue"),
     "instruction_types.0.tool_task.colour"),
    ("tool_use", _set("instruction_types", 2, "tool_task", "hidden_apis", value=-1),
     "instruction_types.2.tool_task.hidden_apis"),
    ("tool_use", _set("instruction_types", 1, "tool_task", value=None),
     "instruction_types.single_api_superfluous_params.tool_task: is required"),
    ("fermi", _set("instruction_types", 0, "tool_task", value={"apis": "single", "expected_stop": "FAILED"}),
     "instruction_types.count_estimation.tool_task: is only for program: tool_use"),
    ("fermi", _set("instruction_types", 0, "runs_code", value=True),
     "instruction_types.count_estimation.runs_code: only for program: coding"),
    ("coding", _set("options", "colour", value=1), "options.colour"),
    ("conversation", _set("options", "turns", value=0), "options.turns"),
    ("coding", _set("options", "timeout_s", value=1000), "options.timeout_s"),
    ("text_modification", _set("refinement", "goals", 1, "edits_passage", value=True), "refinement.goals.1"),
    ("text_modification", _set("instruction_types", 3, "instructions", value=" "),
     "instruction_types.3.instructions"),
    ("web_agent", _set("transformations", 0, "id", value="identity"), "duplicate agent id 'identity'"),
])
def test_malformed_new_fields_name_the_file_and_the_field(tmp_path, name, edit, field):
    assert field in _load(tmp_path, name, edit)
