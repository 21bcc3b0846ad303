"""A record built in one validation pass equals one built from its validated parts, and is refused alike."""

from __future__ import annotations

import pydantic
import pytest

from agentinstruct.engine.record_build import UnitContext, lineage, to_record
from core.flow.outcome import Example
from core.records import Lineage, Message, Record, Scores, record_id
from core.seeds.models import SeedDoc, SeedKind, sha256_text


def _ctx() -> UnitContext:
    seed = SeedDoc(id="a.txt", text="Seed text", source="a.txt", sha256=sha256_text("Seed text"), kind=SeedKind.TEXT,
                   flags=("url",))
    return UnitContext("u" * 24, seed, "skill", {"teacher": "m"}, "ph", "sh", 7)


def _example(**overrides) -> Example:
    fields = dict(messages=[{"role": "system", "content": "sys"}, {"role": "user", "content": "Q?"},
                            {"role": "assistant", "content": "A."}],
                  subcategory="literal", transformation="identity", agents=["a"], metadata={"k": "v"}, key="p/t/0",
                  parent="p/t", suggestion="s", refinement_round=1, refinement_goal="harder")
    fields.update(overrides)
    return Example(**fields)


def _by_parts(ctx: UnitContext, example: Example, index: int) -> Record:
    return Record(
        id=record_id(ctx.unit_id, example.key or str(index)), skill=ctx.skill, subcategory=example.subcategory,
        messages=[Message(**m) for m in example.messages], lineage=lineage(ctx, example),
        scores=example.scores or Scores(), metadata={**example.metadata, "unit_id": ctx.unit_id},
    )


def test_a_record_equals_the_one_built_from_its_parts():
    ctx = _ctx()
    for example in (_example(), _example(key="", parent=None, scores=Scores(overall=0.5))):
        built, expected = to_record(ctx, example, 3), _by_parts(ctx, example, 3)
        assert built == expected
        assert built.to_json() == expected.to_json()
    assert isinstance(to_record(ctx, _example(), 0).lineage, Lineage)


@pytest.mark.parametrize("messages", [
    [{"role": "user", "content": "Q?"}],  # no assistant turn
    [{"role": "robot", "content": "Q?"}, {"role": "assistant", "content": "A."}],
    [{"role": "user", "content": "Q?", "extra": "x"}, {"role": "assistant", "content": "A."}],
    [{"role": "user", "content": " "}, {"role": "assistant", "content": "A."}],
])
def test_a_record_the_parts_refuse_is_refused(messages):
    with pytest.raises(pydantic.ValidationError):
        _by_parts(_ctx(), _example(messages=messages), 0)
    with pytest.raises(pydantic.ValidationError):
        to_record(_ctx(), _example(messages=messages), 0)
