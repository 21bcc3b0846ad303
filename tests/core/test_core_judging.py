"""The judging types of the core: scores on records (and their legacy form), thresholds, skill defaults."""

import json

import datasets
import pytest
from pydantic import ValidationError

from core.config import RunConfig
from core.judging_config import min_score_for
from core.judging_spec import JudgingSpec
from core.records import JudgeBallot, Lineage, Message, Record, Scores, criterion_scores, text_sha256
from core.taxonomy import load_skills

SPEC = JudgingSpec(criteria=["quality", "faithfulness"], min_score={"quality": 0.5, "faithfulness": 0.5})


def _record(scores) -> Record:
    return Record(id="r", skill="reading_comprehension", subcategory="flaw",
                  messages=[Message(role="user", content="q"), Message(role="assistant", content="a")],
                  lineage=Lineage(seed_id="s", seed_sha256="0" * 64, seed_source="s", instruction_type="flaw",
                                  program_hash="p", parent_id="r0", suggestion="harder", skill_hash="h"),
                  scores=scores)


def test_a_legacy_flat_score_mapping_reads_as_criteria():
    assert _record({"judge": 7.0}).scores.criteria == {"judge": 7.0}
    assert _record({}).scores == Scores()


def test_scores_round_trip_through_json_and_load_with_datasets(tmp_path):
    scores = Scores(overall=0.5, criteria={"quality": 0.5, "faithfulness": None}, agreement=None,
                    ballots=[JudgeBallot(criterion="quality", judge="judge", model="m", score=0.5),
                             JudgeBallot(criterion="faithfulness", judge="judge", parsed=False, error="parse")])
    record = _record(scores)
    again = Record.model_validate_json(record.to_json())
    assert again == record and again.scores.numbers() == {"quality": 0.5}
    assert again.lineage.parent_id == "r0" and again.lineage.skill_hash == "h"
    path = tmp_path / "shard.jsonl"
    path.write_text(record.to_json() + "\n")
    row = datasets.load_dataset("json", data_files=str(path), split="train")[0]
    assert row["scores"]["ballots"][1]["parsed"] is False and row["scores"]["overall"] == 0.5


@pytest.mark.parametrize(("raw", "expected"), [
    ({"criteria": {"quality": 0.8, "faithfulness": None}, "overall": 0.8}, {"quality": 0.8}),
    ([{"criterion": "quality", "score": 0.8}, {"criterion": "format", "score": None}], {"quality": 0.8}),
    ({"judge": 7}, {"judge": 7}),
    (Scores(criteria={"quality": 0.25}), {"quality": 0.25}),
])
def test_criterion_scores_reads_every_stored_layout(raw, expected):
    assert criterion_scores(raw) == expected


def test_the_text_hash_depends_on_the_messages_only():
    a = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    assert text_sha256(a) == text_sha256([Message(**m) for m in a])
    assert text_sha256(a) != text_sha256([a[0], {"role": "assistant", "content": "b"}])
    assert len(text_sha256(a)) == 64


@pytest.mark.parametrize(("setting", "skill", "criterion", "expected"), [
    (None, "rc", "quality", 0.5),                       # the skill file's default
    (None, "rc", "instruction", None),                  # no threshold anywhere
    (0.7, "rc", "faithfulness", 0.7),                   # one number for all
    ({"*": 0.2}, "rc", "quality", 0.2),
    ({"*": 0.2, "quality": 0.3}, "rc", "quality", 0.3),
    ({"quality": 0.3, "rc": 0.4}, "rc", "quality", 0.4),
    ({"rc": 0.4, "rc.quality": 0.9}, "rc", "quality", 0.9),
    ({"other.quality": 0.9}, "rc", "quality", 0.5),
])
def test_min_score_resolves_the_most_specific_key(setting, skill, criterion, expected):
    assert min_score_for(setting, skill, criterion, SPEC) == expected


def test_the_config_validates_thresholds_and_jurors():
    with pytest.raises(ValidationError, match=r"\[0, 1\]"):
        RunConfig.model_validate({"quality": {"min_score": 7}})
    with pytest.raises(ValidationError, match="each name once"):
        RunConfig.model_validate({"judging": {"jurors": [{"name": "a"}, {"name": "a"}]}})
    cfg = RunConfig.model_validate({"judging": {"jurors": [{"name": "a"}, {"name": "b", "model": {"model": "x/y"}}],
                                                "criteria": {"*": ["instruction"]}}})
    assert cfg.judging.jurors[1].model.model == "x/y"
    assert cfg.judging.criteria_for("rc", SPEC) == ["instruction"]
    assert RunConfig().judging.enabled and RunConfig().generation.responses_per_item == 1
    assert json.loads(cfg.model_dump_json())["judging"]["min_margin"] == 0.1


def test_every_shipped_skill_has_a_small_default_jury():
    for name, spec in load_skills().items():
        assert 1 <= len(spec.judging.criteria) <= 2, name
        assert "quality" in spec.judging.criteria and spec.judging.min_score["quality"] == 0.5, name
        if "{passage}" in spec.user_template and spec.program not in ("coding", "tool_use", "web_agent"):
            assert "faithfulness" in spec.judging.criteria or spec.name == "text_modification", name
