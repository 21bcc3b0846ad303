"""Load seeds: walk a root, read every input with the reader for its format, validate, and chunk.

Nothing is dropped silently: every input that does not become a seed becomes a :class:`SeedReject` with a
reason code, and loading carries on with the next input. Only a root that does not exist raises.

A file reached twice (a symlink or hard link inside the root: same device and inode) and a document whose
text repeats one loaded before are ``duplicate`` rejects naming the first. Every document is screened
(``core.seeds.screen``: secrets redacted, planted instructions and URLs flagged) before it is chunked.
Names are logged escaped (``core.safe_text.escape_controls``): a newline or an ANSI sequence in a file name
cannot forge a log line.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from core.safe_text import escape_controls
from core.seeds.chunking import plan_chunks
from core.seeds.content import decode_text, read_limited
from core.seeds.filetypes import TABLE_DELIMITERS, Format, file_format
from core.seeds.html_text import html_to_text
from core.seeds.models import (
    RawSeed,
    SeedConfig,
    SeedDoc,
    SeedError,
    SeedKind,
    SeedLoadResult,
    SeedReject,
    sha256_text,
)
from core.seeds.rows import read_hf_dataset, read_jsonl
from core.seeds.screen import screen
from core.seeds.structured import read_json, read_table
from core.seeds.walk import Found, walk

logger = logging.getLogger(__name__)


def _read_file(found: Found, config: SeedConfig, seen: _Seen | None = None) -> Iterator[RawSeed | SeedReject]:
    """The documents in one file (several for JSONL and JSON records), or why there are none: a
    ``duplicate`` when ``seen`` met the file before under another name (checked before it is read)."""
    fmt, language = file_format(found.path)
    rel = found.rel
    if fmt is Format.JSONL:
        again = seen.file(found) if seen is not None else None
        yield from [again] if again is not None else read_jsonl(found.path, rel, config)
        return
    checked = False

    def check(stat: os.stat_result) -> SeedReject | None:
        nonlocal checked
        checked = True
        return seen.stat(stat, rel) if seen is not None else None

    data = read_limited(found.path, config.max_file_bytes, rel, check)
    if isinstance(data, SeedReject):
        again = seen.file(found) if seen is not None and not checked else None  # it could not be opened
        yield again or data
        return
    text = decode_text(data, rel)
    del data
    if isinstance(text, SeedReject):
        yield text
    elif fmt is Format.JSON:
        yield from read_json(text, rel, config)
    elif fmt is Format.TABLE:
        yield read_table(text, rel, TABLE_DELIMITERS[found.path.suffix.lower()])
    elif fmt is Format.HTML:
        try:
            page = html_to_text(text)
        except ValueError as exc:
            yield SeedReject(source=rel, reason="parse", detail=str(exc))
            return
        yield RawSeed(id=rel, source=rel, where=rel, text=page, kind=SeedKind.HTML)
    elif fmt is Format.CODE:
        yield RawSeed(id=rel, source=rel, where=rel, text=text, kind=SeedKind.CODE, language=language)
    else:
        yield RawSeed(id=rel, source=rel, where=rel, text=text, kind=SeedKind.TEXT)


# Whitespace and the invisible format characters (Unicode category Cf: zero-width spaces and joiners, bidi
# controls, the word joiner, the BOM, soft hyphens, tag characters): a file of only these has no text.
_VISIBLE = re.compile(
    "[^\\s\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")


def visible_chars(text: str, enough: int) -> int:
    """Characters of ``text`` that show (neither whitespace nor an invisible format character, Unicode Cf),
    counted up to ``enough`` (a long text is not scanned to its end)."""
    window = 4 * enough  # most texts show ``enough`` characters early: one C-level scan of a short prefix
    found = len(_VISIBLE.findall(text, 0, window))
    if found >= enough or len(text) <= window:
        return min(found, enough)
    found = 0
    for _ in _VISIBLE.finditer(text):
        found += 1
        if found >= enough:
            break
    return found


def _doc(raw: RawSeed, text: str, seed_id: str, chunk: int, n_chunks: int) -> SeedDoc:
    if seed_id and 0 <= chunk < n_chunks and isinstance(raw.kind, SeedKind):
        # Valid by construction (the hash is computed here, the chunk in range, every value of its type):
        # built without validating again, which would hash the text a second time. Every field is given,
        # so ``model_fields_set`` is the same as after validation.
        return SeedDoc.model_construct(
            id=seed_id, text=text, source=raw.source, sha256=sha256_text(text), kind=raw.kind,
            language=raw.language, chunk=chunk, n_chunks=n_chunks, flags=tuple(raw.flags),
        )
    return SeedDoc(
        id=seed_id,
        text=text,
        source=raw.source,
        sha256=sha256_text(text),
        kind=raw.kind,
        language=raw.language,
        chunk=chunk,
        n_chunks=n_chunks,
        flags=raw.flags,
    )


def to_docs(raw: RawSeed, config: SeedConfig) -> Iterator[SeedDoc | SeedReject]:
    """Validate one whole document, screen it (``core.seeds.screen``) and split it into chunks
    (``max_seed_chars`` caps what is kept)."""
    return _to_docs(raw, config, visible_chars(raw.text, max(1, config.min_chars)))


def _to_docs(raw: RawSeed, config: SeedConfig, stripped: int) -> Iterator[SeedDoc | SeedReject]:
    """:func:`to_docs` given ``stripped``, ``visible_chars(raw.text, max(1, config.min_chars))``."""
    if stripped == 0:
        yield SeedReject(source=raw.where, reason="empty",
                         detail="no text: whitespace or invisible (zero-width) characters only")
        return
    if stripped < config.min_chars:
        yield SeedReject(
            source=raw.where,
            reason="empty",
            detail=f"only {stripped} visible characters (min_chars={config.min_chars})",
        )
        return
    keep = len(raw.header or "") + config.max_seed_chars  # only what can be kept is screened (and cut later)
    text, flags = screen(raw.text[:keep])
    text += raw.text[keep:]
    header = raw.header if raw.header and text.startswith(raw.header) else None
    raw = RawSeed(id=raw.id, source=raw.source, where=raw.where, text=text, kind=raw.kind, language=raw.language,
                  header=header, flags=tuple(flags))
    if raw.kind == SeedKind.API:
        # An API description is parsed as a whole (JSON / OpenAPI): a character chunk of it is not valid JSON.
        if len(text) > config.max_seed_chars:
            yield SeedReject(source=raw.where, reason="too_large",
                             detail=f"API description has {len(text):,} characters (max_seed_chars="
                                    f"{config.max_seed_chars:,}); it is never cut, so it was not loaded")
            return
        yield _doc(raw, text, raw.id, 0, 1)
        return
    header = raw.header or ""
    if len(header) * 2 > config.chunk_chars:
        header = ""  # a header this long is not worth repeating
    body = text[len(header) :]
    max_chars = config.chunk_chars - len(header)
    overlap = 0 if header else config.chunk_overlap  # repeated table rows add nothing
    spans, cut = plan_chunks(
        body, max_chars, overlap, raw.kind, limit=max(1, config.max_seed_chars - len(header))
    )
    if len(spans) == 1:
        yield _doc(raw, header + body[:cut], raw.id, 0, 1)
    else:
        for i, (start, end) in enumerate(spans):
            yield _doc(raw, header + body[start:end], f"{raw.id}@{i}", i, len(spans))
    if cut < len(body):
        yield SeedReject(
            source=raw.where,
            reason="too_large",
            detail=(
                f"document has {len(text):,} characters; only the first {len(header) + cut:,} were kept "
                f"({len(spans)} chunk(s), max_seed_chars={config.max_seed_chars:,})"
            ),
        )


def _check_root(path: str | os.PathLike[str]) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise SeedError(f"seed path must be a str or path, got {type(path).__name__}")
    if str(path) == "":
        raise SeedError("seed path is empty")
    root = Path(path)
    if not root.exists():
        kind = "a dangling symlink" if root.is_symlink() else "does not exist"
        raise SeedError(f"seed path {str(path)!r} {kind}")
    return root


class _Seen:
    """Files (by device and inode) and document texts (by hash) met so far in one load."""

    def __init__(self) -> None:
        self.files: dict[tuple[int, int], str] = {}
        self.texts: dict[str, str] = {}

    def file(self, found: Found) -> SeedReject | None:
        """A ``duplicate`` reject when ``found`` is a file met before under another name."""
        if found.dataset:
            return None
        try:
            stat = os.stat(found.path)
        except OSError:
            return None  # reading it reports the problem
        return self.stat(stat, found.rel)

    def stat(self, stat: os.stat_result, rel: str) -> SeedReject | None:
        """:meth:`file` given the file's ``stat`` (or ``fstat`` of it open) and its name ``rel``."""
        first = self.files.setdefault((stat.st_dev, stat.st_ino), rel)
        if first == rel:
            return None
        return SeedReject(source=rel, reason="duplicate", detail=f"the same file as {first} (a link to it)")

    def text(self, raw: RawSeed) -> SeedReject | None:
        """A ``duplicate`` reject when ``raw``'s text repeats a document met before."""
        digest = hashlib.sha256(raw.text.encode("utf-8", "surrogatepass")).hexdigest()
        first = self.texts.setdefault(digest, raw.where)
        if first == raw.where:
            return None
        return SeedReject(source=raw.where, reason="duplicate", detail=f"the same text as {first}")


def _iter(root: Path, config: SeedConfig) -> Iterator[SeedDoc | SeedReject]:
    kinds: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    seen = _Seen()
    for found in walk(root, config.include_hidden):
        if isinstance(found, SeedReject):
            items: Iterator[RawSeed | SeedReject] = iter([found])
        elif found.dataset:
            items = read_hf_dataset(found.path, found.rel, config)
        else:
            items = _read_file(found, config, seen)  # a file met before is a duplicate, found before reading
        enough = max(1, config.min_chars)
        for item in items:
            if isinstance(item, SeedReject):
                outputs: Iterator[SeedDoc | SeedReject] = iter([item])
            else:
                visible = visible_chars(item.text, enough)  # counted once, for the repeat check and to_docs
                again = seen.text(item) if visible >= enough else None  # a short text is rejected as such
                outputs = iter([again]) if again is not None else _to_docs(item, config, visible)
            for out in outputs:
                if isinstance(out, SeedReject):
                    reasons[out.reason] += 1
                    logger.debug("seed rejected: %s (%s: %s)", escape_controls(out.source), out.reason,
                                 escape_controls(out.detail))
                else:
                    kinds[out.kind.value] += 1
                yield out
    logger.log(
        logging.WARNING if reasons else logging.INFO,
        "loaded %d seeds from %s %s; %d rejects %s",
        sum(kinds.values()), escape_controls(str(root)), dict(kinds), sum(reasons.values()), dict(reasons),
    )  # fmt: skip


def iter_seeds(path: str | Path, config: SeedConfig | None = None) -> Iterator[SeedDoc | SeedReject]:
    """Stream the seeds under ``path`` (a file, a directory, or a saved Hugging Face dataset) in a
    deterministic order: directory entries sorted by name, a document's chunks in order.

    Yields a :class:`SeedDoc` per document or chunk and a :class:`SeedReject` per input that could not be
    used (see :data:`REJECT_REASONS`); never stops at a bad input. Raises :class:`SeedError` at once (not on
    first iteration) if ``path`` does not exist.
    """
    root = _check_root(path)
    return _iter(root, config if config is not None else SeedConfig())


def load_seeds(path: str | Path, config: SeedConfig | None = None) -> SeedLoadResult:
    """Load every seed under ``path`` into memory: :func:`iter_seeds`, collected."""
    result = SeedLoadResult()
    for item in iter_seeds(path, config):
        (result.rejects if isinstance(item, SeedReject) else result.seeds).append(item)
    if not result.seeds:
        logger.warning("no seeds found under %s (%d rejects)", escape_controls(str(path)), len(result.rejects))
    return result
