"""``agentinstruct models``: each role's engine and structured-output mode, and whether the schema was
honoured, one probe per distinct model."""

import json

import yaml
from chat_capture import Server
from typer.testing import CliRunner

from agentinstruct.cli import app
from core.lm.probe import PROBE_SCHEMA


def test_models_probes_each_model_once_and_names_its_mode(tmp_path):
    good = json.dumps({"city": "Paris", "country_code": "FR"})
    with Server("me", replies=[good, "Paris is the capital."]) as server:
        config = tmp_path / "models.yaml"
        config.write_text(yaml.safe_dump({"models": {
            "default": {"model": "openai/smollm2", "api_base": server.url},
            "judge": {"model": "openai/smollm2", "api_base": server.url, "structured_output": "prompt"},
        }}))
        result = CliRunner().invoke(app, ["models", "--config", str(config)])
        bodies = list(server.bodies)
    assert result.exit_code == 0, result.output
    assert len(bodies) == 2  # five roles share one model: one probe each for the two models
    assert bodies[0]["response_format"] == {"type": "json_object", "schema": PROBE_SCHEMA}
    assert "response_format" not in bodies[1] and "country_code" in bodies[1]["messages"][0]["content"]
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") > 3}
    assert "json_object (llama.cpp server)" in lines["transformer"] and "yes" in lines["transformer"]
    assert "prompt (configured)" in lines["judge"] and "NO" in lines["judge"]  # prose: the schema was ignored
