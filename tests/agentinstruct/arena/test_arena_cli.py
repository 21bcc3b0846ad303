"""`agentinstruct arena ...` against the mock OpenAI server: battle, rate, mine, testset, reweight."""

import json

import yaml
from typer.testing import CliRunner

from agentinstruct.cli import app
from agentinstruct.testing.mock_openai import MockOpenAIServer


def _model(url: str, name: str) -> dict:
    return {"model": name, "api_base": url, "api_key_env": "MOCK_API_KEY", "num_retries": 1, "timeout_s": 20,
            "temperature": 0.0}


def test_battle_rate_mine_testset_and_reweight_from_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setenv("MOCK_API_KEY", "mock")
    prompts = tmp_path / "set.jsonl"
    prompts.write_text("".join(json.dumps({"id": f"q{k}", "prompt": f"Question {k} about harbours and ferries?",
                                           "skill": "reading_comprehension", "instruction_type": "author_purpose",
                                           "transformation": "poem"}) + "\n" for k in range(4)))
    runner = CliRunner()
    with MockOpenAIServer(latency_s=0.01, max_seconds=120) as server:
        cfg = tmp_path / "arena.yaml"
        cfg.write_text(yaml.safe_dump({
            "competitors": [{"name": "a", "model": _model(server.url, "openai/mock-a")},
                            {"name": "b", "model": _model(server.url, "openai/mock-b")}],
            "judges": [{"name": "j", "model": _model(server.url, "openai/gpt-4o-mini")}],
            "mode": "score", "concurrency": 8}))
        out = tmp_path / "arena"
        res = runner.invoke(app, ["arena", "battle", "--config", str(cfg), "--instructions", str(prompts),
                                  "--out", str(out), "--bootstrap", "50"])
        assert res.exit_code == 0, res.output
        assert "leaderboard" in res.output and "judge diagnostics" in res.output
        summary = json.loads((out / "summary.json").read_text())
        assert summary["games"] == 4 * 2 and summary["new_judgements"] == 8
        again = runner.invoke(app, ["arena", "battle", "--config", str(cfg), "--out", str(out)])
        assert again.exit_code == 0 and json.loads((out / "summary.json").read_text())["new_judgements"] == 0
        ts = runner.invoke(app, ["arena", "testset", "-i", str(prompts), "--out", str(tmp_path / "ts"),
                                 "--size", "2", "--judge", f"openai/gpt-4o-mini@{server.url}"])
        # no key for the CLI-named judge: a failed rating is recorded, the set is still frozen
        assert ts.exit_code == 0, ts.output
    rated = runner.invoke(app, ["arena", "rate", str(out), "--bootstrap", "50", "--inconsistent", "tie"])
    assert rated.exit_code == 0, rated.output  # the mock's verdicts are noise: with abstention none may vote
    res = runner.invoke(app, ["arena", "mine", str(out), "--target", "a", "--out", str(tmp_path / "m"),
                              "--sft-threshold", "0", "--dpo-gap", "0"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "m/sft.jsonl").is_file() and (tmp_path / "m/dpo.jsonl").is_file()
    res = runner.invoke(app, ["arena", "reweight", str(out), "--target", "a", "--out", str(tmp_path / "fb"),
                              "--inconsistent", "tie"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "fb/generation.yaml").is_file() and (tmp_path / "fb/decisions.jsonl").read_text()
