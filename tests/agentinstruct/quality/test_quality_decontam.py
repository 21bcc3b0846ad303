"""Decontaminator: text copying a 13-gram of an evaluation item is flagged with the item's source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentinstruct.quality.decontam import Decontaminator
from agentinstruct.quality.eval_sets import EvalSetError

EVAL_QUESTION = ("Why did the clockmaker replace the iron pendulum rod of the tower clock with a rod of "
                 "seasoned pine before the summer heat arrived?")
PROJECT_DATA = Path(__file__).resolve().parents[3] / "eval" / "benchmarks" / "data"


def eval_dir(tmp_path: Path) -> Path:
    d = tmp_path / "evals"
    (d / "sub").mkdir(parents=True)
    (d / "clock.jsonl").write_text(json.dumps({"question": EVAL_QUESTION, "answer": "x"}) + "\n\n")
    (d / "sub" / "chat.json").write_text(json.dumps({"data": [{"messages": json.dumps([
        {"role": "user", "content": "Summarise the minutes of the harbour board meeting held on the first "
                                    "Tuesday of March in the old customs house"}])}]}))
    (d / "story.txt").write_text("Once upon a time a fox and a heron agreed to share a supper of soup "
                                 "served in a tall narrow jar.")
    (d / "notes.md").write_text("ignored: not an evaluation file type " * 5)
    return d


def test_a_copied_13_gram_is_flagged_and_a_paraphrase_is_not(tmp_path):
    deco = Decontaminator.from_paths([eval_dir(tmp_path)])
    copied = ("Here is a tricky one. why did the clockmaker replace the iron pendulum rod of the tower clock "
              "with a rod, I wonder?")
    assert deco.contaminated(copied) == "clock"
    paraphrase = "What made the clock repairer swap the tower's iron pendulum for a pine one in summer?"
    assert deco.contaminated(paraphrase) is None
    twelve = "the clockmaker replace the iron pendulum rod of the tower clock with"  # 12 words
    assert deco.contaminated(twelve) is None


def test_sources_are_named_per_file_and_formats_are_read(tmp_path):
    deco = Decontaminator.from_paths([eval_dir(tmp_path)])
    assert set(deco.sources) == {"clock", "sub/chat", "story"}
    minutes = "please summarise the minutes of the harbour board meeting held on the first tuesday of march"
    assert deco.contaminated(minutes) == "sub/chat"
    fable = "A fox and a heron agreed to share a supper of soup served in a tall jar"
    assert deco.contaminated(fable) == "story"


def test_short_items_are_caught_whole_and_tiny_ones_skipped(tmp_path):
    path = tmp_path / "short.jsonl"
    path.write_text(json.dumps({"prompt": "Name the three primary colours of light, please."}) + "\n"
                    + json.dumps({"prompt": "What is two plus two?"}) + "\n")
    deco = Decontaminator.from_paths([path])
    assert deco.skipped_short == 1
    assert deco.contaminated("Quiz: name the three primary colours of light please!") == "short"
    assert deco.contaminated("what is two plus two") is None


def test_min_overlap_needs_several_distinct_ngrams(tmp_path):
    deco = Decontaminator(n=5, min_overlap=3)
    deco.add("set", "alpha beta gamma delta epsilon zeta eta theta")
    assert deco.contaminated("alpha beta gamma delta epsilon") is None  # one shared 5-gram
    assert deco.contaminated("alpha beta gamma delta epsilon zeta eta") == "set"  # three


def test_bad_inputs_name_the_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "fine"}) + "\n{not json\n")
    with pytest.raises(EvalSetError, match=r"bad\.jsonl:2: invalid JSON"):
        Decontaminator.from_paths([bad])
    with pytest.raises(EvalSetError, match="not found"):
        Decontaminator.from_paths([tmp_path / "missing.jsonl"])
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(EvalSetError, match="unsupported"):
        Decontaminator.from_paths([tmp_path / "x.csv"])


def test_the_shipped_fixtures_catch_copied_items():
    deco = Decontaminator.from_paths([PROJECT_DATA])
    assert {"tiny_rc", "tiny_mcq"} <= set(deco.sources)
    first = json.loads((PROJECT_DATA / "tiny_rc.jsonl").read_text().splitlines()[0])
    assert deco.contaminated("Read this and answer. " + first["text"]) == "tiny_rc"
    assert deco.contaminated("Write a haiku about autumn leaves falling on a quiet pond at dusk.") is None
