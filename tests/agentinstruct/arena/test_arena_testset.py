"""The frozen test set: diverse + hard halves, decontaminated against training text, frozen by id; the
training splits kept away from it and disjoint."""

from arena_fakes import difficulty_judge

from agentinstruct.arena import Instruction, TestSetConfig, build_test_set, load_test_set
from agentinstruct.arena.testset import split_pool

TOPICS = ["honey bees dance to tell the hive where the flowers are found today",
          "the printing press spread news across europe faster than any scribe could",
          "a binary heap keeps the largest numbers of a stream in logarithmic time",
          "glaciers carve valleys as they move slowly down from the high mountains",
          "monsoon winds bring heavy rain to the farms of south asia every summer"]


def _pool():
    out = []
    for t, text in enumerate(TOPICS):
        for k in range(4):
            out.append(Instruction(id=f"t{t}v{k}", messages=[{"role": "user", "content": f"Question {k}: {text}?"}]))
    return out


def _cfg(**kw):
    return TestSetConfig(**{"size": 6, "judge": {"name": "difficulty"}, **kw})


def test_built_once_then_frozen(tmp_path):
    pool = _pool()
    test = build_test_set(pool, _cfg(), tmp_path / "ts", lms={"difficulty": difficulty_judge()})
    assert len(test.items) == 6 and len(test.diverse) == 3 and len(test.hard) == 3
    assert len({i.split("v")[0] for i in test.diverse}) == 3  # three clusters, three topics
    assert set(test.diverse).isdisjoint(test.hard)
    again = build_test_set(list(reversed(pool)), _cfg(size=2), tmp_path / "ts")  # frozen: no judge needed
    assert again.ids == test.ids == load_test_set(tmp_path / "ts").ids


def test_prompts_that_overlap_the_training_text_never_enter_the_test_set(tmp_path):
    train = [f"Some record about this: {TOPICS[0]}."]
    test = build_test_set(_pool(), _cfg(), tmp_path / "ts", train_texts=train,
                          lms={"difficulty": difficulty_judge()})
    assert sorted(test.dropped_contaminated) == [f"t0v{k}" for k in range(4)]
    assert not any(i.startswith("t0") for i in test.ids)


def test_training_splits_are_disjoint_and_hold_no_near_copy_of_a_test_prompt(tmp_path):
    pool = _pool()
    test = build_test_set(pool, _cfg(size=2, diverse_share=1.0), tmp_path / "ts")
    splits = split_pool(pool, test, rounds=2)
    assert set(splits) == {(1, "sft"), (1, "dpo"), (2, "sft"), (2, "dpo")}
    ids = [i.id for part in splits.values() for i in part]
    assert len(ids) == len(set(ids))
    test_topics = {i.split("v")[0] for i in test.ids}
    assert not any(i.split("v")[0] in test_topics for i in ids)  # same topic shares 8-grams: kept out
    assert len(ids) == len(pool) - 4 * len(test_topics)
