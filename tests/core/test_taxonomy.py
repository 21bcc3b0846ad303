from pathlib import Path

import pytest
import yaml

from core.taxonomy import SkillError, builtin_skills_dir, load_skill, load_skills

RC = builtin_skills_dir() / "reading_comprehension.yaml"


def _write(tmp_path: Path, data: dict, name: str = "reading_comprehension") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _rc() -> dict:
    return yaml.safe_load(RC.read_text(encoding="utf-8"))


def test_reading_comprehension_is_faithful_to_appendix_a1():
    spec = load_skill(RC)
    transformations = {t.id for t in spec.transformations}
    assert transformations == {
        "argument_passage", "debate_passage", "conversation_passage", "meeting_transcript", "poem",
        "satirical_passage", "instructional_passage", "long_text", "identity",
    }
    assert spec.transformation("identity").identity
    listed = {"literal_comprehension", "numerical_discrete_reasoning", "critical_comprehension",
              "evaluative_comprehension", "vocabulary_in_context", "relationship_matching", "sequencing_events",
              "strengthen", "weaken", "necessary_assumption", "flaw", "inference_must_be_true",
              "identify_principle", "method_of_reasoning", "resolve_paradox"}
    assert listed <= {t.id for t in spec.instruction_types}
    goals = {g.id: g for g in spec.refinement.goals}
    assert set(goals) >= {"make_unanswerable", "alter_answer", "make_complex"}
    assert goals["make_unanswerable"].edits_passage and goals["alter_answer"].edits_passage
    assert not goals["make_complex"].edits_passage


def test_load_skills_keys_by_name():
    skills = load_skills()
    assert "reading_comprehension" in skills
    assert all(name == spec.name for name, spec in skills.items())


def test_unknown_key_names_file_and_field(tmp_path):
    data = _rc()
    data["transformations"][0]["colour"] = "blue"
    path = _write(tmp_path, data)
    with pytest.raises(SkillError) as err:
        load_skill(path)
    assert str(path) in str(err.value)
    assert "transformations.0.colour" in str(err.value)


def test_duplicate_agent_id_is_refused(tmp_path):
    data = _rc()
    data["instruction_types"].append(dict(data["instruction_types"][0]))
    path = _write(tmp_path, data)
    with pytest.raises(SkillError, match="duplicate agent id 'literal_comprehension'") as err:
        load_skill(path)
    assert str(path) in str(err.value)


def test_empty_instructions_are_refused(tmp_path):
    data = _rc()
    data["refinement"]["goals"][1]["instructions"] = "   "
    path = _write(tmp_path, data)
    with pytest.raises(SkillError) as err:
        load_skill(path)
    assert "refinement.goals.1.instructions" in str(err.value)
    assert str(path) in str(err.value)


def test_unknown_transformation_reference_is_refused(tmp_path):
    data = _rc()
    data["instruction_types"][0]["transformations"] = ["no_such_agent"]
    with pytest.raises(SkillError, match="no_such_agent"):
        load_skill(_write(tmp_path, data))


def test_name_must_match_file(tmp_path):
    with pytest.raises(SkillError, match="must match the file name"):
        load_skill(_write(tmp_path, _rc(), name="other_name"))


def test_broken_yaml_names_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(SkillError, match=r"broken\.yaml"):
        load_skill(path)


def test_types_for_respects_restrictions(tmp_path):
    data = _rc()
    data["instruction_types"][0]["transformations"] = ["poem"]
    spec = load_skill(_write(tmp_path, data))
    first = data["instruction_types"][0]["id"]
    assert first in {t.id for t in spec.types_for("poem")}
    assert first not in {t.id for t in spec.types_for("debate_passage")}
