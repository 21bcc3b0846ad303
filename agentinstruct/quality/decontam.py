"""Decontamination: word n-gram overlap between generated text and local evaluation sets."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from agentinstruct.quality.eval_sets import eval_files, iter_eval_texts
from agentinstruct.quality.text import words

log = logging.getLogger(__name__)

DEFAULT_TEXT_FIELDS = ("question", "prompt", "input", "text", "messages")


class Decontaminator:
    """n-gram overlap against evaluation sets held as local files.

    Every word ``n``-gram (lower-cased, punctuation dropped) of every evaluation text is indexed under its
    source name; a generated text is contaminated by a source when it shares at least ``min_overlap``
    distinct n-grams with it. An evaluation text shorter than ``n`` words but at least ``short_min``
    words long is indexed whole, so short questions copied verbatim are caught too; shorter ones are
    skipped (too generic to signal contamination).
    """

    def __init__(self, n: int = 13, min_overlap: int = 1, *, short_min: int = 8):
        if n < 1 or min_overlap < 1 or short_min < 1:
            raise ValueError(f"n, min_overlap and short_min must be positive (got {n}, {min_overlap}, "
                             f"{short_min})")
        self.n = n
        self.min_overlap = min_overlap
        self.short_min = min(short_min, n)
        self._grams: dict[int, str] = {}  # hash of an n-gram -> the first source holding it
        self._lengths: set[int] = set()
        self.sources: Counter[str] = Counter()  # source -> texts indexed
        self.skipped_short = 0

    def __len__(self) -> int:
        return len(self._grams)

    @staticmethod
    def _keys(tokens: list[str], length: int) -> Iterator[int]:
        """Hashes of the token ``length``-grams (exact lookups only, so Python's hash is safe here)."""
        return map(hash, zip(*(tokens[k:] for k in range(length)), strict=False))

    def add(self, source: str, text: str) -> None:
        """Index the n-grams of one evaluation text under ``source``."""
        tokens = words(text)
        if len(tokens) < self.short_min:
            self.skipped_short += 1
            return
        length = min(self.n, len(tokens))
        self._lengths.add(length)
        for key in self._keys(tokens, length):
            self._grams.setdefault(key, source)
        self.sources[source] += 1

    def contaminated(self, text: str) -> str | None:
        """The evaluation source whose n-grams ``text`` shares (at least ``min_overlap``), else None."""
        if not self._grams:
            return None
        tokens = words(text)
        hits: Counter[str] = Counter()
        seen: set[int] = set()
        for length in sorted(self._lengths, reverse=True):
            for key in self._keys(tokens, length):
                source = self._grams.get(key)
                if source is not None and key not in seen:
                    seen.add(key)
                    hits[source] += 1
                    if hits[source] >= self.min_overlap:
                        return source
        return None

    @classmethod
    def from_paths(cls, paths: list[Path], text_fields: Sequence[str] = DEFAULT_TEXT_FIELDS,
                   **kw) -> Decontaminator:
        """A decontaminator over jsonl/json/txt files or directories of them; ``kw`` goes to ``__init__``."""
        deco = cls(**kw)
        for source, path in eval_files(paths):
            before = deco.sources[source]
            for text in iter_eval_texts(path, text_fields):
                deco.add(source, text)
            if deco.sources[source] == before:
                log.warning("%s: no evaluation texts found (fields looked at: %s)", path,
                            ", ".join(text_fields))
        log.info("decontaminator: %d n-grams from %d source(s), %d short texts skipped",
                 len(deco), len(deco.sources), deco.skipped_short)
        return deco
