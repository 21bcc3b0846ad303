"""Choosing a WizardArena-style test set from a pool of instructions: a diverse part (MinHash clusters, one
instruction per cluster) and a hard part (the highest judge-rated difficulty).

Diverse: each instruction's word ``shingle``-grams get a MinHash signature (datasketch; Jaccard similarity
is estimated as the share of equal hash values). ``k`` cluster centres are chosen by farthest-point
traversal (Gonzalez k-centre, seeded start: each next centre is the instruction least similar to all
centres so far), every instruction joins its most similar centre, and each cluster is represented by its
medoid (the member with the highest mean similarity to the others), so a cluster's representative is a
typical member rather than the outlier that opened it. Hard: the top ``k`` by difficulty, ties by id.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
MEDOID_SAMPLE = 500
"""Members a cluster's medoid is computed over (a seeded sample when the cluster is larger)."""


def _shingles(text: str, n: int) -> set[bytes]:
    tokens = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(tokens) < n:
        return {" ".join(tokens).encode()}
    return {" ".join(tokens[i:i + n]).encode() for i in range(len(tokens) - n + 1)}


def minhash_signatures(texts: Sequence[str], num_perm: int = 128, shingle: int = 3) -> np.ndarray:
    """The MinHash hash values of each text's word shingles: a ``len(texts) x num_perm`` array."""
    from datasketch import MinHash  # imported here: it takes about a second

    proto = MinHash(num_perm=num_perm, hashfunc=zlib.crc32)
    sigs = np.empty((len(texts), num_perm), dtype=np.uint64)
    for k, text in enumerate(texts):
        m = proto.copy()
        m.update_batch(list(_shingles(text, shingle)))
        sigs[k] = m.hashvalues
    return sigs


def similarity_to(sigs: np.ndarray, row: int) -> np.ndarray:
    """Estimated Jaccard similarity of every signature to signature ``row``."""
    return (sigs == sigs[row]).mean(axis=1)


@dataclass(frozen=True)
class DiverseSelection:
    """The chosen instruction of each cluster, and every instruction's cluster (by its chosen id)."""

    chosen: list[str]
    cluster_of: dict[str, str]

    @property
    def sizes(self) -> dict[str, int]:
        """Members per cluster, keyed by the cluster's chosen id."""
        sizes = dict.fromkeys(self.chosen, 0)
        for c in self.cluster_of.values():
            sizes[c] += 1
        return sizes


def diverse_selection(ids: Sequence[str], texts: Sequence[str], k: int, *, seed: int = 0, num_perm: int = 128,
                      shingle: int = 3) -> DiverseSelection:
    """``k`` clusters of the texts (fewer when fewer distinct signatures exist) and one representative
    (the medoid) of each."""
    if len(ids) != len(texts):
        raise ValueError(f"{len(ids)} ids for {len(texts)} texts")
    if len(set(ids)) != len(ids):
        raise ValueError("instruction ids repeat")
    n = len(ids)
    k = min(k, n)
    if k <= 0:
        return DiverseSelection([], {})
    sigs = minhash_signatures(texts, num_perm, shingle)
    rng = np.random.default_rng(seed)
    centres = [int(rng.integers(n))]
    best = similarity_to(sigs, centres[0])
    nearest = np.zeros(n, dtype=np.int64)
    while len(centres) < k and best.min() < 1.0:  # stop early when only duplicates of centres are left
        nxt = int(np.argmin(best))  # least similar to every centre so far (first index on ties)
        centres.append(nxt)
        sim = similarity_to(sigs, nxt)
        closer = sim > best
        nearest[closer] = len(centres) - 1
        best = np.maximum(best, sim)
    chosen, cluster_of = [], {}
    for c in range(len(centres)):
        members = np.flatnonzero(nearest == c)
        sample = members if len(members) <= MEDOID_SAMPLE else rng.choice(members, MEDOID_SAMPLE, replace=False)
        sub = sigs[sample]
        mean_sim = np.array([(sub == sub[j]).mean() for j in range(len(sample))])
        medoid = ids[int(sample[int(np.argmax(mean_sim))])]
        chosen.append(medoid)
        for m in members:
            cluster_of[ids[int(m)]] = medoid
    return DiverseSelection(chosen, cluster_of)


def hard_selection(difficulty: Mapping[str, float | None], k: int) -> list[str]:
    """The ``k`` ids with the highest difficulty (unrated ones are never chosen); ties by id."""
    rated = [(d, i) for i, d in difficulty.items() if d is not None]
    rated.sort(key=lambda t: (-t[0], t[1]))
    return [i for _, i in rated[:k]]
