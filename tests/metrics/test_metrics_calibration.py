"""Judge calibration: each juror's accuracy on items labelled good or bad; failed ballots count neither way."""

import json

import dspy
import pytest
from dspy.utils import DummyLM
from dummies import ALL_FIELDS, make_dummy
from judged_items import PASSAGE, SPEC

from metrics.calibration import calibrate, load_calibration
from metrics.item_jury import SkillJury
from metrics.jury import Juror

GOOD = {"skill": "reading_comprehension", "label": "good", "passage": PASSAGE,
        "messages": [{"role": "user", "content": f"{PASSAGE}\n\nWhat was not controlled?"},
                     {"role": "assistant", "content": "Diet and kidney function were not fully controlled."}]}
BAD = {**GOOD, "label": "bad", "messages": [GOOD["messages"][0],
                                            {"role": "assistant", "content": "BAD ANSWER: bees like honey."}]}


def write(tmp_path, rows) -> str:
    path = tmp_path / "calibration.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def test_a_discerning_judge_is_accurate_and_a_lenient_one_is_not(tmp_path):
    items = load_calibration(write(tmp_path, [GOOD, BAD, GOOD, {**BAD, "skill": "unknown_skill"}]))
    discerning = DummyLM({"BAD ANSWER": {**ALL_FIELDS, "score": 2}, "": {**ALL_FIELDS, "score": 9}},
                         adapter=dspy.JSONAdapter())
    jurors = [Juror("discerning", discerning), Juror("lenient", make_dummy(score=9)),
              Juror("garbage", make_dummy(score="ten"))]
    jury = SkillJury(SPEC, ["quality"], jurors, thresholds={"quality": 0.5})
    with dspy.context(adapter=dspy.JSONAdapter()):
        accuracy = calibrate(items, {"reading_comprehension": jury})
    assert accuracy == {"quality/discerning": 1.0, "quality/lenient": pytest.approx(2 / 3), "quality/garbage": None}


def test_a_bad_calibration_line_is_named(tmp_path):
    path = write(tmp_path, [GOOD, {**GOOD, "label": "maybe"}])
    with pytest.raises(ValueError, match=r"calibration.jsonl:2"):
        load_calibration(path)
