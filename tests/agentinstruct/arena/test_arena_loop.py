"""The ArenaInstruct loop end to end on DummyLMs: ``loop --rounds 2 --generate`` with a fake trainer writes
every round's artefacts, changes the generation weights, and resumes without redoing anything."""

import json
from pathlib import Path

from arena_fakes import CountingLM, difficulty_judge, generator, judge, seed_text, student

from agentinstruct.arena import CompetitorSpec, LoopConfig, loop
from core.config import load_config
from sft.data import record_rows
from sft.preference_data import pair_rows

N_SEEDS = 8


class FakeTrainer:
    """Checks that the mined files load with the trainers' own readers, and 'trains' a new competitor."""

    def __init__(self):
        self.calls = []

    def _check(self, data: Path, kind: str):
        rows = list(record_rows([str(data)], None) if kind == "sft" else pair_rows([str(data)]))
        assert rows, f"{data} is empty"
        return len(rows)

    def sft(self, data, model, out_dir, name):
        self.calls.append(("sft", model.name, self._check(data, "sft")))
        out_dir.mkdir(parents=True, exist_ok=True)
        return CompetitorSpec(name=name, kind="hf", path=str(out_dir))

    def dpo(self, data, model, out_dir, name):
        self.calls.append(("dpo", model.name, self._check(data, "dpo")))
        out_dir.mkdir(parents=True, exist_ok=True)
        return CompetitorSpec(name=name, kind="hf", path=str(out_dir))


def _config(tmp_path: Path) -> LoopConfig:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for k in range(N_SEEDS):
        (seeds / f"s{k}.txt").write_text(seed_text(k))
    return LoopConfig.model_validate({
        "battle": {"competitors": [{"name": "strong"}, {"name": "weak"}, {"name": "teacher", "kind": "reference"}],
                   "judges": [{"name": "judge"}], "mode": "score", "target": "weak",
                   "leaderboard": {"rounds": 100}, "concurrency": 2},
        "rounds": 2, "generate": True, "seeds": str(seeds),
        "generation": {"quality": {"dedup": False, "decontaminate": False}, "judging": {"enabled": False},
                       "generation": {"refinement_rounds": 1, "refinement_suggestions": 1,
                                      "instruction_types_per_passage": 2}},
        "test_set": {"size": 4, "judge": {"name": "difficulty"}},
    })


def _lms():
    return {"strong": student("STRONG answer"), "weak": student("weak answer"),
            "weak-r1": student("STRONG improved answer"), "weak-r2": student("STRONG best answer"),
            "judge": judge("score"), "difficulty": difficulty_judge()}


def test_two_generate_rounds_write_every_artefact_and_change_the_weights(tmp_path):
    cfg = _config(tmp_path)
    trainer = FakeTrainer()
    result = loop(cfg, tmp_path / "loop", lms=_lms(), gen_lms=generator(N_SEEDS), trainer=trainer)
    out = tmp_path / "loop"
    assert [r.round for r in result.rounds] == [1, 2]
    assert len(json.loads((out / "testset/testset.json").read_text())["ids"]) == 4
    for k in (1, 2):
        d = out / f"round-{k:02d}"
        for f in ("generation.yaml", "generation/ledger.sqlite", "battle/ratings.json", "battle/report.html",
                  "mined/sft.jsonl", "mined/dpo.jsonl", "mined/mining.json", "ratings.json", "diagnostics.json",
                  "report.html", "feedback/generation.yaml", "feedback/decisions.jsonl", "feedback/nodes.json",
                  "state.json"):
            assert (d / f).is_file(), f"round {k}: {f} missing"
        assert (d / "dpo").is_dir()
        assert json.loads((d / "state.json").read_text())["model"]["name"] == f"weak-r{k}"
    # round 1 trains the target (it lost: SFT and DPO data); round 2 trains round 1's model, which no
    # competitor beats any more (no SFT target) but whose prompts still give DPO pairs
    assert [(c[0], c[1]) for c in trainer.calls] == [("sft", "weak"), ("dpo", "weak-r1-sft"), ("dpo", "weak-r1")]
    assert (out / "round-01/sft").is_dir() and not (out / "round-02/sft").exists()
    assert {r["model"] for r in result.leaderboard} == {"strong", "weak", "teacher", "weak-r1", "weak-r2"}
    board = {r["model"]: r["elo"] for r in result.leaderboard}
    assert board["weak-r1"] > board["weak"]  # the trained version says STRONG: it beats the base
    # the feedback changed the generation weights, and round 2 generated with them
    first = load_config(out / "round-01/generation.yaml").generation
    second = load_config(out / "round-02/generation.yaml").generation
    assert first.agent_weights == {} and second.agent_weights
    assert second.agent_weights == load_config(out / "round-01/feedback/generation.yaml").generation.agent_weights
    decisions = [json.loads(line) for line in (out / "round-01/feedback/decisions.jsonl").open()]
    assert decisions and all(d["evidence"]["battles"] > 0 for d in decisions)
    changed = [d for d in decisions if d["setting"] == "agent_weights" and d["new"] != d["old"]]
    assert changed  # the target lost: its nodes weigh more
    assert all(d["new"] > d["old"] for d in changed)
    run_cfg = json.loads((out / "round-02/generation/config.json").read_text())
    assert run_cfg["generation"]["agent_weights"] == second.agent_weights
    # the mined data carries provenance
    sft = json.loads((out / "round-01/mined/sft.jsonl").read_text().splitlines()[0])
    assert sft["provenance"]["target_score"]["model"] == "weak" and sft["provenance"]["gap"] >= 3
    assert {g["order"] for g in sft["provenance"]["games"]} == {1, 2}


def test_the_loop_resumes_where_it_stopped_and_redoes_nothing(tmp_path):
    cfg = _config(tmp_path)
    loop(cfg, tmp_path / "loop", lms=_lms(), gen_lms=generator(N_SEEDS), trainer=FakeTrainer())
    counting = CountingLM(judge("score"))
    trainer = FakeTrainer()
    again = loop(cfg, tmp_path / "loop", lms={**_lms(), "judge": counting}, gen_lms=generator(N_SEEDS),
                 trainer=trainer)
    assert counting.calls == 0 and trainer.calls == []
    assert [r.model.name for r in again.rounds] == ["weak-r1", "weak-r2"]


def test_the_real_trainer_steps_configure_sft_and_dpo_runs(tmp_path):
    from agentinstruct.arena import SFTTrainerSteps
    from agentinstruct.arena.trainer import model_path
    from sft.config import load_dpo_config, load_sft_config

    steps = SFTTrainerSteps(training={"max_steps": 2})
    sft = steps._configure(load_sft_config("sft_cpu_smoke"), "embedded", tmp_path / "sft.jsonl", tmp_path / "o",
                           steps.training)
    assert (sft.model.path, sft.training.max_steps, str(sft.output_dir)) == ("embedded", 2, str(tmp_path / "o"))
    assert [str(s.path) for s in sft.data.sources] == [str(tmp_path / "sft.jsonl")]
    dpo = steps._configure(load_dpo_config("dpo_default"), "/ckpt", tmp_path / "dpo.jsonl", tmp_path / "d", {})
    assert str(dpo.model.path) == "/ckpt"
    assert model_path(CompetitorSpec(name="t")) == "embedded"
    assert model_path(CompetitorSpec(name="t", kind="hf", path="/x")) == "/x"
