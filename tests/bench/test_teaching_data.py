"""The teaching benchmark's local data: IFEval-style prompts the real checkers accept, a reasoning-gym spec
the benchmark loads, and the verifier gate on procedural training answers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from teaching_data import gym_spec, ifeval_style_rows, verified_records, verified_reply, write_jsonl

from eval.benchmarks import registry


def test_ifeval_style_prompts_load_and_are_scored_by_the_ifeval_checkers(tmp_path):
    pytest.importorskip("if_verifiable")
    rows = ifeval_style_rows(12, seed=3)
    assert rows == ifeval_style_rows(12, seed=3) and rows != ifeval_style_rows(12, seed=4)
    items = registry.get("ifeval").load(write_jsonl(tmp_path / "p.jsonl", rows))
    assert len(items) == 12 and all(1 <= len(i.metadata["instruction_id_list"]) <= 2 for i in items)
    from eval.scoring.context import ScoringContext

    graded = [registry.get("ifeval").grade(i, ["A short answer, in one line."], ScoringContext()) for i in items]
    assert {g.score for g in graded} <= {0.0, 1.0, None} and all("per_instruction" in g.details for g in graded
                                                                 if g.score is not None)


def test_gym_spec_loads_through_the_benchmark(tmp_path):
    pytest.importorskip("reasoning_gym")
    import json

    path = tmp_path / "spec.json"
    path.write_text(json.dumps(gym_spec(2, seed=7)))
    items = registry.get("reasoning_gym").load(path)
    assert len(items) == 8 and {i.category for i in items} == {"basic_arithmetic", "chain_sum", "leg_counting",
                                                               "letter_counting"}


class Checker:
    def score_answer(self, answer, entry):
        return 1.0 if answer == entry["answer"] else 0.0


ENTRY = {"question": "What is 3 + 4?", "answer": "7"}


def test_only_verified_answers_become_targets_and_get_the_answer_tags():
    assert verified_reply("3 and 4 make 7.\n<answer>7</answer>", Checker(), ENTRY) == \
        "3 and 4 make 7.\n<answer>7</answer>"
    assert verified_reply("Adding them: the answer is 7", Checker(), ENTRY) == \
        "Adding them: the answer is 7\n\n<answer>7</answer>"
    assert verified_reply("I think <answer>8</answer>", Checker(), ENTRY) is None
    assert verified_reply("", Checker(), ENTRY) is None


def test_verified_records_try_unaided_first_then_with_the_answer(monkeypatch):
    pytest.importorskip("reasoning_gym")
    seen = []

    class Teacher:
        name = "t"

        def generate(self, prompts, settings):
            content = prompts[0][-1]["content"]
            seen.append("hinted" if "The correct answer is" in content else "direct")
            answer = content.split("The correct answer is ")[1].split(".")[0] if "correct answer" in content else "?"
            return [f"So it is {answer}.\nAnswer: {answer}"]

    records, counts = verified_records(Teacher(), 2, seed=1000, direct=1, hinted=2)
    assert counts == {"direct": 0, "hinted": 8, "refused": 0, "skipped_heldout": 0} and len(records) == 8
    assert seen[:2] == ["direct", "hinted"]
    assert all(r.messages[-1].content.endswith("</answer>") and r.metadata["verified"] == "hinted" for r in records)
    assert "The correct answer" not in records[0].messages[0].content  # the hint is not in the training prompt
