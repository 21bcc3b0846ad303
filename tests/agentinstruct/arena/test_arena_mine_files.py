"""Mined data in the trainers' formats, with provenance; splits respected; identical pairs skipped."""

import json

import pytest
from arena_fakes import config, items, judge, lms, student

from agentinstruct.arena import MiningConfig, battle, mine
from sft.data import record_rows
from sft.preference_data import pair_rows


def test_sft_records_and_dpo_pairs_load_with_the_trainers_readers(tmp_path):
    battle(items(4), config(mode="score"), tmp_path / "a", lms=lms("score"))
    out = mine(tmp_path / "a", MiningConfig(target="weak"), tmp_path / "m")
    assert out.n_sft == 4 and out.n_dpo == 4  # weak: 3 vs strong, 5 vs mid (mean 4); strong 9: gap 5 >= 3
    sft = list(record_rows([str(out.sft_path)], None))
    pairs = list(pair_rows([str(out.dpo_path)]))
    assert len(sft) == 4 and len(pairs) == 4
    assert "STRONG answer" in sft[0]["messages"][-1]["content"]
    row = json.loads(out.sft_path.read_text().splitlines()[0])
    prov = row["provenance"]
    assert prov["winner"]["model"] == "strong" and prov["target_score"]["model"] == "weak"
    assert prov["gap"] == pytest.approx(9 - 4) and prov["threshold"] == 3.0 and prov["round"] == 1
    assert prov["winner"]["as_a"] and prov["winner"]["as_b"]  # both orders behind the score
    assert {(g["judge"], g["order"]) for g in prov["games"]} == {("judge", 1), ("judge", 2)}
    dpo = json.loads(out.dpo_path.read_text().splitlines()[0])
    assert dpo["provenance"]["chosen"]["model"] == "strong" and dpo["provenance"]["gap"] >= 2


def test_each_kind_comes_only_from_its_own_split(tmp_path):
    battle(items(4), config(mode="score"), tmp_path / "a", lms=lms("score"))
    out = mine(tmp_path / "a", MiningConfig(target="weak"), tmp_path / "m", sft_prompts={"p0", "p1"},
               dpo_prompts={"p2", "p3"})
    assert [json.loads(x)["provenance"]["prompt_id"] for x in out.sft_path.read_text().splitlines()] == ["p0", "p1"]
    assert [json.loads(x)["provenance"]["prompt_id"] for x in out.dpo_path.read_text().splitlines()] == ["p2", "p3"]


def test_identical_best_and_worst_answers_make_no_pair_and_label_games_cannot_be_mined(tmp_path):
    models = {**lms("score"), "mid": student("STRONG answer")}  # mid writes what strong writes ...
    models["mid"].model = "dummy/mid-copy"
    battle(items(2), config(mode="score", competitors=[{"name": "strong"}, {"name": "mid"}]), tmp_path / "a",
           lms={k: models[k] for k in ("strong", "mid", "judge")})
    out = mine(tmp_path / "a", MiningConfig(target="mid", dpo_gap=0.0), tmp_path / "m")
    assert out.n_dpo == 0 and out.identical_skipped == 2  # ... so there is no preference to learn
    battle(items(2), config(), tmp_path / "b", lms={**lms(), "judge": judge()})
    with pytest.raises(ValueError, match="score"):
        mine(tmp_path / "b", MiningConfig(target="weak"), tmp_path / "m2")
