"""Text normalisation shared by the near-duplicate index and the decontaminator."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from core.records import Record

_WORD = re.compile(r"\w+", re.UNICODE)

DEDUP_ROLES = ("user", "assistant")


def words(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` after NFKC normalisation (punctuation and spacing dropped)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def ngrams(tokens: list[str], n: int) -> Iterator[str]:
    """Contiguous word n-grams joined by single spaces; one gram of all tokens when there are fewer than n."""
    if not tokens:
        return
    if len(tokens) < n:
        yield " ".join(tokens)
        return
    for i in range(len(tokens) - n + 1):
        yield " ".join(tokens[i:i + n])


def record_text(record: Record, roles: Iterable[str] = DEDUP_ROLES) -> str:
    """The contents of a record's turns whose role is in ``roles``, in order, one turn per paragraph."""
    keep = set(roles)
    return "\n\n".join(m.content for m in record.messages if m.role in keep)
