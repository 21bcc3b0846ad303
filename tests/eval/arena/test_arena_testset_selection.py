"""Test-set selection: one instruction per MinHash cluster (the medoid), the hardest by rating."""

from eval.arena.testset import diverse_selection, hard_selection, minhash_signatures, similarity_to

TOPICS = {
    "bees": "how do honey bees communicate the location of flowers to the rest of the hive",
    "press": "explain how the printing press changed the spread of news in early modern europe",
    "heap": "write a python function that keeps the k largest numbers of a stream with a heap",
}


def _pool():
    ids, texts = [], []
    for topic, text in TOPICS.items():
        for k in range(5):  # five paraphrases per topic: a word changed
            words = text.split()
            words[k + 2] = f"{words[k + 2]}s"
            ids.append(f"{topic}{k}")
            texts.append(" ".join(words))
    return ids, texts


def test_similar_texts_have_similar_signatures():
    _, texts = _pool()
    sigs = minhash_signatures(texts)
    sim = similarity_to(sigs, 0)
    assert sim[0] == 1.0 and sim[1:5].min() > sim[5:].max()


def test_three_clusters_give_one_instruction_per_topic():
    ids, texts = _pool()
    picked = diverse_selection(ids, texts, 3, seed=1)
    assert sorted(c.rstrip("0123456789") for c in picked.chosen) == ["bees", "heap", "press"]
    assert sorted(picked.sizes.values()) == [5, 5, 5]
    assert all(picked.cluster_of[i].rstrip("0123456789") == i.rstrip("0123456789") for i in ids)
    assert diverse_selection(ids, texts, 3, seed=1) == picked  # seeded


def test_duplicates_give_fewer_clusters_than_asked():
    picked = diverse_selection(["a", "b", "c"], ["same text here"] * 3, 3)
    assert len(picked.chosen) == 1 and picked.sizes == {picked.chosen[0]: 3}


def test_hard_takes_the_top_ratings_and_never_an_unrated_one():
    assert hard_selection({"a": 3, "b": 9, "c": None, "d": 9, "e": 1}, 3) == ["b", "d", "a"]
