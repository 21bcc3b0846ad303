import pytest

from core.config import ConfigError, ModelSpec, RunConfig, load_config


def test_defaults_use_the_embedded_model_for_every_role():
    cfg = load_config(None)
    for role in ("transformer", "generator", "suggester", "editor", "responder", "judge"):
        assert cfg.models.for_role(role).is_embedded


def test_role_override(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("models:\n  judge:\n    model: openai/gpt-4o\n    api_key_env: OPENAI_API_KEY\n")
    cfg = load_config(path)
    assert cfg.models.for_role("judge").model == "openai/gpt-4o"
    assert cfg.models.for_role("generator").is_embedded


def test_unknown_key_names_file_and_field(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("generation:\n  sed: 3\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value) and "generation.sed" in str(err.value)


def test_a_key_is_not_accepted_where_an_env_name_belongs():
    with pytest.raises(ValueError, match="NAME of an environment variable"):
        ModelSpec(model="openai/gpt-4o", api_key_env="sk-abc123-xyz")


def test_round_trip_json():
    cfg = RunConfig()
    assert RunConfig.model_validate_json(cfg.model_dump_json()) == cfg
