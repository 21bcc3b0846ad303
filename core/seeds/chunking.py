"""Split long documents into overlapping chunks at the most natural boundaries available.

Every chunk is an exact slice of the input: chunk ``i`` ends where a boundary was found, and chunk ``i+1``
starts at most ``overlap`` characters before that end, so the chunks cover the text with no gap.

Boundaries, strongest first:

- text / html: paragraph (after a blank line), line, sentence end, whitespace;
- code: a blank line before an unindented line (top-level definitions), any blank line, line, whitespace;
- api / table: line, whitespace.

A chunk ends at the last boundary of the strongest kind that still fills at least half of ``max_chars``
(whitespace is taken wherever it is); a stretch with no boundary at all (a very long line) is cut hard at
``max_chars``. The next chunk's overlap starts at a boundary too where one lies inside the overlap window.
Break positions are found once with regular expressions, so chunking is linear in the text's length.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from core.seeds.models import SeedKind

_PARAGRAPH = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")
_LINE = re.compile(r"\n")
_SENTENCE = re.compile(r"[.!?][\"')\]]*\s+")
_SPACE = re.compile(r"\s+")
_TOP_LEVEL = "top-level"  # paragraph breaks followed by an unindented line (filtered, no regex backtracking)

_LEVELS: dict[SeedKind, tuple[re.Pattern[str] | str, ...]] = {
    SeedKind.TEXT: (_PARAGRAPH, _LINE, _SENTENCE, _SPACE),
    SeedKind.HTML: (_PARAGRAPH, _LINE, _SENTENCE, _SPACE),
    SeedKind.CODE: (_TOP_LEVEL, _PARAGRAPH, _LINE, _SPACE),
    SeedKind.API: (_LINE, _SPACE),
    SeedKind.TABLE: (_LINE, _SPACE),
}


def _breaks(text: str, kind: SeedKind, stop: int) -> list[list[int]]:
    """Per level, the sorted offsets (up to ``stop``) where a chunk may end and the next may begin."""
    region = text[:stop]
    paragraphs = [m.end() for m in _PARAGRAPH.finditer(region)]
    levels = []
    for pattern in _LEVELS[kind]:
        if pattern is _TOP_LEVEL:
            levels.append([e for e in paragraphs if e < len(region) and region[e] not in " \t"])
        elif pattern is _PARAGRAPH:
            levels.append(paragraphs)
        else:
            levels.append([m.end() for m in pattern.finditer(region)])
    return levels


def _last_break(breaks: list[list[int]], lo: int, hi: int, min_end: int) -> int:
    """A chunk end: the best boundary in ``(lo, hi]``, else ``hi`` (hard cut)."""
    for level, offsets in enumerate(breaks):
        i = bisect_right(offsets, hi) - 1
        if i >= 0 and offsets[i] > lo:
            weakest = level == len(breaks) - 1
            if offsets[i] >= min_end or weakest:
                return offsets[i]
    return hi


def _overlap_start(breaks: list[list[int]], lo: int, end: int) -> int:
    """Where the next chunk starts: the first boundary of the strongest kind in ``[lo, end)``, else ``lo``
    (a hard start, for text without boundaries)."""
    for offsets in breaks:
        i = bisect_left(offsets, lo)
        if i < len(offsets) and offsets[i] < end:
            return offsets[i]
    return lo


def plan_chunks(
    text: str, max_chars: int, overlap: int, kind: SeedKind, limit: int | None = None
) -> tuple[list[tuple[int, int]], int]:
    """Chunk spans ``(start, end)`` over ``text[:cut]``, and ``cut``.

    ``cut`` is ``len(text)`` unless ``limit`` is given and the text is longer: then the text is cut at the
    best boundary at or before ``limit`` and only that prefix is chunked.
    """
    if max_chars <= 0:
        raise ValueError(f"max_chars must be positive, got {max_chars}")
    if not 0 <= overlap < max_chars:
        raise ValueError(f"overlap must be in [0, max_chars), got {overlap} with max_chars={max_chars}")
    kind = SeedKind(kind)
    cut = len(text)
    if limit is not None and cut > limit:
        lo = max(0, limit - max_chars)
        breaks = _breaks(text, kind, limit + 1)
        cut = _last_break(breaks, lo, limit, lo + (limit - lo) // 2)
    if cut <= max_chars:
        return [(0, cut)], cut
    breaks = _breaks(text, kind, cut)
    spans: list[tuple[int, int]] = []
    start = end = 0
    while True:
        hi = min(start + max_chars, cut)
        # each chunk must reach past the previous one's end, or it would only repeat the overlap
        end = cut if hi == cut else _last_break(breaks, end, hi, start + max_chars // 2)
        spans.append((start, end))
        if end >= cut:
            return spans, cut
        nxt, lo = end, end - overlap
        if overlap and lo > start:
            content_end = end  # the overlap must carry text, not just the whitespace the chunk ends with
            while content_end > lo and text[content_end - 1].isspace():
                content_end -= 1
            if content_end > lo:
                nxt = _overlap_start(breaks, lo, content_end)
        start = nxt


def chunk_text(text: str, max_chars: int, overlap: int, kind: SeedKind) -> list[str]:
    """Split ``text`` into chunks of at most ``max_chars`` characters, overlapping by up to ``overlap``.

    Paragraph-aware for prose (``TEXT``, ``HTML``), line-aware for ``CODE``, ``API`` and ``TABLE``; a line
    longer than ``max_chars`` is split at whitespace, or hard where it has none. Text that already fits is
    returned as a single chunk (``[""]`` for empty text). Every chunk is a slice of ``text``; the chunks
    cover it in order, each starting before or where the previous one ended.

    Raises ``ValueError`` if ``max_chars`` is not positive or ``overlap`` is not in ``[0, max_chars)``.
    """
    spans, _ = plan_chunks(text, max_chars, overlap, kind)
    return [text[s:e] for s, e in spans]
