"""A battle on a local Ray instance writes the same games and ratings as the local backend, and resumes
without a call. The competitors and the judge are models on the mock OpenAI server (Ray workers build their
models from the config, so DummyLMs cannot stand in), scripted to answer by quality and to judge by it."""

import json
import re
from pathlib import Path

import pytest
from arena_fakes import items, lms

from agentinstruct.arena import BattleConfig, battle
from agentinstruct.arena.ray_work import RayArena
from agentinstruct.testing.mock_openai import MockOpenAIServer, Scripted

ray = pytest.importorskip("ray", reason="Ray is optional: pip install 'agentinstruct[ray]'")

ROOT = Path(__file__).resolve().parents[3]
QUALITY = {"strong": 3, "mid": 2, "weak": 1}
ANSWERS = re.compile(r"\[\[ ## answer_a ## \]\]\n(.*?)\n\n\[\[ ## answer_b ## \]\]\n(.*?)\n\n", re.S)


def _script(body: dict, number: int) -> Scripted:
    """Competitors answer with their name; the judge prefers the better-named answer (ties: equal)."""
    model = body["model"]
    if model in QUALITY:
        return Scripted(content=f"{model} answer to: {body['messages'][-1]['content']}")
    a, b = ANSWERS.search(body["messages"][-1]["content"]).groups()
    qa, qb = (QUALITY[text.split()[0]] for text in (a, b))
    label = "A>B" if qa > qb else "B>A" if qb > qa else "A=B"
    return Scripted(content=json.dumps({"explanation": f"{a.split()[0]} vs {b.split()[0]}.", "label": label}))



def _config(url: str, **kw) -> BattleConfig:
    def spec(name: str, **extra) -> dict:
        return {"model": f"openai/{name}", "api_base": url, "api_key_env": "MOCK_API_KEY", **extra}

    return BattleConfig(competitors=[{"name": n, "model": spec(n)} for n in ("strong", "weak", "mid")],
                        judges=[{"name": "judge", "model": spec("judge", temperature=0.0)}],
                        cache={"enabled": False},  # both runs really call the endpoint
                        leaderboard={"rounds": 100}, **{"concurrency": 4, **kw})


FILES = ("answers.jsonl", "games.jsonl", "battles.jsonl", "ratings.json", "diagnostics.json")


def test_a_ray_battle_writes_the_local_games_and_ratings_and_resumes_without_a_call(tmp_path, monkeypatch,
                                                                                   local_ray):
    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    sent, call = [], RayArena.call
    monkeypatch.setattr(RayArena, "call", lambda self, method, *a: sent.append(method) or call(self, method, *a))
    with MockOpenAIServer(latency_s=0.01, script=_script, max_seconds=300) as server:
        local = battle(items(4), _config(server.url), tmp_path / "local")
        local_requests = server.stats.requests
        on_ray = battle(items(4), _config(server.url, backend="ray", ray_workers=2), tmp_path / "ray")
        ray_requests = server.stats.requests - local_requests
        resumed = battle(None, _config(server.url, backend="ray", ray_workers=2), tmp_path / "ray")
        assert server.stats.requests == local_requests + ray_requests  # the resume asked nothing
    assert local.leaderboard.rows[0].model == "strong" and [r.model for r in local.leaderboard.rows][1] == "mid"
    assert len(local.games) == 4 * 3 * 2 and local.units["judge"] == {"done": 24}
    assert on_ray.games == local.games and on_ray.battles == local.battles
    assert on_ray.leaderboard == local.leaderboard
    assert on_ray.game_rows == local.game_rows  # calls, tokens and cost per judgement came back
    for name in FILES:
        assert (tmp_path / "ray" / name).read_text() == (tmp_path / "local" / name).read_text(), name
    assert ray_requests == local_requests == 4 * 3 + 24
    assert on_ray.llm_calls == local.llm_calls == ray_requests  # usage merged into the driver's accountant
    assert (on_ray.new_answers, on_ray.new_judgements) == (local.new_answers, local.new_judgements) == (12, 24)
    assert sorted(set(sent)) == ["answer", "judge"] and len(sent) == 12 + 24  # every unit went to a worker
    assert resumed.llm_calls == 0 and resumed.new_answers == resumed.new_judgements == 0
    assert resumed.games == local.games


def test_a_ray_battle_with_a_spent_budget_stops_on_the_driver_and_resumes(tmp_path, monkeypatch, local_ray):
    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    with MockOpenAIServer(latency_s=0.0, script=_script, max_seconds=300) as server:
        first = battle(items(2), _config(server.url, backend="ray", concurrency=1, budget={"max_calls": 8}),
                       tmp_path / "a")
        assert first.stopped_early and "call budget" in first.stopped_early
        assert first.llm_calls == server.stats.requests == 8  # checked on the driver before each unit
        second = battle(None, _config(server.url, backend="ray"), tmp_path / "a")
    assert second.stopped_early is None and len(second.games) == 2 * 3 * 2
    assert first.llm_calls + second.llm_calls == 2 * 3 + 12


def test_lms_overrides_need_the_local_backend(tmp_path):
    config = BattleConfig(competitors=[{"name": n} for n in ("strong", "weak", "mid")], backend="ray")
    with pytest.raises(ValueError, match="backend ray builds them in its workers"):
        battle(items(1), config, tmp_path / "a", lms=lms())


def test_arena_battle_backend_ray_from_the_command_line(tmp_path, monkeypatch, local_ray):
    import yaml
    from typer.testing import CliRunner

    from agentinstruct.cli import app

    monkeypatch.setenv("MOCK_API_KEY", "mock-key")
    prompts = tmp_path / "set.jsonl"
    prompts.write_text("".join(json.dumps({"id": f"q{k}", "prompt": f"Question {k}?"}) + "\n" for k in range(2)))
    with MockOpenAIServer(latency_s=0.0, script=_script, max_seconds=300) as server:
        cfg = tmp_path / "arena.yaml"
        cfg.write_text(yaml.safe_dump(_config(server.url).model_dump(mode="json")))
        out = tmp_path / "arena"
        res = CliRunner().invoke(app, ["arena", "battle", "--config", str(cfg), "--instructions", str(prompts),
                                       "--out", str(out), "--backend", "ray", "--ray-workers", "1"])
        assert res.exit_code == 0, res.output
        assert server.stats.requests == 2 * 3 + 2 * 3 * 2
    summary = json.loads((out / "summary.json").read_text())
    assert summary["new_judgements"] == 12 and summary["llm_calls"] == 18
    bad = CliRunner().invoke(app, ["arena", "battle", "--config", str(cfg), "--out", str(out), "--backend", "x"])
    assert bad.exit_code != 0 and "--backend is 'local' or 'ray'" in bad.output
